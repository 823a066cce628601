import type { Condition } from "kubernetes-types/meta/v1.js";
import { rfc3339 } from "../api/time.js";

/** A condition to set: `lastTransitionTime` is filled in by {@link setStatusCondition}. */
export type ConditionInput = Omit<Condition, "lastTransitionTime"> & { lastTransitionTime?: string };

/**
 * Sets `next` in `conditions` with apimachinery's `meta.SetStatusCondition` semantics, without
 * touching the input (objects from informers are frozen): a new type is added; for an existing one
 * `lastTransitionTime` changes only when `status` changes (to `next.lastTransitionTime` or `now`),
 * while `reason`, `message` and `observedGeneration` always take the new values. Returns the new
 * list and whether anything changed (so a reconciler writes status only when it did).
 */
export function setStatusCondition(conditions: readonly Condition[] | undefined, next: ConditionInput, now: number): { conditions: Condition[]; changed: boolean } {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const stamp = next.lastTransitionTime ?? rfc3339(now);
  if (i < 0) {
    list.push(withoutUndefined({ type: next.type, status: next.status, observedGeneration: next.observedGeneration, lastTransitionTime: stamp, reason: next.reason, message: next.message }));
    return { conditions: list, changed: true };
  }
  const old = list[i]!;
  const updated: Condition = withoutUndefined({
    type: old.type,
    status: next.status,
    observedGeneration: next.observedGeneration,
    lastTransitionTime: old.status !== next.status ? stamp : old.lastTransitionTime,
    reason: next.reason,
    message: next.message,
  });
  const changed = old.status !== updated.status || old.reason !== updated.reason || old.message !== updated.message || old.observedGeneration !== updated.observedGeneration || old.lastTransitionTime !== updated.lastTransitionTime;
  if (!changed) return { conditions: list, changed: false };
  list[i] = updated;
  return { conditions: list, changed: true };
}

/** The list without the condition of `type` (`meta.RemoveStatusCondition`). */
export function removeStatusCondition(conditions: readonly Condition[] | undefined, type: string): { conditions: Condition[]; changed: boolean } {
  const list = (conditions ?? []).filter((c) => c.type !== type);
  return { conditions: list, changed: list.length !== (conditions?.length ?? 0) };
}

/** The condition of `type`, if present (`meta.FindStatusCondition`). */
export function findStatusCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is present with status "True". */
export function isStatusConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findStatusCondition(conditions, type)?.status === "True";
}

/** True when the condition of `type` is present with status "False". */
export function isStatusConditionFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findStatusCondition(conditions, type)?.status === "False";
}

function withoutUndefined(c: Condition): Condition {
  const out = { ...c } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as Condition;
}
