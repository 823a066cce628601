import type { ClusterEventWithHint, QueuedPodInfo } from "../framework/interface.js";

/** A profile's registrations (plugin name → the events it registered): the key pods are indexed under. */
export type Registrations = ReadonlyMap<string, readonly ClusterEventWithHint[]>;

interface Entry {
  readonly info: QueuedPodInfo;
  readonly registrations: Registrations;
  /** The plugins it is indexed under (its rejecting plugins when it entered; none when gated). */
  readonly plugins: readonly string[];
  /** Position in the pool: entries are visited in the order they entered. */
  readonly order: number;
  /** The last lookup that collected it (a pod rejected by several plugins is taken once). */
  seen: number;
}

/**
 * The unschedulable pool (upstream `UnschedulablePods`) in the order pods entered it, with each
 * pod that is not gated indexed by every plugin that rejected it, under its profile's
 * registrations. A cluster event then looks only at the pods some plugin that registered it
 * rejected (`rejectedBy`), in pool order, instead of walking the pool: the pods and order upstream's
 * walk would act on (it skips the others), at a cost proportional to them. A pod's rejecting
 * plugins must not change while it is in the pool (they are set during its attempt).
 */
export class UnschedulablePool {
  private readonly entries = new Map<string, Entry>();
  /** registrations → plugin → the pool's entries that plugin rejected, by key, in pool order. */
  private readonly index = new Map<Registrations, Map<string, Map<string, Entry>>>();
  private order = 0;
  private lookups = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Adds `info` under `key` at the end of the pool (after removing it with `delete` if present). */
  add(key: string, info: QueuedPodInfo, registrations: Registrations): void {
    const plugins = info.gatedBy === undefined ? [...info.unschedulablePlugins] : [];
    const entry: Entry = { info, registrations, plugins, order: this.order++, seen: 0 };
    this.entries.set(key, entry);
    if (plugins.length === 0) return;
    let byPlugin = this.index.get(registrations);
    if (!byPlugin) this.index.set(registrations, (byPlugin = new Map()));
    for (const plugin of plugins) {
      let bucket = byPlugin.get(plugin);
      if (!bucket) byPlugin.set(plugin, (bucket = new Map()));
      bucket.set(key, entry);
    }
  }

  /** Removes the pod under `key`; whether it was there. */
  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    if (entry.plugins.length === 0) return true;
    const byPlugin = this.index.get(entry.registrations)!;
    for (const plugin of entry.plugins) {
      const bucket = byPlugin.get(plugin)!;
      bucket.delete(key);
      if (bucket.size === 0) byPlugin.delete(plugin);
    }
    if (byPlugin.size === 0) this.index.delete(entry.registrations);
    return true;
  }

  /** Every pod of the pool, in pool order (a live view: copy it before moving pods out). */
  values(): IterableIterator<QueuedPodInfo> {
    return mapIterator(this.entries.values(), (e) => e.info);
  }

  /**
   * The pods (not gated) that one of the plugins `registered(registrations)` names rejected,
   * each once, in pool order, with the registrations they were indexed under. A snapshot:
   * the caller may move them out while going through it.
   */
  rejectedBy(registered: (registrations: Registrations) => ReadonlySet<string>): { info: QueuedPodInfo; registrations: Registrations }[] {
    const out: Entry[] = [];
    for (const [registrations, byPlugin] of this.index) {
      const plugins = registered(registrations);
      if (plugins.size === 0) continue;
      const buckets: Map<string, Entry>[] = [];
      for (const plugin of plugins) {
        const bucket = byPlugin.get(plugin);
        if (bucket) buckets.push(bucket);
      }
      if (buckets.length === 1 && this.index.size === 1) return [...buckets[0]!.values()];
      const stamp = ++this.lookups;
      for (const bucket of buckets) {
        for (const e of bucket.values()) {
          if (e.seen === stamp) continue;
          e.seen = stamp;
          out.push(e);
        }
      }
    }
    // Several buckets (or profiles): back into pool order.
    return out.sort((a, b) => a.order - b.order);
  }
}

function* mapIterator<T, U>(it: IterableIterator<T>, f: (t: T) => U): IterableIterator<U> {
  for (const t of it) yield f(t);
}
