import type { Subresource } from "../../api/resource.js";

/** What discovery says about one subresource: its kind (when not the parent's) and verbs. */
export interface SubresourceInfo {
  group?: string;
  version?: string;
  /** Undefined: the parent resource's kind. */
  kind?: string;
  verbs: string[];
}

const GET_PATCH_UPDATE = ["get", "patch", "update"];

/**
 * Subresources as kube-apiserver advertises them (`pods/status`, `deployments/scale` →
 * autoscaling/v1 Scale, `pods/eviction` → policy/v1 Eviction, ...). Proxy kinds depend on the
 * parent (PodProxyOptions, NodeProxyOptions, ServiceProxyOptions).
 */
export function subresourceInfo(subresource: Subresource, parentKind: string): SubresourceInfo {
  switch (subresource) {
    case "status":
      return { verbs: GET_PATCH_UPDATE };
    case "finalize":
      return { verbs: ["update"] };
    case "scale":
      return { group: "autoscaling", version: "v1", kind: "Scale", verbs: GET_PATCH_UPDATE };
    case "binding":
      return { kind: "Binding", verbs: ["create"] };
    case "eviction":
      return { group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] };
    case "log":
      return { kind: "Pod", verbs: ["get"] };
    case "exec":
      return { kind: "PodExecOptions", verbs: ["create", "get"] };
    case "attach":
      return { kind: "PodAttachOptions", verbs: ["create", "get"] };
    case "portforward":
      return { kind: "PodPortForwardOptions", verbs: ["create", "get"] };
    case "proxy":
      return { kind: `${parentKind}ProxyOptions`, verbs: ["create", "delete", "get", "patch", "update"] };
    case "approval":
      return { verbs: GET_PATCH_UPDATE };
    case "token":
      return { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] };
    default:
      return { verbs: GET_PATCH_UPDATE };
  }
}
