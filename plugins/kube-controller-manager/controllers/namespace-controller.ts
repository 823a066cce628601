import type { Namespace } from "kubernetes-types/core/v1.js";
import type { ResourceRegistry } from "../../../core/api/resource-registry.js";
import { isStatusError } from "../../../core/api/status.js";
import { controllerFor } from "../../../core/controller/builder.js";
import type { Manager } from "../../../core/controller/manager.js";
import type { ControllerRegistration } from "../../../core/controller/extension-point.js";

/** The finalizer in `spec.finalizers` that the namespace controller owns. */
export const NAMESPACE_FINALIZER = "kubernetes";

/** How long to wait before looking again at a namespace whose content is still going away (pods in their grace period). */
const RECHECK_MS = 5_000;

/**
 * The namespace controller of kube-controller-manager (pkg/controller/namespace): when a Namespace
 * is Terminating, it deletes every namespaced object in it (deletecollection per served resource),
 * and once nothing is left removes the `kubernetes` finalizer through `namespaces/finalize`, which
 * lets the API server remove the Namespace. Content that lingers (finalizers, graceful pods) is
 * checked again later.
 */
export function namespaceController(registry: ResourceRegistry): ControllerRegistration {
  return {
    name: "namespace",
    setup(mgr: Manager) {
      const namespaces = mgr.informers.forResource<Namespace>("Namespace").lister();
      controllerFor(mgr)
        .named("namespace")
        .for<Namespace>("Namespace")
        .complete({
          async reconcile(request) {
            const ns = namespaces.get(request.name);
            if (!ns?.metadata?.deletionTimestamp || !ns.spec?.finalizers?.includes(NAMESPACE_FINALIZER)) return;
            const name = request.name;
            let remaining = 0;
            const seen = new Set<string>();
            for (const t of registry.all()) {
              const d = t.descriptor;
              const resource = `${d.plural}.${d.group}`;
              if (!d.namespaced || seen.has(resource)) continue;
              seen.add(resource);
              const client = mgr.client.resource({ group: d.group, version: d.version, resource: d.plural });
              if ((await client.list({ namespace: name, limit: 1 })).items.length === 0) continue;
              await client.deleteCollection({ namespace: name });
              remaining += (await client.list({ namespace: name })).items.length;
            }
            if (remaining > 0) return { requeueAfter: RECHECK_MS };
            const finalizers = ns.spec.finalizers.filter((f) => f !== NAMESPACE_FINALIZER);
            try {
              await mgr.client.resource<Namespace>("Namespace").updateSubresource(name, "finalize", { ...ns, spec: { ...ns.spec, finalizers } });
            } catch (err) {
              if (!isStatusError(err, "NotFound")) throw err;
            }
            return undefined;
          },
        });
    },
  };
}
