import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import { Controller, enqueueRequestForObject, enqueueRequestsFromMapFunc, labelSelectorFromSet, type LabelSelector, type Manager, type ObjectLike, type Request, type SharedInformer } from "../../../../core/index.js";
import { OwnWrites } from "./own-writes.js";
import { podEndpointsChanged } from "./pod-endpoints-changed.js";
import { SelectedPods } from "./selected-pods.js";
import { ServicePodEntries } from "./service-pod-entries.js";

/** A Service the endpoint controllers manage: it has a selector and is not ExternalName. */
export function hasSelector(svc: Service): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== "ExternalName";
}

export interface ServiceWatches {
  controller: Controller;
  services: SharedInformer<Service>;
  pods: SharedInformer<Pod>;
  node: (name: string) => Node | undefined;
  /** The pods a Service selects (none without a selector); shared, not to be changed. */
  podsOf(svc: Service): Pod[];
  /** Records an owned object the controller wrote: its watch event then causes no sync. */
  wrote(obj: ObjectLike): void;
  /**
   * Per-Service entries derived from the selected pods, kept up to date by this controller's pod
   * watch ({@link ServicePodEntries}); `derive` and `same` must depend only on what
   * {@link podEndpointsChanged} compares (and the pod's Node).
   */
  entries<E>(derive: (svc: Service, pod: Pod) => E | undefined, same: (a: E, b: E) => boolean): ServicePodEntries<E>;
}

/**
 * A controller reconciling Services (by namespace/name) when they change, when a pod they select
 * (before or after the change) changes in a way its endpoints can show ({@link podEndpointsChanged}),
 * and when `owned` objects of theirs change, other than by the controller's own writes
 * ({@link OwnWrites}): the watches the Endpoints and EndpointSlice controllers share.
 */
export function serviceController<T extends ObjectLike>(mgr: Manager, name: string, workers: number, owned: { informer: SharedInformer<T>; serviceOf: (obj: T) => string | undefined }, reconcile: (ns: string, name: string) => Promise<void>): ServiceWatches {
  const services = mgr.informers.forResource<Service>("Service");
  const pods = mgr.informers.forResource<Pod>("Pod");
  const nodes = mgr.informers.forResource<Node>("Node").lister();
  const serviceLister = services.lister();
  // One parsed selector per Service object (objects are immutable: a new version gets its own).
  const selectors = new WeakMap<Service, LabelSelector>();
  const selectorOf = (svc: Service): LabelSelector => {
    let sel = selectors.get(svc);
    if (!sel) selectors.set(svc, (sel = labelSelectorFromSet(svc.spec!.selector)));
    return sel;
  };
  const selected = SelectedPods.of(pods);
  const nodeInformer = mgr.informers.forResource<Node>("Node");
  const tracked: ServicePodEntries<unknown>[] = [];
  const controller = new Controller({ name, clock: mgr.clock, log: mgr.log.child(name), maxConcurrentReconciles: workers, reconciler: { reconcile: (req) => reconcile(req.namespace!, req.name) } });
  controller.watch({ informer: services, handler: enqueueRequestForObject<Service>() });
  controller.watch({
    informer: pods,
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ns = pod.metadata!.namespace!;
      const labels = pod.metadata?.labels ?? {};
      const out: Request[] = [];
      for (const svc of serviceLister.namespace(ns).list()) {
        if (!hasSelector(svc) || !selectorOf(svc).matches(labels)) continue;
        out.push({ namespace: ns, name: svc.metadata!.name! });
        if (tracked.length > 0) {
          const svcKey = `${ns}/${svc.metadata!.name!}`;
          const podKey = `${ns}/${pod.metadata!.name!}`;
          for (const t of tracked) t.podChanged(svcKey, podKey);
        }
      }
      return out;
    }),
    predicates: [podEndpointsChanged],
  });
  const ownWrites = new OwnWrites();
  controller.watch<T>({
    informer: owned.informer,
    predicates: [ownWrites.predicate],
    handler: enqueueRequestsFromMapFunc<T>((obj) => {
      const svc = owned.serviceOf(obj);
      return svc ? [{ namespace: obj.metadata!.namespace!, name: svc }] : [];
    }),
  });
  mgr.add(controller);
  return {
    controller,
    services,
    pods,
    node: (n) => nodes.get(n),
    wrote: (obj) => ownWrites.wrote(obj),
    podsOf: (svc) => (hasSelector(svc) ? selected.list(svc, selectorOf(svc)) : []),
    entries<E>(derive: (svc: Service, pod: Pod) => E | undefined, same: (a: E, b: E) => boolean): ServicePodEntries<E> {
      const t = new ServicePodEntries<E>(
        {
          podsOf: (svc) => (hasSelector(svc) ? selected.list(svc, selectorOf(svc)) : []),
          selectedPod: (svc, podKey) => {
            const pod = pods.indexer.getByKey(podKey);
            return pod && hasSelector(svc) && selectorOf(svc).matches(pod.metadata?.labels ?? {}) ? pod : undefined;
          },
          nodesVersion: () => nodeInformer.lastSyncResourceVersion(),
        },
        derive,
        same,
      );
      tracked.push(t as ServicePodEntries<unknown>);
      return t;
    },
  };
}
