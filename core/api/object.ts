import type { ObjectMeta, ListMeta } from "kubernetes-types/meta/v1.js";

/**
 * Any Kubernetes object: plain JSON, typed with kubernetes-types where the kind is known.
 * Objects handed out by the store, the API server and informers are immutable: a writer copies,
 * changes the copy, and writes it back.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/**
 * The constraint for typed objects: what every Kubernetes object has. kubernetes-types
 * interfaces (`Pod`, `Deployment`, ...) satisfy it, so `client.resource<Pod>("Pod")` is typed;
 * {@link KubeObject} (the default) also allows any other field.
 */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list as the API returns it. */
export interface KubeList<T extends ObjectLike = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** group/version/kind. The core group is "". */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** group/version/resource (resource = plural name). */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** `apps/v1` → {group: "apps", version: "v1"}; `v1` → core group. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** {group: "apps", version: "v1"} → `apps/v1`; core group → `v1`. */
export function formatApiVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** `namespace/name`, or `name` for cluster-scoped objects: the key informers and queues use. */
export function objectKey(obj: ObjectLike): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns ? `${ns}/${name}` : name;
}

/** Splits a `namespace/name` key. */
export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
