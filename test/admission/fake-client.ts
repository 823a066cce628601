import type { Client, ResourceClient, ResourceRef } from "../../core/client/client.js";
import type { KubeObject } from "../../core/api/object.js";
import { conflict, notFound } from "../../core/api/status.js";

/**
 * A tiny in-memory Client for admission unit tests: get, list (by namespace), create, update and
 * updateStatus of plain objects keyed by resource plural. Other calls throw. Records writes.
 */
export class FakeClient implements Client {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private version = 1;
  readonly writes: { resource: string; verb: string; object: KubeObject }[] = [];

  /** Seeds objects: `add("pods", {...})`. */
  add(resource: string, ...objs: KubeObject[]): this {
    for (const o of objs) this.bucket(resource).set(this.key(o.metadata?.namespace, o.metadata?.name ?? ""), { ...o, metadata: { ...o.metadata, resourceVersion: String(this.version++) } });
    return this;
  }

  stored(resource: string, name: string, namespace?: string): KubeObject | undefined {
    return this.bucket(resource).get(this.key(namespace, name));
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource);
    if (!b) this.objects.set(resource, (b = new Map()));
    return b;
  }

  private key(ns: string | undefined, name: string): string {
    return ns ? `${ns}/${name}` : name;
  }

  /** Typed as the Client contract's own `resource`, whatever its generic bound. */
  readonly resource: Client["resource"] = (ref: ResourceRef) => this.resourceClient(ref) as never;

  private resourceClient(ref: ResourceRef): ResourceClient {
    type T = KubeObject;
    const plural = typeof ref === "string" ? ref : "resource" in ref ? ref.resource : `${ref.kind.toLowerCase()}s`;
    const r = { group: typeof ref === "object" && "group" in ref ? ref.group : "", plural, kind: plural };
    const bucket = this.bucket(plural);
    const unsupported = (): never => {
      throw new Error(`FakeClient: unsupported call on ${plural}`);
    };
    const write = async (obj: T, verb: string, options?: { namespace?: string }): Promise<T> => {
      const ns = obj.metadata?.namespace ?? options?.namespace;
      const key = this.key(ns, obj.metadata?.name ?? "");
      const current = bucket.get(key);
      if (verb !== "create" && !current) throw notFound(r, obj.metadata?.name ?? "");
      if (verb !== "create" && obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== current?.metadata?.resourceVersion) throw conflict(r, obj.metadata?.name ?? "");
      const stored = { ...obj, metadata: { ...obj.metadata, namespace: ns, resourceVersion: String(this.version++) } } as T;
      bucket.set(key, stored);
      this.writes.push({ resource: plural, verb, object: stored });
      return stored;
    };
    return {
      get: async (name, options) => {
        const o = bucket.get(this.key(options?.namespace, name));
        if (!o) throw notFound(r, name);
        return o as T;
      },
      list: async (options) => ({
        apiVersion: "v1",
        kind: "List",
        metadata: {},
        items: [...bucket.values()].filter((o) => !options?.namespace || o.metadata?.namespace === options.namespace) as T[],
      }),
      create: (obj, options) => write(obj, "create", options),
      update: (obj, options) => write(obj, "update", options),
      updateStatus: (obj, options) => write(obj, "updateStatus", options),
      watch: unsupported,
      patch: unsupported,
      delete: unsupported,
      deleteCollection: unsupported,
      getSubresource: unsupported,
      updateSubresource: unsupported,
      createSubresource: unsupported,
    };
  }
}
