import { fieldError, type FieldError } from "../status.js";
import { semanticEqual } from "./semantic-equal.js";

/**
 * `<path>: Invalid value: <new>: field is immutable` when `newValue` differs from `oldValue`
 * (deep, semantic comparison: an absent field equals an empty one as apiequality.Semantic does
 * for nil vs empty), else nothing.
 */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [fieldError.immutable(path, newValue)];
}
