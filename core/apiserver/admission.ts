import type { Client } from "../client/client.js";
import type { Clock } from "../clock/clock.js";
import type { KubeObject } from "../api/object.js";
import type { ResourceDescriptor } from "../api/resource.js";

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface UserInfo {
  username: string;
  groups: readonly string[];
  uid?: string;
  /** Extra attributes (a service account token's `authentication.kubernetes.io/pod-name`, ...). */
  extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * One request as admission sees it (`admission.Attributes`). For CREATE and UPDATE, `object` is the
 * API server's private draft: mutating plugins change it in place; validating plugins must not.
 */
export interface AdmissionRequest {
  operation: AdmissionOperation;
  resource: ResourceDescriptor;
  subresource?: string;
  namespace?: string;
  name?: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
  user?: UserInfo;
  /** Warnings for the client (HTTP `Warning` headers): admission webhooks and policies append theirs. */
  warnings?: string[];
}

/** Resources admission plugins read through the API server's own informers. */
export type AdmissionListedResource = "limitranges" | "resourcequotas" | "priorityclasses.scheduling.k8s.io" | "namespaces" | "serviceaccounts";

/**
 * The API server's own informer caches, as upstream's admission plugins read listers rather than
 * list on every request. `list` answers undefined until that informer has synced (a control plane
 * whose informers are not running): the plugin then lists through the client.
 */
export interface AdmissionListers {
  list<T extends KubeObject = KubeObject>(resource: AdmissionListedResource, namespace?: string): readonly T[] | undefined;
  /**
   * One cached object, or undefined when the cache does not hold it (not synced yet, or created
   * so recently the informer has not seen it): the plugin then reads it live, as upstream's
   * plugins fall back to a live lookup when their lister misses.
   */
  get?<T = KubeObject>(resource: AdmissionListedResource, name: string, namespace?: string): T | undefined;
}

/** What an admission plugin may use: an in-process client to read (and, for quota, write status), the server's listers and the clock. */
export interface AdmissionContext {
  client: Client;
  clock: Clock;
  listers?: AdmissionListers;
}

/**
 * An admission plugin. Rejects by throwing a `StatusError` (Forbidden, Invalid, ...).
 * Mutating plugins (with `admit`) all run before validating ones (with `validate`); within each
 * phase built-ins run in kube-apiserver's fixed order, third-party plugins after, in load order.
 */
export interface AdmissionPlugin {
  readonly name: string;
  /** Which operations this plugin looks at (default: all; upstream's `Handles(operation)`). */
  readonly operations?: readonly AdmissionOperation[];
  /**
   * Which resources it looks at, as `plural` for the core group or `plural.group` (default: all).
   * The chain skips the plugin for any other resource without building a request or awaiting it.
   */
  readonly resources?: readonly string[];
  /** Which subresources it looks at, `""` being the resource itself (default: all). */
  readonly subresources?: readonly string[];
  /**
   * A hook may return nothing when it decides synchronously: the chain then moves on without
   * awaiting (each await costs every write a microtask turn).
   */
  admit?(request: AdmissionRequest, ctx: AdmissionContext): void | Promise<void>;
  validate?(request: AdmissionRequest, ctx: AdmissionContext): void | Promise<void>;
}
