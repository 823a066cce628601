import { ResourceRegistry } from "../../core/api/resource-registry.js";
import type { ResourceDescriptor } from "../../core/api/resource.js";

const d = (x: Partial<ResourceDescriptor> & Pick<ResourceDescriptor, "group" | "version" | "kind" | "plural" | "singular">): ResourceDescriptor => ({
  listKind: `${x.kind}List`, namespaced: true, shortNames: [], categories: [], subresources: [], ...x,
});

/** A small registry shaped like the built-in one: core pods/nodes, apps deployments, a beta and a GA version of one group. */
export function fixtureRegistry(): ResourceRegistry {
  return new ResourceRegistry([
    { descriptor: d({ group: "", version: "v1", kind: "Pod", plural: "pods", singular: "pod", shortNames: ["po"], categories: ["all"], subresources: ["status", "binding", "eviction", "log", "exec"] }) },
    { descriptor: d({ group: "", version: "v1", kind: "Node", plural: "nodes", singular: "node", namespaced: false, shortNames: ["no"], subresources: ["status", "proxy"] }) },
    { descriptor: d({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", singular: "deployment", shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"] }) },
    { descriptor: d({ group: "example.com", version: "v1beta1", kind: "Widget", plural: "widgets", singular: "widget" }) },
    { descriptor: d({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets", singular: "widget", verbs: ["get", "list"] }) },
  ]);
}
