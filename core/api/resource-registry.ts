import type { ResourceRef } from "../client/client.js";
import { parseApiVersion } from "./object.js";
import type { ResourceDescriptor } from "./resource.js";
import type { ApiTypeRegistration, ResourceStrategy } from "./strategy.js";

/** A served resource type: descriptor plus its strategy (possibly empty). */
export interface RegisteredType {
  readonly descriptor: ResourceDescriptor;
  readonly strategy: ResourceStrategy;
}

/**
 * Every resource type the API server serves, found by kind, plural, singular, short name,
 * `plural.group`, apiVersion+kind or group/version/resource. Lookups are O(1) map hits.
 * Ambiguous short names resolve to the type registered first (built-ins before plugins), as
 * kubectl's RESTMapper prefers the core groups.
 */
export class ResourceRegistry {
  private readonly types: RegisteredType[] = [];
  private readonly byGvr = new Map<string, RegisteredType>();
  private readonly byGvk = new Map<string, RegisteredType>();
  private readonly byName = new Map<string, RegisteredType>();
  private listeners: ((t: RegisteredType, change: "added" | "removed") => void)[] = [];

  constructor(registrations: readonly ApiTypeRegistration[] = []) {
    for (const r of registrations) this.add(r);
  }

  /** Adds a type; refuses a second registration of the same group/version/resource. */
  add(registration: ApiTypeRegistration): RegisteredType {
    const d = registration.descriptor;
    const gvr = `${d.group}/${d.version}/${d.plural}`;
    if (this.byGvr.has(gvr)) throw new Error(`resource ${d.plural}${d.group ? "." + d.group : ""}/${d.version} is already registered`);
    const t: RegisteredType = { descriptor: d, strategy: registration.strategy ?? {} };
    this.types.push(t);
    this.byGvr.set(gvr, t);
    this.byGvk.set(`${d.group}/${d.version}/${d.kind}`, t);
    const names = [d.kind, d.kind.toLowerCase(), d.plural, d.singular, ...d.shortNames];
    for (const n of names) {
      for (const key of [n, d.group ? `${n}.${d.group}` : n, `${n}.${d.version}.${d.group}`]) {
        if (!this.byName.has(key)) this.byName.set(key, t);
      }
    }
    for (const l of this.listeners) l(t, "added");
    return t;
  }

  /** Removes a type (a deleted CRD). */
  remove(group: string, version: string, plural: string): boolean {
    const t = this.byGvr.get(`${group}/${version}/${plural}`);
    if (!t) return false;
    this.byGvr.delete(`${group}/${version}/${plural}`);
    this.byGvk.delete(`${group}/${version}/${t.descriptor.kind}`);
    for (const [k, v] of this.byName) if (v === t) this.byName.delete(k);
    this.types.splice(this.types.indexOf(t), 1);
    for (const l of this.listeners) l(t, "removed");
    return true;
  }

  /** Called whenever a type is added or removed (discovery, OpenAPI and informers follow it). */
  onChange(listener: (t: RegisteredType, change: "added" | "removed") => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  all(): readonly RegisteredType[] {
    return this.types;
  }

  byGroupVersionResource(group: string, version: string, plural: string): RegisteredType | undefined {
    return this.byGvr.get(`${group}/${version}/${plural}`);
  }

  byGroupVersionKind(group: string, version: string, kind: string): RegisteredType | undefined {
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  /** Finds a type from any {@link ResourceRef}; undefined if none matches. */
  find(ref: ResourceRef): RegisteredType | undefined {
    if (typeof ref === "string") return this.byName.get(ref) ?? this.byName.get(ref.toLowerCase());
    if ("kind" in ref) {
      const { group, version } = parseApiVersion(ref.apiVersion);
      return this.byGvk.get(`${group}/${version}/${ref.kind}`);
    }
    return this.byGvr.get(`${ref.group}/${ref.version}/${ref.resource}`);
  }
}
