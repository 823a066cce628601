import type { ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../../core/api/status.js";
import { controllerFor } from "../../../core/controller/builder.js";
import type { Manager } from "../../../core/controller/manager.js";

/** The ConfigMap every namespace gets, holding the cluster CA. */
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/** Where the publisher reads the CA (kube-controller-manager's `--root-ca-file`). */
export interface RootCaSource {
  pem(): Promise<string>;
  /** Calls `fn` when the CA changes; returns the unsubscribe. */
  onChange(fn: () => void): () => void;
}

/**
 * The root CA certificate publisher of kube-controller-manager (pkg/controller/certificates/rootcacertpublisher):
 * every active namespace has a `kube-root-ca.crt` ConfigMap whose `ca.crt` is the cluster CA —
 * created when a namespace appears, recreated when deleted, and rewritten when someone edits it or
 * the CA changes. Pods' projected service-account volumes read it.
 */
export function setupRootCaPublisher(mgr: Manager, ca: RootCaSource): void {
  const namespaces = mgr.informers.forResource<Namespace>("Namespace").lister();
  const configMaps = mgr.informers.forResource<ConfigMap>("ConfigMap").lister();
  const controller = controllerFor(mgr)
    .named("root-ca-cert-publisher")
    .for<Namespace>("Namespace")
    .watches<ConfigMap>("ConfigMap", (cm) => (cm.metadata?.name === ROOT_CA_CONFIGMAP ? [{ name: cm.metadata.namespace! }] : []))
    .complete({
      async reconcile(request) {
        const ns = namespaces.get(request.name);
        if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === "Terminating") return;
        const pem = await ca.pem();
        const cms = mgr.client.resource<ConfigMap>("ConfigMap");
        const current = configMaps.namespace(request.name).get(ROOT_CA_CONFIGMAP);
        try {
          if (!current) {
            await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: ROOT_CA_CONFIGMAP, namespace: request.name, annotations: { "kubernetes.io/description": DESCRIPTION } }, data: { "ca.crt": pem } }, { fieldManager: "kube-controller-manager" });
            return;
          }
          const data = current.data ?? {};
          if (data["ca.crt"] === pem && Object.keys(data).length === 1 && current.metadata?.annotations?.["kubernetes.io/description"] === DESCRIPTION) return;
          await cms.update({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, "kubernetes.io/description": DESCRIPTION } }, data: { "ca.crt": pem } }, { fieldManager: "kube-controller-manager" });
        } catch (err) {
          // Already there (the cache lagged), or the namespace started terminating meanwhile.
          if (isStatusError(err, "AlreadyExists") || isStatusError(err, "Forbidden") || isStatusError(err, "NotFound")) return;
          throw err;
        }
      },
    });
  ca.onChange(() => {
    for (const ns of namespaces.list()) controller.enqueue({ name: ns.metadata!.name! });
  });
}
