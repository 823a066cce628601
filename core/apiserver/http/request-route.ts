import type { RegisteredType, ResourceRegistry } from "../../api/resource-registry.js";
import { badRequest } from "../../api/status.js";

/** A request for a resource (or one of its subresources) under `/api/v1` or `/apis/<group>/<version>`. */
export interface ResourceRoute {
  kind: "resource";
  type: RegisteredType;
  /** Undefined for cluster-scoped resources and for collections across all namespaces. */
  namespace: string | undefined;
  /** Undefined for the collection. */
  name: string | undefined;
  subresource: string | undefined;
  /** The legacy `/api/v1/watch/...` prefix was used. */
  watchPrefix: boolean;
}

/** Any other path the server knows: discovery, OpenAPI, health, version. */
export type NonResourceRoute =
  | { kind: "version" }
  | { kind: "discovery-root"; root: "api" | "apis" }
  | { kind: "discovery-group"; group: string }
  | { kind: "discovery-resources"; group: string; version: string }
  | { kind: "openapi-v2" }
  | { kind: "openapi-v3-index" }
  | { kind: "openapi-v3-document"; group: string; version: string }
  | { kind: "health"; check: "healthz" | "livez" | "readyz"; sub: string | undefined };

/** A path the server does not serve (404 with "the server could not find the requested resource"). */
export interface UnknownRoute {
  kind: "unknown";
}

export type Route = ResourceRoute | NonResourceRoute | UnknownRoute;

const UNKNOWN: UnknownRoute = { kind: "unknown" };

/** The decoded path segments; a malformed %-escape is 400, as Go's URL parsing refuses it. */
function segmentsOf(pathname: string): string[] {
  const parts = pathname.split("/").filter((s) => s.length > 0);
  return parts.map((p) => {
    if (!p.includes("%")) return p;
    try {
      return decodeURIComponent(p);
    } catch {
      throw badRequest(`parse "${pathname}": invalid URL escape "${p.slice(p.indexOf("%"), p.indexOf("%") + 3)}"`);
    }
  });
}

/**
 * Resolves a request path to a route, with the same table as kube-apiserver's:
 * `<prefix>/<resource>[/<name>[/<subresource>]]` and
 * `<prefix>/namespaces/<ns>/<resource>[/<name>[/<subresource>]]`, where `<prefix>` is `/api/v1`
 * or `/apis/<group>/<version>`. `/api/v1/namespaces/<name>[/<subresource>]` is the Namespace
 * itself (no namespaced resource is called `status` or `finalize`).
 */
export function resolveRoute(pathname: string, registry: ResourceRegistry): Route {
  const s = segmentsOf(pathname);
  if (s.length === 0) return UNKNOWN;
  switch (s[0]) {
    case "version":
      return s.length === 1 ? { kind: "version" } : UNKNOWN;
    case "healthz":
    case "livez":
    case "readyz":
      return s.length <= 2 ? { kind: "health", check: s[0], sub: s[1] } : UNKNOWN;
    case "openapi":
      if (s[1] === "v2" && s.length === 2) return { kind: "openapi-v2" };
      if (s[1] !== "v3") return UNKNOWN;
      if (s.length === 2) return { kind: "openapi-v3-index" };
      if (s[2] === "api" && s.length === 4) return { kind: "openapi-v3-document", group: "", version: s[3]! };
      if (s[2] === "apis" && s.length === 5) return { kind: "openapi-v3-document", group: s[3]!, version: s[4]! };
      return UNKNOWN;
    case "api":
      if (s.length === 1) return { kind: "discovery-root", root: "api" };
      if (s.length === 2) return { kind: "discovery-resources", group: "", version: s[1]! };
      return resourceRoute(registry, "", s[1]!, s.slice(2));
    case "apis":
      if (s.length === 1) return { kind: "discovery-root", root: "apis" };
      if (s.length === 2) return { kind: "discovery-group", group: s[1]! };
      if (s.length === 3) return { kind: "discovery-resources", group: s[1]!, version: s[2]! };
      return resourceRoute(registry, s[1]!, s[2]!, s.slice(3));
    default:
      return UNKNOWN;
  }
}

function resourceRoute(registry: ResourceRegistry, group: string, version: string, rest: string[]): Route {
  let watchPrefix = false;
  if (rest[0] === "watch") {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const namespaced = registry.byGroupVersionResource(group, version, rest[2]!);
    if (namespaced && namespaced.descriptor.namespaced && rest.length <= 5) {
      return { kind: "resource", type: namespaced, namespace: rest[1], name: rest[3], subresource: rest[4], watchPrefix };
    }
  }
  if (rest.length === 0 || rest.length > 3) return UNKNOWN;
  const type = registry.byGroupVersionResource(group, version, rest[0]!);
  if (!type) return UNKNOWN;
  if (type.descriptor.namespaced && rest.length > 1) return UNKNOWN; // a namespaced item needs /namespaces/<ns>/
  return { kind: "resource", type, namespace: undefined, name: rest[1], subresource: rest[2], watchPrefix };
}
