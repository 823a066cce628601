import type { KubeObject, ObjectLike } from "../api/object.js";
import type { DeletedFinalStateUnknown } from "./tombstone.js";

/**
 * Reacts to cache changes, as client-go's `ResourceEventHandler`. Handlers should be quick and
 * hand work to a queue; one may return a promise, and its next notification waits for it (other
 * handlers are not held up). Objects are the cache's own: immutable, shared, never copy-on-read.
 */
export interface ResourceEventHandler<T extends ObjectLike = KubeObject> {
  /** `isInInitialList`: the object came with the first list (or the contents a late handler starts with). */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  /** Also called on relist and resync with the same object (`oldObj === newObj` on resync). */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /** Receives a {@link DeletedFinalStateUnknown} when the deletion was only seen by relisting. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

export interface EventHandlerOptions {
  /** Re-deliver every cached object to this handler as an update this often (ms); default: the informer's. 0 = never. */
  resyncPeriod?: number;
}

/** A handler's place in an informer, as client-go's `ResourceEventHandlerRegistration`. */
export interface EventHandlerRegistration {
  /** Stops delivering to the handler (pending notifications are dropped); idempotent. */
  remove(): void;
  /** True once the informer has synced and this handler has been given every object of the initial list. */
  hasSynced(): boolean;
}
