import { STANDARD_VERBS } from "../../api/resource.js";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import { servedGroups, typesIn } from "./group-versions.js";
import { subresourceInfo } from "./subresources.js";

/** `apidiscovery.k8s.io` versions kubectl asks for, newest first. */
export type AggregatedDiscoveryVersion = "v2" | "v2beta1";

export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

export interface ApiSubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKindRef;
  verbs: string[];
}

export interface ApiResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKindRef;
  scope: "Namespaced" | "Cluster";
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: ApiSubresourceDiscovery[];
}

export interface ApiVersionDiscovery {
  version: string;
  resources: ApiResourceDiscovery[];
  freshness: "Current" | "Stale";
}

export interface ApiGroupDiscovery {
  metadata: { name: string; creationTimestamp: null };
  versions: ApiVersionDiscovery[];
}

/** `APIGroupDiscoveryList`, the aggregated discovery document of `/api` or `/apis`. */
export interface ApiGroupDiscoveryList {
  kind: "APIGroupDiscoveryList";
  apiVersion: `apidiscovery.k8s.io/${AggregatedDiscoveryVersion}`;
  metadata: Record<string, never>;
  items: ApiGroupDiscovery[];
}

function groupDiscovery(registry: ResourceRegistry, name: string, versions: readonly string[]): ApiGroupDiscovery {
  return {
    metadata: { name, creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      freshness: "Current",
      resources: typesIn(registry, name, version).map(({ descriptor: d }) => {
        const r: ApiResourceDiscovery = {
          resource: d.plural,
          responseKind: { group: "", version: "", kind: d.kind },
          scope: d.namespaced ? "Namespaced" : "Cluster",
          singularResource: d.singular,
          verbs: [...(d.verbs ?? STANDARD_VERBS)],
        };
        if (d.shortNames.length) r.shortNames = [...d.shortNames];
        if (d.categories.length) r.categories = [...d.categories];
        if (d.subresources.length) {
          r.subresources = [...d.subresources].sort().map((sub) => {
            const info = subresourceInfo(sub, d.kind);
            return { subresource: sub, responseKind: { group: info.group ?? "", version: info.version ?? "", kind: info.kind ?? d.kind }, verbs: [...info.verbs] };
          });
        }
        return r;
      }),
    })),
  };
}

/**
 * Aggregated discovery (KEP-3352) for `/api` (`root: "api"`, the core group only) or `/apis` (every
 * other group), as `apidiscovery.k8s.io/v2` or `v2beta1` (same shape).
 */
export function buildAggregatedDiscovery(registry: ResourceRegistry, root: "api" | "apis", version: AggregatedDiscoveryVersion = "v2"): ApiGroupDiscoveryList {
  const groups = servedGroups(registry).filter((g) => (root === "api" ? g.name === "" : g.name !== ""));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => groupDiscovery(registry, g.name, g.versions)),
  };
}
