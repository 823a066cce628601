import { fieldError, type FieldError } from "../../status.js";
import { parseQuantity, quantityText } from "./quantity.js";

export const SUPPORTED_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"] as const;

/** At least one access mode, each supported; ReadWriteOncePod only on its own. */
export function validateAccessModes(modes: readonly string[] | undefined, path: string): FieldError[] {
  if (!modes?.length) return [fieldError.required(path)];
  const errs: FieldError[] = [];
  for (const m of modes) if (!(SUPPORTED_ACCESS_MODES as readonly string[]).includes(m)) errs.push(fieldError.notSupported(path, m, SUPPORTED_ACCESS_MODES));
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) errs.push(fieldError.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

/** A storage quantity must parse and be positive. */
export function validateStorageQuantity(q: string | number, path: string): FieldError[] {
  const v = parseQuantity(q);
  if (v === undefined) return [fieldError.invalid(path, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  if (v <= 0) return [fieldError.invalid(path, quantityText(q), "must be greater than zero")];
  return [];
}
