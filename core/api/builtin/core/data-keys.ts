import { fieldError, type FieldError } from "../../status.js";
import { isConfigMapKey } from "../../validation/names.js";

/** ConfigMap and Secret objects may not exceed 1 MiB of data. */
export const MAX_DATA_SIZE_BYTES = 1024 * 1024;

/**
 * Keys of ConfigMap/Secret data maps: config-key syntax, reported as `<path>[<key>]`. `shown`
 * replaces the value in messages (Secrets redact contents). Returns the summed value sizes.
 */
export function validateDataKeys(data: Readonly<Record<string, string>> | undefined, path: string, errs: FieldError[], shown?: string): number {
  let size = 0;
  if (!data) return size;
  for (const key in data) {
    for (const m of isConfigMapKey(key)) errs.push(fieldError.invalid(`${path}[${key}]`, shown ?? key, m));
    size += data[key]!.length;
  }
  return size;
}
