import type { ResourceDescriptor } from "../../core/api/resource.js";

function core(kind: string, plural: string, namespaced = true): ResourceDescriptor {
  return { group: "", version: "v1", kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, namespaced, shortNames: [], categories: [], subresources: [] };
}

/** Descriptors the admission tests address requests to. */
export const PODS = core("Pod", "pods");
export const NAMESPACES = core("Namespace", "namespaces", false);
export const CONFIGMAPS = core("ConfigMap", "configmaps");
export const SERVICES = core("Service", "services");
export const PVCS = core("PersistentVolumeClaim", "persistentvolumeclaims");
export const NODES = core("Node", "nodes", false);
export const DEPLOYMENTS: ResourceDescriptor = { ...core("Deployment", "deployments"), group: "apps", singular: "deployment" };
