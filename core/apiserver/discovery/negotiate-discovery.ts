import type { AggregatedDiscoveryVersion } from "./aggregated-discovery.js";

/** The discovery representation a client asked for at `/api` or `/apis`. */
export type DiscoveryFormat = { kind: "aggregated"; version: AggregatedDiscoveryVersion; contentType: string } | { kind: "legacy"; contentType: "application/json" };

/**
 * Chooses from an `Accept` header: the first acceptable of
 * `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` (or v2beta1), else plain
 * JSON (`APIVersions` / `APIGroupList`), as kube-apiserver does. The answer's Content-Type must
 * echo the chosen media type: client-go picks its parser from it.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  for (const part of (accept ?? "").split(",")) {
    const [type, ...paramList] = part.split(";").map((s) => s.trim());
    if (type !== "application/json" && type !== "*/*") continue;
    const params = new Map(paramList.map((p) => p.split("=").map((s) => s.trim()) as [string, string]));
    if (params.get("g") === "apidiscovery.k8s.io" && params.get("as") === "APIGroupDiscoveryList") {
      const v = params.get("v");
      if (v === "v2" || v === "v2beta1") return { kind: "aggregated", version: v, contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList` };
      continue;
    }
    if (!params.has("g") && !params.has("as")) return { kind: "legacy", contentType: "application/json" };
  }
  return { kind: "legacy", contentType: "application/json" };
}
