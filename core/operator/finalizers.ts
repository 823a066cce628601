import type { ObjectLike } from "../api/object.js";
import type { ResourceClient } from "../client/client.js";

/** True when the object lists `finalizer` (`controllerutil.ContainsFinalizer`). */
export function hasFinalizer(obj: ObjectLike, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds `finalizer` to the stored object (an update guarded by `obj`'s resourceVersion, as
 * `controllerutil.AddFinalizer` + `Update`): resolves with the written object, or `obj` itself when
 * it is already there. A Conflict rejects — let the reconcile retry on the fresh object.
 */
export async function addFinalizer<T extends ObjectLike>(client: ResourceClient<T>, obj: T, finalizer: string, options: { fieldManager?: string } = {}): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const next = { ...obj, metadata: { ...obj.metadata, finalizers: [...(obj.metadata?.finalizers ?? []), finalizer] } } as T;
  return client.update(next, { ...options, ...namespaceOf(obj) });
}

/** Removes `finalizer` from the stored object (guarded by resourceVersion); `obj` itself when it is not there. */
export async function removeFinalizer<T extends ObjectLike>(client: ResourceClient<T>, obj: T, finalizer: string, options: { fieldManager?: string } = {}): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  const next = { ...obj, metadata: { ...obj.metadata, finalizers: obj.metadata!.finalizers!.filter((f) => f !== finalizer) } } as T;
  return client.update(next, { ...options, ...namespaceOf(obj) });
}

/**
 * What {@link reconcileFinalizer} did: `live` — the object is not being deleted and carries the
 * finalizer (the written object): reconcile it; `finalized` — it is being deleted, cleanup ran and
 * the finalizer is off: stop; `deleting` — it is being deleted and our finalizer is not (or no
 * longer) on it: stop.
 */
export type FinalizerOutcome<T> = { readonly state: "live"; readonly object: T } | { readonly state: "finalized" } | { readonly state: "deleting" };

/**
 * The finalizer pattern in one call: on a live object, make sure `finalizer` is set; on an object
 * being deleted (deletionTimestamp set) that still has it, run `cleanup` (which must be
 * idempotent: it may run again after a failure) and then remove the finalizer. If `cleanup`
 * throws, the finalizer stays and the error propagates (the reconcile is retried).
 */
export async function reconcileFinalizer<T extends ObjectLike>(
  client: ResourceClient<T>,
  obj: T,
  finalizer: string,
  cleanup: (obj: T) => Promise<void> | void,
  options: { fieldManager?: string } = {},
): Promise<FinalizerOutcome<T>> {
  if (obj.metadata?.deletionTimestamp) {
    if (!hasFinalizer(obj, finalizer)) return { state: "deleting" };
    await cleanup(obj);
    await removeFinalizer(client, obj, finalizer, options);
    return { state: "finalized" };
  }
  return { state: "live", object: await addFinalizer(client, obj, finalizer, options) };
}

function namespaceOf(obj: ObjectLike): { namespace?: string } {
  return obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {};
}
