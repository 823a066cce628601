import type { Client } from "../client/client.js";
import { isStatusError } from "../api/status.js";
import type { KubeObject } from "../api/object.js";
import { SYSTEM_PRIORITY_CLASSES } from "../api/builtin/scheduling/index.js";

/** Namespaces every cluster starts with. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/**
 * Creates what a fresh kube-apiserver creates for itself: the system namespaces, the system
 * PriorityClasses (system-node-critical, system-cluster-critical) and the `kubernetes` Service in `default` (first IP of the service CIDR, port 443 → the API server's
 * secure port). Idempotent: existing objects are kept.
 */
export async function bootstrapApiObjects(client: Client, options: { kubernetesServiceIP: string; apiServerPort?: number }): Promise<void> {
  const ensure = async (ref: string, obj: KubeObject): Promise<void> => {
    const resource = client.resource(ref);
    const { name, namespace } = obj.metadata ?? {};
    // Looked up first, as kube-apiserver's bootstrap controllers do: over a durable store the object
    // exists, and creating it again would fail validation (e.g. its cluster IP is taken) before AlreadyExists.
    const found = await resource.get(name!, namespace ? { namespace } : {}).catch((err: unknown) => {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    });
    if (found) return;
    try {
      await resource.create(obj, { fieldManager: "kube-apiserver" });
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
  };
  for (const name of SYSTEM_NAMESPACES) await ensure("Namespace", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  for (const pc of SYSTEM_PRIORITY_CLASSES) await ensure("priorityclasses.scheduling.k8s.io", pc as unknown as KubeObject);
  await ensure("Service", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: {
      type: "ClusterIP",
      clusterIP: options.kubernetesServiceIP,
      sessionAffinity: "None",
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: options.apiServerPort ?? 6443 }],
    },
  });
}
