/** The subresources a resource serves besides the main one. */
export type Subresource = "status" | "finalize" | "scale" | "binding" | "eviction" | "log" | "exec" | "attach" | "portforward" | "proxy" | "approval" | "token";

/**
 * Everything the API machinery needs to know about one resource type: its names as discovery
 * shows them, its scope and its subresources. One descriptor per group/version/resource.
 */
export interface ResourceDescriptor {
  group: string;
  version: string;
  kind: string;
  /** Lowercase plural, the REST path segment (`pods`). */
  plural: string;
  /** Lowercase singular (`pod`). */
  singular: string;
  listKind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly Subresource[];
  /** Verbs discovery advertises and the HTTP API serves (default: the full set); others answer 405. */
  verbs?: readonly string[];
  /** The `Warning` every request for a deprecated resource gets (`v1 ComponentStatus is deprecated in v1.19+`). */
  deprecationWarning?: string;
}

/** `pods`, `deployments.apps`: the resource name kubectl and RBAC use. */
export function qualifiedResource(d: Pick<ResourceDescriptor, "plural" | "group">): string {
  return d.group ? `${d.plural}.${d.group}` : d.plural;
}

/** The verbs every ordinary resource supports. */
export const STANDARD_VERBS = Object.freeze(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
