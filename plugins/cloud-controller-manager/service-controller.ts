import type { LoadBalancerStatus, Node, Service } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../core/index.js";
import type { LoadBalancer } from "./cloud-provider.js";

/** The finalizer that keeps a Service until its load balancer is gone. */
export const LOAD_BALANCER_CLEANUP_FINALIZER = "service.kubernetes.io/load-balancer-cleanup";

function wantsLoadBalancer(svc: Service): boolean {
  // Services naming a loadBalancerClass belong to another implementation.
  return svc.spec?.type === "LoadBalancer" && !svc.spec.loadBalancerClass && !svc.metadata?.deletionTimestamp;
}

/**
 * cloud-controller-manager's service controller (k8s.io/cloud-provider controllers/service):
 * every `type: LoadBalancer` Service without a `loadBalancerClass` gets a load balancer from the
 * provider, its address in `status.loadBalancer.ingress`, and the
 * `service.kubernetes.io/load-balancer-cleanup` finalizer; when the Service is deleted or changes
 * type, the load balancer is deleted, the status cleared and the finalizer removed. Events as
 * upstream: EnsuringLoadBalancer, EnsuredLoadBalancer, SyncLoadBalancerFailed,
 * DeletingLoadBalancer, DeletedLoadBalancer.
 */
export function serviceController(mgr: Manager, provider: LoadBalancer, clusterName: string): void {
  const services = mgr.client.resource<Service>("Service");
  const serviceLister = mgr.informers.forResource<Service>("Service").lister();
  const nodeLister = mgr.informers.forResource<Node>("Node").lister();
  const recorder = mgr.getEventRecorderFor("service-controller");

  const setStatus = async (svc: Service, loadBalancer: LoadBalancerStatus): Promise<void> => {
    if (JSON.stringify(svc.status?.loadBalancer ?? {}) === JSON.stringify(loadBalancer)) return;
    await services.updateStatus({ ...svc, status: { ...svc.status, loadBalancer } }, { namespace: svc.metadata!.namespace! });
  };
  const setFinalizers = async (svc: Service, finalizers: string[]): Promise<Service> =>
    services.patch(svc.metadata!.name!, "merge", { metadata: { finalizers, resourceVersion: svc.metadata!.resourceVersion } }, { namespace: svc.metadata!.namespace! });

  controllerFor(mgr)
    .named("service-lb-controller")
    .for<Service>("Service")
    .complete({
      async reconcile(req) {
        let svc = serviceLister.namespace(req.namespace!).get(req.name);
        if (!svc) return;
        const finalizers = svc.metadata?.finalizers ?? [];
        const has = finalizers.includes(LOAD_BALANCER_CLEANUP_FINALIZER);
        try {
          if (!wantsLoadBalancer(svc)) {
            if (!has) return;
            recorder.event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer");
            await provider.ensureLoadBalancerDeleted(clusterName, svc);
            recorder.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer");
            if (!svc.metadata?.deletionTimestamp) await setStatus(svc, {});
            const current = serviceLister.namespace(req.namespace!).get(req.name) ?? svc;
            await setFinalizers(current, (current.metadata?.finalizers ?? []).filter((f) => f !== LOAD_BALANCER_CLEANUP_FINALIZER));
            return;
          }
          if (!has) svc = await setFinalizers(svc, [...finalizers, LOAD_BALANCER_CLEANUP_FINALIZER]);
          const nodes = nodeLister.list().filter((n) => !("node.kubernetes.io/exclude-from-external-load-balancers" in (n.metadata?.labels ?? {})));
          const existing = await provider.getLoadBalancer(clusterName, svc);
          if (existing.exists && JSON.stringify(existing.status) === JSON.stringify(svc.status?.loadBalancer ?? {})) {
            await provider.updateLoadBalancer(clusterName, svc, nodes);
            return;
          }
          recorder.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer");
          let status: LoadBalancerStatus;
          try {
            status = await provider.ensureLoadBalancer(clusterName, svc, nodes);
          } catch (err) {
            recorder.eventf(svc, "Warning", "SyncLoadBalancerFailed", "Error syncing load balancer: failed to ensure load balancer: %v", err instanceof Error ? err.message : String(err));
            throw err;
          }
          await setStatus(svc, status);
          recorder.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
        } catch (err) {
          if (isStatusError(err, "NotFound")) return;
          throw err;
        }
      },
    });
}
