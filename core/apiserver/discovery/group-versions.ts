import type { RegisteredType, ResourceRegistry } from "../../api/resource-registry.js";

/** One served API group with its versions, most preferred first. */
export interface ServedGroup {
  name: string;
  versions: string[];
  preferredVersion: string;
}

/** Kubernetes version priority: GA > beta > alpha, then by major and minor number (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`). */
export function compareVersionPriority(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    return [m[2] === undefined ? 2 : m[2] === "beta" ? 1 : 0, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ka, ma, na] = parse(a);
  const [kb, mb, nb] = parse(b);
  return kb - ka || mb - ma || nb - na || (a < b ? -1 : a > b ? 1 : 0);
}

/** The groups the registry serves, in registration order (core group "" first if present). */
export function servedGroups(registry: ResourceRegistry): ServedGroup[] {
  const versions = new Map<string, Set<string>>();
  for (const t of registry.all()) {
    const d = t.descriptor;
    let set = versions.get(d.group);
    if (!set) versions.set(d.group, (set = new Set()));
    set.add(d.version);
  }
  return [...versions].map(([name, set]) => {
    const sorted = [...set].sort(compareVersionPriority);
    return { name, versions: sorted, preferredVersion: sorted[0]! };
  });
}

/** The types served in one group/version, sorted by plural name. */
export function typesIn(registry: ResourceRegistry, group: string, version: string): RegisteredType[] {
  return registry
    .all()
    .filter((t) => t.descriptor.group === group && t.descriptor.version === version)
    .sort((a, b) => (a.descriptor.plural < b.descriptor.plural ? -1 : a.descriptor.plural > b.descriptor.plural ? 1 : 0));
}
