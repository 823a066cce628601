import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** The object is being deleted and still holds `finalizer` (IsDeletionCandidate). */
export function isDeletionCandidate(meta: ObjectMeta | undefined, finalizer: string): boolean {
  return !!meta?.deletionTimestamp && (meta.finalizers ?? []).includes(finalizer);
}

/** The object is live and lacks `finalizer` (NeedToAddFinalizer). */
export function needsFinalizer(meta: ObjectMeta | undefined, finalizer: string): boolean {
  return !meta?.deletionTimestamp && !(meta?.finalizers ?? []).includes(finalizer);
}

/** A JSON merge patch setting `finalizers` to the current list with `finalizer` added or removed. */
export function finalizerPatch(meta: ObjectMeta | undefined, finalizer: string, present: boolean): { metadata: { finalizers: string[]; resourceVersion?: string } } {
  const rest = (meta?.finalizers ?? []).filter((f) => f !== finalizer);
  // The resourceVersion makes the patch fail on a concurrent change of the list instead of losing it.
  return { metadata: { finalizers: present ? [...rest, finalizer] : rest, ...(meta?.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}) } };
}
