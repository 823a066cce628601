import type { Pod, Toleration } from "kubernetes-types/core/v1.js";
import type { AdmissionPlugin } from "../admission.js";

/** The taint the node lifecycle controller puts on a node that stops being Ready. */
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
/** The taint put on a node whose kubelet stops reporting. */
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";
/** kube-apiserver's `--default-not-ready-toleration-seconds` / `--default-unreachable-toleration-seconds`. */
export const DEFAULT_TOLERATION_SECONDS = 300;

function tolerates(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === "NoExecute" || !t.effect));
}

/**
 * DefaultTolerationSeconds: gives every pod written (create or update) NoExecute tolerations of the not-ready and
 * unreachable taints for 300 s, unless it already tolerates them (a toleration with that key or
 * no key, and effect NoExecute or none).
 */
export function defaultTolerationSeconds(notReadySeconds = DEFAULT_TOLERATION_SECONDS, unreachableSeconds = DEFAULT_TOLERATION_SECONDS): AdmissionPlugin {
  return {
    name: "DefaultTolerationSeconds",
    operations: ["CREATE", "UPDATE"],
    resources: ["pods"],
    subresources: [""],
    admit(request) {
      if ((request.operation !== "CREATE" && request.operation !== "UPDATE") || request.subresource || request.resource.group !== "" || request.resource.plural !== "pods") return;
      const pod = request.object as Pod | undefined;
      if (!pod?.spec) return;
      const existing = pod.spec.tolerations ?? [];
      const added: Toleration[] = [];
      if (!tolerates(existing, TAINT_NODE_NOT_READY)) added.push({ key: TAINT_NODE_NOT_READY, operator: "Exists", effect: "NoExecute", tolerationSeconds: notReadySeconds });
      if (!tolerates(existing, TAINT_NODE_UNREACHABLE)) added.push({ key: TAINT_NODE_UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: unreachableSeconds });
      if (added.length) pod.spec.tolerations = existing.concat(added); // exact size: spread into a literal keeps room for 16 more
    },
  };
}
