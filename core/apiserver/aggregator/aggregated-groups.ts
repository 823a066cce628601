import type { ApiGroup, ApiGroupDiscovery, ApiGroupDiscoveryList, ApiGroupList } from "../discovery/index.js";
import type { ApiVersionDiscovery } from "../discovery/aggregated-discovery.js";
import { apiGroup } from "../discovery/index.js";
import type { RemoteGroupVersion } from "./remote-api-services.js";

/** Remote group versions grouped by group, in the order given (versions by priority). */
function byGroup(remote: readonly RemoteGroupVersion[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of remote) {
    const versions = groups.get(r.group) ?? [];
    versions.push(r.version);
    groups.set(r.group, versions);
  }
  return groups;
}

/** `/apis` with the groups of remote APIServices after the local ones (their priorities are below every built-in group's). */
export function withRemoteGroups(local: ApiGroupList, remote: readonly RemoteGroupVersion[]): ApiGroupList {
  const known = new Set(local.groups.map((g) => g.name));
  const extra = [...byGroup(remote)].filter(([name]) => !known.has(name)).map(([name, versions]) => apiGroup(name, versions, versions[0]!));
  return { ...local, groups: [...local.groups, ...extra] };
}

/** `/apis/<group>` of a remote group. */
export function remoteApiGroup(group: string, remote: readonly RemoteGroupVersion[]): ApiGroup | undefined {
  const versions = byGroup(remote).get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, versions, versions[0]!) } : undefined;
}

/**
 * Aggregated discovery with the remote groups appended. Their resources come from the Service's
 * own discovery (`discovered`, by `group/version`); a version missing there (its Service could not
 * be reached) is listed `Stale` with no resources, as kube-aggregator's discovery manager lists a
 * group version it could not fetch (clients report it as a failed group version).
 */
export function withRemoteGroupDiscovery(local: ApiGroupDiscoveryList, remote: readonly RemoteGroupVersion[], discovered: ReadonlyMap<string, ApiVersionDiscovery> = new Map()): ApiGroupDiscoveryList {
  const known = new Set(local.items.map((g) => g.metadata.name));
  const extra: ApiGroupDiscovery[] = [...byGroup(remote)]
    .filter(([name]) => !known.has(name))
    .map(([name, versions]) => ({ metadata: { name, creationTimestamp: null }, versions: versions.map((version) => discovered.get(`${name}/${version}`) ?? { version, resources: [], freshness: "Stale" as const }) }));
  return { ...local, items: [...local.items, ...extra] };
}
