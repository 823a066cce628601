import type { Pod, Service } from "kubernetes-types/core/v1.js";
import type { LabelSelector, SharedInformer } from "../../../../core/index.js";

/** The Endpoints and EndpointSlice controllers of one cluster share these, through the pod informer. */
const shared = new WeakMap<SharedInformer<Pod>, SelectedPods>();

/**
 * The pods a Service's selector matches, from the pod informer's cache, listed once per cache
 * state: the cache changes only with the informer's resourceVersion (every event and relist
 * advances it, synchronously with the cache), so while it and the (immutable) Service object are
 * the same, so are the pods. The Endpoints and EndpointSlice controllers sync a Service for the
 * same pod events, one after the other: the second reads the first's list. Returned arrays are
 * shared: callers must not change them.
 */
export class SelectedPods {
  private readonly lists = new WeakMap<Service, { rv: string; pods: Pod[] }>();

  private constructor(private readonly pods: SharedInformer<Pod>) {}

  /** The instance for `pods` (one per informer). */
  static of(pods: SharedInformer<Pod>): SelectedPods {
    let s = shared.get(pods);
    if (!s) shared.set(pods, (s = new SelectedPods(pods)));
    return s;
  }

  /** The pods in `svc`'s namespace that `selector` (the Service's own) matches. */
  list(svc: Service, selector: LabelSelector): Pod[] {
    const rv = this.pods.lastSyncResourceVersion();
    const cached = this.lists.get(svc);
    if (cached && cached.rv === rv && rv !== "") return cached.pods;
    const pods = this.pods.lister().namespace(svc.metadata!.namespace!).list(selector);
    this.lists.set(svc, { rv, pods });
    return pods;
  }
}
