import type { KubeObject, ObjectLike } from "../api/object.js";

/**
 * What `onDelete` receives when the informer learned of a deletion only by relisting: the object
 * was gone from the new list, so its final state is unknown and `obj` is the last state the cache
 * held (client-go's `cache.DeletedFinalStateUnknown`). Handlers must accept it as well as objects.
 */
export class DeletedFinalStateUnknown<T extends ObjectLike = KubeObject> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

export function isTombstone<T extends ObjectLike>(value: T | DeletedFinalStateUnknown<T>): value is DeletedFinalStateUnknown<T> {
  return value instanceof DeletedFinalStateUnknown;
}

/** The object itself, or the last known state inside a tombstone. */
export function objectOrTombstoneObject<T extends ObjectLike>(value: T | DeletedFinalStateUnknown<T>): T {
  return value instanceof DeletedFinalStateUnknown ? value.obj : value;
}
