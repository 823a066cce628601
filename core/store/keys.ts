/**
 * Storage keys, laid out as kube-apiserver lays them out in etcd:
 * `/registry/<resource>/<namespace>/<name>` for namespaced objects and
 * `/registry/<resource>/<name>` for cluster-scoped ones. `<resource>` is one path segment per
 * resource type (the plural; callers qualify it with the group where plurals could collide).
 *
 * Prefixes always end with `/`, so the prefix of `pods` never matches `podtemplates`.
 */

export const REGISTRY_ROOT = "/registry/";

/** The key of one object; `namespace` undefined or "" for cluster-scoped objects. */
export function objectStorageKey(resource: string, namespace: string | undefined, name: string): string {
  return namespace ? `${REGISTRY_ROOT}${resource}/${namespace}/${name}` : `${REGISTRY_ROOT}${resource}/${name}`;
}

/** The prefix of every object of a resource, in all namespaces: `/registry/<resource>/`. */
export function resourcePrefix(resource: string): string {
  return `${REGISTRY_ROOT}${resource}/`;
}

/** The prefix of a resource's objects in one namespace: `/registry/<resource>/<namespace>/`. */
export function namespacePrefix(resource: string, namespace: string): string {
  return `${REGISTRY_ROOT}${resource}/${namespace}/`;
}

/**
 * The prefix to list or watch: the namespace's when `namespace` is given, else the resource's.
 */
export function listPrefix(resource: string, namespace?: string): string {
  return namespace ? namespacePrefix(resource, namespace) : resourcePrefix(resource);
}

/**
 * The smallest string greater than every string starting with `prefix` (the end of the key
 * range, exclusive), as etcd's `GetPrefixRangeEnd`.
 */
export function prefixRangeEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  return "\uffff\uffff"; // no upper bound representable: larger than any key in practice
}
