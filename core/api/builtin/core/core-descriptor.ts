import type { KubeObject } from "../../object.js";
import type { ResourceDescriptor, Subresource } from "../../resource.js";
import type { ApiTypeRegistration, ResourceStrategy } from "../../strategy.js";

/** The descriptor of a core/v1 resource (group "", version v1, list kind `<Kind>List`). */
export function coreDescriptor(d: {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: readonly string[];
  categories?: readonly string[];
  subresources?: readonly Subresource[];
  verbs?: readonly string[];
}): ResourceDescriptor {
  const descriptor: ResourceDescriptor = {
    group: "",
    version: "v1",
    kind: d.kind,
    plural: d.plural,
    singular: d.kind.toLowerCase(),
    listKind: `${d.kind}List`,
    namespaced: d.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    subresources: d.subresources ?? [],
  };
  if (d.verbs) descriptor.verbs = d.verbs;
  return descriptor;
}

/**
 * A typed strategy as an ApiTypeRegistration. Strategies are written against the kind's own
 * type (`Pod`); the registry works on KubeObject, and the API server only ever hands a strategy
 * objects of its own kind, so the widening is sound.
 */
export function typeRegistration<T>(descriptor: ResourceDescriptor, strategy: ResourceStrategy<T & KubeObject>): ApiTypeRegistration {
  return { descriptor, strategy: strategy as unknown as ResourceStrategy };
}
