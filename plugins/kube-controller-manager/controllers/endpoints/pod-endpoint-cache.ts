import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import { podEndpoint, type PodEndpoint } from "./pod-endpoints.js";

interface Entry<D> {
  node: Node | undefined;
  ep: PodEndpoint;
  derived: D;
}

/**
 * {@link podEndpoint} and what a controller derives from it (an EndpointSlice endpoint, an
 * Endpoints address), remembered per Service object and pod object — both immutable, so a new
 * version of either is a new key — while the pod's Node object (its zone) stays the same. A sync of
 * a Service selecting n pods then computes only the pods that changed since the last one, not n.
 * The derived values are shared between syncs: callers must not mutate them (request bodies are
 * copied by the API server).
 */
export class PodEndpointCache<D> {
  private readonly byService = new WeakMap<Service, WeakMap<Pod, Entry<D>>>();

  constructor(
    private readonly nodes: (name: string) => Node | undefined,
    private readonly derive: (ep: PodEndpoint) => D,
  ) {}

  /** The endpoint of `pod` for `service`, and its derived value. */
  get(service: Service, pod: Pod): { ep: PodEndpoint; derived: D } {
    let byPod = this.byService.get(service);
    if (!byPod) this.byService.set(service, (byPod = new WeakMap()));
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? this.nodes(nodeName) : undefined;
    let entry = byPod.get(pod);
    if (!entry || entry.node !== node) {
      const ep = podEndpoint(service, pod, () => node);
      entry = { node, ep, derived: this.derive(ep) };
      byPod.set(pod, entry);
    }
    return entry;
  }
}
