import type { CustomResourceDefinition, CustomResourceDefinitionCondition } from "kubernetes-types/apiextensions/v1.js";

/** The condition of `type` on a CRD's status, if set. */
export function findCrdCondition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/** True when the CRD's condition `type` has status "True". */
export function isCrdConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return findCrdCondition(crd, type)?.status === "True";
}

/**
 * SetCRDCondition: replaces or appends `next` in `conditions`; lastTransitionTime is kept unless
 * the status changes (then it is `now`). Returns a new array.
 */
export function setCrdCondition(conditions: readonly CustomResourceDefinitionCondition[] | undefined, next: Omit<CustomResourceDefinitionCondition, "lastTransitionTime">, now: string): CustomResourceDefinitionCondition[] {
  const out = [...(conditions ?? [])];
  const i = out.findIndex((c) => c.type === next.type);
  if (i < 0) {
    out.push({ ...next, lastTransitionTime: now });
    return out;
  }
  const old = out[i]!;
  const lastTransitionTime = old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  out[i] = { type: next.type, status: next.status, lastTransitionTime, ...(next.reason ? { reason: next.reason } : {}), ...(next.message ? { message: next.message } : {}) };
  return out;
}

/** Removes condition `type` (returns a new array). */
export function removeCrdCondition(conditions: readonly CustomResourceDefinitionCondition[] | undefined, type: string): CustomResourceDefinitionCondition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
