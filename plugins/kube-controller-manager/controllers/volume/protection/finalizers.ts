import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** The object is being deleted and still holds `finalizer` (IsDeletionCandidate). */
export function isDeletionCandidate(meta: ObjectMeta | undefined, finalizer: string): boolean {
  return !!meta?.deletionTimestamp && (meta.finalizers ?? []).includes(finalizer);
}

/** The object is live and lacks `finalizer` (NeedToAddFinalizer). */
export function needsFinalizer(meta: ObjectMeta | undefined, finalizer: string): boolean {
  return !meta?.deletionTimestamp && !(meta?.finalizers ?? []).includes(finalizer);
}

/**
 * A copy of `obj` with `finalizer` added to or removed from its finalizers, for an update (as the
 * protection controllers write it upstream: their roles allow update, not patch). The object's
 * resourceVersion rides along, so a concurrent change of the list fails with Conflict instead of
 * being lost.
 */
export function withFinalizer<T extends { metadata?: ObjectMeta }>(obj: T, finalizer: string, present: boolean): T {
  const rest = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  return { ...obj, metadata: { ...obj.metadata, finalizers: present ? [...rest, finalizer] : rest } };
}
