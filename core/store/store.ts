import { token } from "../di/token.js";
import type { KubeObject } from "../api/object.js";

/**
 * Why a store operation failed. The API server turns these into `Status` errors naming the
 * resource; the store itself knows only keys.
 */
export type StoreErrorCode = "NotFound" | "AlreadyExists" | "Conflict" | "Gone" | "InvalidContinue";

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(readonly code: StoreErrorCode, readonly key: string, message: string) {
    super(message);
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** One change, at one revision. `prevObject` is the value before the change (absent for ADDED). */
export interface StoreEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  key: string;
  /** For ADDED/MODIFIED the new object; for DELETED the object as it was last stored, with `resourceVersion` set to the deletion's revision. */
  object: KubeObject;
  prevObject?: KubeObject;
  revision: number;
}

export interface StoreListOptions {
  /** Most items to return; 0 or absent for all. */
  limit?: number;
  /** Opaque token from a previous page. */
  continue?: string;
  /**
   * List the state at exactly this revision (an `Exact` list) rather than the latest. A revision
   * older than the retained history fails with `Gone`; one not reached yet is the caller's to refuse.
   * Ignored with `continue` (the token carries the revision).
   */
  revision?: number;
  /**
   * Optional filter applied while listing, so `limit` counts matching items only (as the real
   * storage layer's SelectionPredicate does).
   */
  filter?: (obj: KubeObject) => boolean;
  /**
   * Optional label predicate, applied before `filter` to the object's labels. Stores may keep
   * labels next to their index entries, so this is much cheaper than reaching into each object.
   */
  labelFilter?: (labels: Readonly<Record<string, string>> | undefined) => boolean;
}

export interface StoreListResult {
  items: KubeObject[];
  /** Revision the list is consistent at (for a continued list, the first page's). */
  revision: number;
  /** Token for the next page, absent on the last page. */
  continue?: string;
  /** Items left after this page (when known). */
  remainingItemCount?: number;
}

/** Preconditions for delete/update, as in `metav1.Preconditions`. */
export interface StorePreconditions {
  /** Expected current revision (the object's resourceVersion). */
  revision?: number;
  uid?: string;
}

/** A running watch; `stop()` is idempotent and releases the watcher at once. */
export interface StoreWatch {
  stop(): void;
}

export interface StoreWatchOptions {
  /**
   * Deliver events with revision > this. A revision older than the retained history window fails
   * with a `Gone` StoreError ("too old resource version").
   */
  revision: number;
  /** Optional server-side filter; events whose object fails it are not delivered. */
  filter?: (event: StoreEvent) => boolean;
  /**
   * An index hint, as the watch cache's trigger functions (pods by `spec.nodeName`): the watch
   * only wants objects whose `field` (read by `of`) is `value` before or after the change, so a
   * store may offer it only such events instead of testing every event against every watch. The
   * `filter` still decides; a store may ignore the hint.
   */
  trigger?: WatchTrigger;
}

/** See {@link StoreWatchOptions.trigger}. Watches naming the same `field` must pass the same `of`. */
export interface WatchTrigger {
  readonly field: string;
  readonly value: string;
  readonly of: (obj: KubeObject) => string | undefined;
}

/**
 * The storage contract (the role etcd plays for kube-apiserver). Keys are
 * `/registry/<resource>/<namespace>/<name>` (cluster-scoped: no namespace segment). One global,
 * monotonically increasing revision numbers every change; it is written into each stored object's
 * `metadata.resourceVersion`. Objects going in are owned by the store afterwards; objects coming
 * out are immutable and shared — never mutate them.
 *
 * Implementations: MemoryStore (embedded default); a durable file-backed store and an etcd store
 * can implement the same contract.
 */
export interface Store {
  /** The latest revision. */
  currentRevision(): number;
  /** The object at `key`, or undefined. */
  get(key: string): Promise<KubeObject | undefined>;
  /** Objects whose key starts with `prefix`, in key order, paged. */
  list(prefix: string, options?: StoreListOptions): Promise<StoreListResult>;
  /** Stores a new object; `AlreadyExists` if the key is taken. Returns the stored object. */
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  /**
   * Replaces the object at `key`; `NotFound` if absent, `Conflict` if `preconditions` do not hold
   * (compare-and-swap on the revision). Returns the stored object.
   */
  update(key: string, obj: KubeObject, preconditions?: StorePreconditions): Promise<KubeObject>;
  /** Removes the object; `NotFound` if absent, `Conflict` if preconditions fail. Returns the removed object. */
  delete(key: string, preconditions?: StorePreconditions): Promise<KubeObject>;
  /**
   * Streams the changes under `prefix` after `options.revision`: first the retained history, in
   * order, then live changes. Events arrive synchronously in revision order; a listener must not
   * throw and should be quick.
   */
  watch(prefix: string, options: StoreWatchOptions, listener: (event: StoreEvent) => void): StoreWatch;
  /** Drops history up to and including `revision`; watches from there on fail with Gone. */
  compact(revision: number): void;
  /** Oldest revision a watch may still start from. */
  oldestWatchableRevision(): number;
  /** Releases resources (timers, files, connections). */
  close(): Promise<void>;
}

export const Store = token<Store>("Store");
