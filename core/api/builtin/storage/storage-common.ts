import { fieldError, type FieldError } from "../../status.js";
import { isDNS1123Subdomain } from "../../validation/names.js";

/** The group and version of the storage types. */
export const STORAGE_V1 = { group: "storage.k8s.io", version: "v1" } as const;

const CSI_DRIVER_NAME_MAX_LENGTH = 63;

/** What is wrong with a CSI driver name: at most 63 characters, a DNS-1123 subdomain once lowercased. */
export function csiDriverNameProblems(name: string): string[] {
  const problems = isDNS1123Subdomain(name.toLowerCase());
  if (name.length > CSI_DRIVER_NAME_MAX_LENGTH) problems.unshift(`must be no more than ${CSI_DRIVER_NAME_MAX_LENGTH} characters`);
  return problems;
}

/** `ValidateCSIDriverName` of a field: required, then {@link csiDriverNameProblems}. */
export function validateCSIDriverName(name: string | undefined, path: string): FieldError[] {
  if (!name) return [fieldError.required(path)];
  return csiDriverNameProblems(name).map((m) => fieldError.invalid(path, name, m));
}
