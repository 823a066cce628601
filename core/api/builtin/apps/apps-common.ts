import { fieldError, type FieldError } from "../../status.js";
import { validateNonnegative } from "../field-checks.js";

/** The group and version of every apps type. */
export const APPS_V1 = { group: "apps", version: "v1" } as const;

/** Each named status counter must be ≥ 0 (`status.<field>: ... must be greater than or equal to 0`). */
export function validateReplicaCounts<S extends object>(status: S, fields: readonly (keyof S & string)[]): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of fields) errs.push(...validateNonnegative(status[f] as number | undefined, `status.${f}`));
  return errs;
}

/** Counters that may not exceed status.replicas, and availableReplicas not readyReplicas (`<wording>` differs per kind). */
export function validateCountsWithinReplicas<S extends { replicas?: number; readyReplicas?: number; availableReplicas?: number }>(
  status: S,
  fields: readonly (keyof S & string)[],
  availableAboveReadyMessage: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const replicas = status.replicas ?? 0;
  for (const f of fields) {
    const v = status[f] as number | undefined;
    if ((v ?? 0) > replicas) errs.push(fieldError.invalid(`status.${f}`, v, "cannot be greater than status.replicas"));
  }
  if ((status.availableReplicas ?? 0) > (status.readyReplicas ?? 0)) errs.push(fieldError.invalid("status.availableReplicas", status.availableReplicas, availableAboveReadyMessage));
  return errs;
}
