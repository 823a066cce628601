import { fieldError, type FieldError } from "../status.js";
import { isQualifiedName, isValidLabelValue } from "./names.js";

/** Kubernetes' limit on the summed length of all annotation keys and values of one object. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** One label key (a qualified name); errors are reported on `path` itself, as upstream does. */
export function validateLabelName(name: string, path: string): FieldError[] {
  const msgs = isQualifiedName(name);
  return msgs.length === 0 ? [] : msgs.map((m) => fieldError.invalid(path, name, m));
}

/** Label keys and values (ValidateLabels in apimachinery meta/v1/validation). */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  if (!labels) return [];
  let errs: FieldError[] | undefined;
  for (const key in labels) {
    const value = labels[key]!;
    const keyMsgs = isQualifiedName(key);
    const valueMsgs = isValidLabelValue(value);
    if (keyMsgs.length === 0 && valueMsgs.length === 0) continue;
    errs ??= [];
    for (const m of keyMsgs) errs.push(fieldError.invalid(path, key, m));
    for (const m of valueMsgs) errs.push(fieldError.invalid(path, value, m));
  }
  return errs ?? [];
}

/** Annotation keys (qualified names, compared lowercase) and their total size ≤ 256 KiB. */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  if (!annotations) return [];
  const errs: FieldError[] = [];
  let totalSize = 0;
  for (const key in annotations) {
    for (const m of isQualifiedName(key.toLowerCase())) errs.push(fieldError.invalid(path, key, m));
    totalSize += key.length + annotations[key]!.length;
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(fieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}
