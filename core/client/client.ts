import type { Status } from "kubernetes-types/meta/v1.js";
import { token } from "../di/token.js";
import type { KubeList, KubeObject, ObjectLike } from "../api/object.js";

/**
 * Names a resource type: a kind (`"Pod"`, `"Deployment"`), a resource (`"pods"`,
 * `"deployments.apps"`, a short name like `"deploy"`), an apiVersion + kind, or a
 * group/version/resource.
 */
export type ResourceRef =
  | string
  | { apiVersion: string; kind: string }
  | { group: string; version: string; resource: string };

export interface ListOptions {
  /** Namespace to list in; absent lists across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** "" = most recent; "0" = any (served from cache); otherwise not older than this. */
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; "" or absent = synthetic ADDED events for current state, then changes. "0" likewise. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this many seconds. */
  timeoutSeconds?: number;
  /**
   * true: the current state (not older than resourceVersion, waiting up to 3 s for the store to
   * reach it, else 504) as ADDED events, then (with allowWatchBookmarks) a BOOKMARK annotated
   * `k8s.io/initial-events-end`, then changes. false: changes only, after resourceVersion ("now"
   * for "" / "0"). Unset: true for resourceVersion "" / "0" (as kube-apiserver 1.32 defaults it),
   * else changes after resourceVersion.
   */
  sendInitialEvents?: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One watch event. For ERROR the object is a `Status`. */
export interface WatchEvent<T extends ObjectLike = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** A running watch. */
export interface Watch {
  /** Ends the watch; idempotent. */
  stop(): void;
  /** Settles when the watch ends for any reason: stop(), server timeout, or a broken connection (rejects). */
  readonly done: Promise<void>;
}

export interface WriteOptions {
  /** `["All"]` to validate and admit without persisting. */
  dryRun?: ("All")[];
  fieldManager?: string;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  namespace?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** Patch a subresource (`status`, `scale`). */
  subresource?: string;
}

export interface DeleteOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: ("All")[];
}

export interface GetOptions {
  namespace?: string;
  resourceVersion?: string;
}

/**
 * Operations on one resource type. Objects returned are immutable; to change one, copy it.
 * For create/update the namespace comes from the object's metadata (or `options.namespace`).
 */
export interface ResourceClient<T extends ObjectLike = KubeObject> {
  get(name: string, options?: GetOptions): Promise<T>;
  list(options?: ListOptions): Promise<KubeList<T>>;
  /** Calls `onEvent` for every event, in order, until the watch ends. */
  watch(options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<Watch>;
  create(obj: T, options?: WriteOptions & { namespace?: string }): Promise<T>;
  update(obj: T, options?: WriteOptions & { namespace?: string }): Promise<T>;
  updateStatus(obj: T, options?: WriteOptions & { namespace?: string }): Promise<T>;
  patch(name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
  /** Returns the object as it is after the call: gone (the last state) or marked for deletion. */
  delete(name: string, options?: DeleteOptions): Promise<T | Status>;
  deleteCollection(options?: ListOptions & Omit<DeleteOptions, "preconditions">): Promise<KubeList<T>>;
  /** GET of a subresource (`scale`, `status`). */
  getSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, options?: GetOptions): Promise<S>;
  /** PUT of a subresource (`scale`, `status`). */
  updateSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & { namespace?: string }): Promise<S>;
  /** POST to a subresource (`binding`, `eviction`). */
  createSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & { namespace?: string }): Promise<KubeObject>;
}

/**
 * The one client contract every component uses, in process or over HTTP. Errors are
 * `StatusError`s carrying the server's `Status`.
 */
export interface Client {
  resource<T extends ObjectLike = KubeObject>(ref: ResourceRef): ResourceClient<T>;
}

export const Client = token<Client>("Client");
