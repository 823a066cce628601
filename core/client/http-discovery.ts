import { notFound } from "../api/status.js";
import { parseApiVersion } from "../api/object.js";
import type { ResourceRef } from "./client.js";
import type { HttpTransport } from "./http-transport.js";

/** A resource as discovery describes it: enough to build its URLs. */
export interface DiscoveredResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

interface AggregatedList {
  items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; singularResource: string; scope: string; responseKind?: { kind: string }; shortNames?: string[] }[] }[] }[];
}

interface ResourceList {
  resources: { name: string; singularName?: string; namespaced: boolean; kind: string; shortNames?: string[] }[];
}

const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/**
 * Resolves {@link ResourceRef}s (kinds, plurals, short names, `plural.group`, apiVersion+kind,
 * group/version/resource) through the server's discovery, as kubectl's RESTMapper does: the
 * aggregated documents of `/api` and `/apis` (two requests), or the legacy per-group-version lists
 * from servers without them. Groups keep the server's order (core first) and versions their
 * preference order, so a bare kind resolves to its preferred version. Unknown names trigger one
 * refresh (a CRD added since) before a NotFound.
 */
export class HttpDiscovery {
  private byName = new Map<string, DiscoveredResource>();
  private byGvk = new Map<string, DiscoveredResource>();
  private byGvr = new Map<string, DiscoveredResource>();
  private loading: Promise<void> | undefined;
  private loadedAt = 0;

  constructor(private readonly transport: HttpTransport) {}

  async resolve(ref: ResourceRef): Promise<DiscoveredResource> {
    const found = this.lookup(ref);
    if (found) return found;
    if (!this.loading || Date.now() - this.loadedAt > 1000) {
      this.loading = this.load();
      this.loadedAt = Date.now();
    }
    await this.loading;
    const again = this.lookup(ref);
    if (again) return again;
    const name = typeof ref === "string" ? ref : "kind" in ref ? `${ref.kind}.${ref.apiVersion}` : `${ref.resource}.${ref.version}.${ref.group}`;
    throw notFound({ group: "", plural: "", kind: "" }, name);
  }

  private lookup(ref: ResourceRef): DiscoveredResource | undefined {
    if (typeof ref === "string") return this.byName.get(ref) ?? this.byName.get(ref.toLowerCase());
    if ("kind" in ref) {
      const { group, version } = parseApiVersion(ref.apiVersion);
      return this.byGvk.get(`${group}/${version}/${ref.kind}`);
    }
    return this.byGvr.get(`${ref.group}/${ref.version}/${ref.resource}`);
  }

  private async load(): Promise<void> {
    const found: (DiscoveredResource & { singular: string; shortNames: readonly string[] })[] = [];
    for (const root of ["/api", "/apis"]) {
      const res = await this.transport.request({ method: "GET", path: root, accept: AGGREGATED });
      if (res.status !== 200) throw new Error(`discovery: GET ${root}: HTTP ${res.status}`);
      if ((res.headers["content-type"] ?? "").includes("apidiscovery.k8s.io")) {
        const list = JSON.parse(res.text) as AggregatedList;
        for (const g of list.items) {
          for (const v of g.versions) {
            for (const r of v.resources) {
              found.push({ group: g.metadata.name, version: v.version, plural: r.resource, kind: r.responseKind?.kind ?? "", namespaced: r.scope === "Namespaced", singular: r.singularResource, shortNames: r.shortNames ?? [] });
            }
          }
        }
      } else {
        const body = JSON.parse(res.text) as { versions?: string[]; groups?: { name: string; versions: { groupVersion: string; version: string }[] }[] };
        const gvs = root === "/api" ? (body.versions ?? []).map((v) => ({ group: "", version: v, path: `/api/${v}` })) : (body.groups ?? []).flatMap((g) => g.versions.map((v) => ({ group: g.name, version: v.version, path: `/apis/${v.groupVersion}` })));
        for (const gv of gvs) {
          const list = await this.transport.json<ResourceList>({ method: "GET", path: gv.path });
          for (const r of list.resources) {
            if (r.name.includes("/")) continue;
            found.push({ group: gv.group, version: gv.version, plural: r.name, kind: r.kind, namespaced: r.namespaced, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [] });
          }
        }
      }
    }
    const byName = new Map<string, DiscoveredResource>();
    const byGvk = new Map<string, DiscoveredResource>();
    const byGvr = new Map<string, DiscoveredResource>();
    for (const f of found) {
      const r: DiscoveredResource = { group: f.group, version: f.version, plural: f.plural, kind: f.kind, namespaced: f.namespaced };
      byGvr.set(`${r.group}/${r.version}/${r.plural}`, r);
      if (!byGvk.has(`${r.group}/${r.version}/${r.kind}`)) byGvk.set(`${r.group}/${r.version}/${r.kind}`, r);
      for (const n of [r.kind, r.kind.toLowerCase(), r.plural, f.singular, ...f.shortNames]) {
        if (!n) continue;
        for (const key of [n, r.group ? `${n}.${r.group}` : n, `${n}.${r.version}.${r.group}`]) if (!byName.has(key)) byName.set(key, r);
      }
    }
    this.byName = byName;
    this.byGvk = byGvk;
    this.byGvr = byGvr;
  }
}
