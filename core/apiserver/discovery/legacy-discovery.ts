import { formatApiVersion } from "../../api/object.js";
import { STANDARD_VERBS } from "../../api/resource.js";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import { servedGroups, typesIn } from "./group-versions.js";
import { storageVersionHash } from "./storage-version-hash.js";
import { subresourceInfo } from "./subresources.js";

/** `GET /api`: `APIVersions`. */
export interface ApiVersions {
  kind: "APIVersions";
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface ApiGroup {
  kind?: "APIGroup";
  apiVersion?: "v1";
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

/** `GET /apis`: `APIGroupList`. */
export interface ApiGroupList {
  kind: "APIGroupList";
  apiVersion: "v1";
  groups: ApiGroup[];
}

/** One entry of an APIResourceList (`pods`, `pods/status`, ...). */
export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** `GET /api/v1`, `GET /apis/<group>/<version>`: `APIResourceList`. */
export interface ApiResourceList {
  kind: "APIResourceList";
  apiVersion: "v1";
  groupVersion: string;
  resources: ApiResource[];
}

/** `/api`: the core group's versions and the address clients reach the server at. */
export function buildApiVersions(registry: ResourceRegistry, serverAddress = "127.0.0.1:6443"): ApiVersions {
  const core = servedGroups(registry).find((g) => g.name === "");
  return { kind: "APIVersions", versions: core?.versions ?? ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

/** One `APIGroup` entry of discovery: its versions (preferred first) as group versions. */
export function apiGroup(name: string, versions: string[], preferred: string): ApiGroup {
  const gv = (version: string): GroupVersionForDiscovery => ({ groupVersion: formatApiVersion(name, version), version });
  return { name, versions: versions.map(gv), preferredVersion: gv(preferred) };
}

/** `/apis`: every non-core group with its versions, preferred version first. */
export function buildApiGroupList(registry: ResourceRegistry): ApiGroupList {
  return { kind: "APIGroupList", apiVersion: "v1", groups: servedGroups(registry).filter((g) => g.name !== "").map((g) => apiGroup(g.name, g.versions, g.preferredVersion)) };
}

/** `/apis/<group>`: one `APIGroup`, or undefined if the group is not served. */
export function buildApiGroup(registry: ResourceRegistry, group: string): ApiGroup | undefined {
  const g = servedGroups(registry).find((s) => s.name === group && group !== "");
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g.name, g.versions, g.preferredVersion) } : undefined;
}

/**
 * `/api/v1` or `/apis/<group>/<version>`: each resource and each of its subresources, sorted by
 * name; undefined if the group/version is not served.
 */
export function buildApiResourceList(registry: ResourceRegistry, group: string, version: string): ApiResourceList | undefined {
  const types = typesIn(registry, group, version);
  if (!types.length) return undefined;
  const resources: ApiResource[] = [];
  for (const { descriptor: d } of types) {
    const main: ApiResource = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...(d.verbs ?? STANDARD_VERBS)] };
    if (d.shortNames.length) main.shortNames = [...d.shortNames];
    if (d.categories.length) main.categories = [...d.categories];
    main.storageVersionHash = storageVersionHash(d.group, d.version, d.kind);
    resources.push(main);
    for (const sub of d.subresources) {
      const info = subresourceInfo(sub, d.kind);
      const entry: ApiResource = { name: `${d.plural}/${sub}`, singularName: "", namespaced: d.namespaced, kind: info.kind ?? d.kind, verbs: [...info.verbs] };
      if (info.group !== undefined) entry.group = info.group;
      if (info.version !== undefined) entry.version = info.version;
      resources.push(entry);
    }
  }
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: formatApiVersion(group, version), resources };
}
