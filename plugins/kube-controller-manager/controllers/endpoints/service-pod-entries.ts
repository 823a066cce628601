import type { Pod, Service } from "kubernetes-types/core/v1.js";

/** What {@link ServicePodEntries} reads: the Service's pods, one pod by key, and the nodes' state. */
export interface ServicePodSource {
  /** Every pod the Service selects (a full walk). */
  podsOf(svc: Service): readonly Pod[];
  /** The cached pod of `namespace/name`, if the Service selects it. */
  selectedPod(svc: Service, podKey: string): Pod | undefined;
  /** Changes whenever any Node changes (entries may read a pod's Node). */
  nodesVersion(): string;
}

/** One entry that changed in a {@link ServicePodEntries.sync}: added (no `before`), removed (no `after`) or changed. */
export interface EntryChange<E> {
  before?: E;
  after?: E;
}

/** What {@link ServicePodEntries.sync} returns. */
export interface ServicePodEntriesSync<E> {
  entries: ReadonlyMap<string, E>;
  changed: boolean;
  /** The entries were derived anew from every selected pod (`changes` is then empty). */
  rebuilt: boolean;
  changes: readonly EntryChange<E>[];
}

interface State<E> {
  svc: Service;
  nodesVersion: string;
  entries: Map<string, E>;
  /** Pod keys whose watch events came since the last {@link ServicePodEntries.sync}. */
  changed: Set<string>;
}

/**
 * One controller's entries (what it derives from each pod a Service selects: an Endpoints address,
 * an EndpointSlice endpoint), by Service and pod key, kept up to date from the pod events the
 * controller's watch maps to the Service ({@link podChanged}) instead of walking every selected pod
 * on every sync: a sync of a Service re-derives only the pods whose events came since its last
 * sync. A new Service object or any Node change starts over from a full walk. The pod watch must
 * report every event of a pod that can change an entry (a filtered event must leave it equal);
 * events that reach the cache before their report are picked up by the sync their report causes.
 */
export class ServicePodEntries<E> {
  private readonly states = new Map<string, State<E>>();

  /**
   * @param derive the entry of a selected pod, or undefined when the pod has none
   * @param same whether two entries say the same (an unchanged pod version need not be rewritten)
   */
  constructor(
    private readonly source: ServicePodSource,
    private readonly derive: (svc: Service, pod: Pod) => E | undefined,
    private readonly same: (a: E, b: E) => boolean,
  ) {}

  /** Records an event of `podKey` for the Service `svcKey` (`namespace/name`); ignored until that Service's first sync. */
  podChanged(svcKey: string, podKey: string): void {
    this.states.get(svcKey)?.changed.add(podKey);
  }

  /**
   * The Service's entries by pod key (shared: not to be changed; an entry the same as before is
   * kept, not replaced), whether they differ from the last call's (always true on a full walk,
   * `rebuilt`), and otherwise the entries that changed since then, in the order new ones were
   * added to `entries`.
   */
  sync(svcKey: string, svc: Service): ServicePodEntriesSync<E> {
    const nodesVersion = this.source.nodesVersion();
    let state = this.states.get(svcKey);
    if (!state || state.svc !== svc || state.nodesVersion !== nodesVersion) {
      const entries = new Map<string, E>();
      for (const pod of this.source.podsOf(svc)) {
        const e = this.derive(svc, pod);
        if (e !== undefined) entries.set(`${pod.metadata!.namespace!}/${pod.metadata!.name!}`, e);
      }
      this.states.set(svcKey, (state = { svc, nodesVersion, entries, changed: new Set() }));
      return { entries, changed: true, rebuilt: true, changes: [] };
    }
    const changes: EntryChange<E>[] = [];
    for (const podKey of state.changed) {
      const pod = this.source.selectedPod(svc, podKey);
      const e = pod ? this.derive(svc, pod) : undefined;
      const before = state.entries.get(podKey);
      if (e === undefined) {
        if (before !== undefined) {
          state.entries.delete(podKey);
          changes.push({ before });
        }
      } else if (before === undefined || !this.same(before, e)) {
        state.entries.set(podKey, e);
        changes.push(before === undefined ? { after: e } : { before, after: e });
      }
    }
    state.changed.clear();
    return { entries: state.entries, changed: changes.length > 0, rebuilt: false, changes };
  }

  /** Drops a Service's entries (it is gone or has no selector). */
  forget(svcKey: string): void {
    this.states.delete(svcKey);
  }
}
