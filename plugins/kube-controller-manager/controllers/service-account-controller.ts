import type { Namespace, ServiceAccount } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../../core/api/status.js";
import { controllerFor } from "../../../core/controller/builder.js";
import type { Manager } from "../../../core/controller/manager.js";
import type { ControllerRegistration } from "../../../core/controller/extension-point.js";

/** The ServiceAccount every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

/**
 * The service account controller of kube-controller-manager (pkg/controller/serviceaccount): every
 * active Namespace has a `default` ServiceAccount; it is created when a namespace appears and
 * again if someone deletes it.
 */
export function serviceAccountController(): ControllerRegistration {
  return {
    name: "serviceaccount",
    setup(mgr: Manager) {
      const namespaces = mgr.informers.forResource<Namespace>("Namespace").lister();
      const accounts = mgr.informers.forResource<ServiceAccount>("ServiceAccount").lister();
      controllerFor(mgr)
        .named("serviceaccount")
        .for<Namespace>("Namespace")
        .watches<ServiceAccount>("ServiceAccount", (sa) => (sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT ? [{ name: sa.metadata.namespace! }] : []))
        .complete({
          async reconcile(request) {
            const ns = namespaces.get(request.name);
            if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === "Terminating") return;
            if (accounts.namespace(request.name).get(DEFAULT_SERVICE_ACCOUNT)) return;
            try {
              await mgr.client.resource<ServiceAccount>("ServiceAccount").create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: request.name } }, { fieldManager: "kube-controller-manager" });
            } catch (err) {
              // Already there (the cache lagged), or the namespace started terminating meanwhile.
              if (isStatusError(err, "AlreadyExists") || isStatusError(err, "Forbidden") || isStatusError(err, "NotFound")) return;
              throw err;
            }
          },
        });
    },
  };
}
