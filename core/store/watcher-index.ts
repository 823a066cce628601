import type { KubeObject } from "../api/object.js";
import type { WatchTrigger } from "./store.js";

/**
 * Watchers indexed by the prefix they watch, so delivering an event costs the number of watchers
 * interested in it, not the number of watchers. A key such as `/registry/pods/ns/name` has only a
 * handful of `/`-terminated prefixes (`/`, `/registry/`, `/registry/pods/`,
 * `/registry/pods/ns/`); watchers on such prefixes are found by exact lookup. Watchers on
 * prefixes that do not end with `/` (rare: a single key, or an arbitrary string prefix) are kept
 * apart and checked with `startsWith`.
 */
export interface PrefixWatcher {
  readonly prefix: string;
  /** Only objects whose field is this value (before or after a change) interest the watcher. */
  readonly trigger?: WatchTrigger | undefined;
}

/** Triggered watchers of one directory prefix and field, by the value they want. */
interface TriggerGroup<W> {
  readonly of: (obj: KubeObject) => string | undefined;
  readonly byValue: Map<string, Set<W>>;
}

/**
 * What an event under one directory is offered to: the watcher sets and trigger groups of the
 * directory's `/`-terminated prefixes, shortest prefix first (each prefix's set before its groups).
 */
type DirectoryPlan<W> = readonly (Set<W> | TriggerGroup<W>)[];

export class WatcherIndex<W extends PrefixWatcher> {
  private readonly byDirectory = new Map<string, Set<W>>();
  private readonly others = new Set<W>();
  /** Directory prefix → field → group: watchers with a trigger on a `/`-terminated prefix. */
  private readonly triggered = new Map<string, Map<string, TriggerGroup<W>>>();
  /**
   * Key's directory (up to its last `/`) → its plan, so that an event costs one lookup instead of
   * one slice and two lookups per prefix. Emptied whenever a directory watcher comes or goes.
   */
  private readonly plans = new Map<string, DirectoryPlan<W>>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  add(watcher: W): void {
    const t = watcher.trigger;
    if (t && watcher.prefix.endsWith("/")) {
      let fields = this.triggered.get(watcher.prefix);
      if (!fields) this.triggered.set(watcher.prefix, (fields = new Map()));
      let group = fields.get(t.field);
      if (!group) fields.set(t.field, (group = { of: t.of, byValue: new Map() }));
      let set = group.byValue.get(t.value);
      if (!set) group.byValue.set(t.value, (set = new Set()));
      if (set.has(watcher)) return;
      set.add(watcher);
      this.plans.clear();
    } else if (watcher.prefix.endsWith("/")) {
      let set = this.byDirectory.get(watcher.prefix);
      if (!set) this.byDirectory.set(watcher.prefix, (set = new Set()));
      if (set.has(watcher)) return;
      set.add(watcher);
      this.plans.clear();
    } else {
      if (this.others.has(watcher)) return;
      this.others.add(watcher);
    }
    this.total++;
  }

  remove(watcher: W): void {
    const t = watcher.trigger;
    if (t && watcher.prefix.endsWith("/")) {
      const fields = this.triggered.get(watcher.prefix);
      const group = fields?.get(t.field);
      const set = group?.byValue.get(t.value);
      if (!set?.delete(watcher)) return;
      if (set.size === 0) group!.byValue.delete(t.value);
      if (group!.byValue.size === 0) fields!.delete(t.field);
      if (fields!.size === 0) this.triggered.delete(watcher.prefix);
      this.plans.clear();
    } else if (watcher.prefix.endsWith("/")) {
      const set = this.byDirectory.get(watcher.prefix);
      if (!set?.delete(watcher)) return;
      if (set.size === 0) this.byDirectory.delete(watcher.prefix);
      this.plans.clear();
    } else if (!this.others.delete(watcher)) {
      return;
    }
    this.total--;
  }

  /** Every watcher (a snapshot). */
  all(): W[] {
    const found: W[] = [...this.others];
    for (const set of this.byDirectory.values()) found.push(...set);
    for (const fields of this.triggered.values()) for (const g of fields.values()) for (const set of g.byValue.values()) found.push(...set);
    return found;
  }

  /**
   * The watchers whose prefix `key` starts with, shortest prefix first — of those with a trigger,
   * only the ones wanting the value of `object` or `prevObject` (the object after and before the
   * change); a snapshot, safe to iterate while watchers change.
   */
  matching(key: string, object?: KubeObject, prevObject?: KubeObject): W[] {
    const found: W[] = [];
    this.forEachMatching(key, object, prevObject, pushTo, found);
    return found;
  }

  /**
   * Calls `visit(watcher, arg)` for each watcher {@link matching} would return, in the same order,
   * without building the array: the per-event fan-out. Watchers are visited from the live sets, so
   * one added during the walk may be visited too and one removed before its turn is not: callers
   * must tolerate both (the store's watches ignore events at or before their start revision, and
   * a stopped watch ignores everything).
   */
  forEachMatching<A>(key: string, object: KubeObject | undefined, prevObject: KubeObject | undefined, visit: (watcher: W, arg: A) => void, arg: A): void {
    if (this.byDirectory.size > 0 || this.triggered.size > 0) {
      const dir = key.slice(0, key.lastIndexOf("/") + 1);
      const plan = this.plans.get(dir) ?? this.planFor(dir);
      for (let p = 0; p < plan.length; p++) {
        const step = plan[p]!;
        if (step instanceof Set) {
          for (const w of step) visit(w, arg);
          continue;
        }
        const now = object ? (step.of(object) ?? "") : undefined;
        if (now !== undefined) {
          const wanted = step.byValue.get(now);
          if (wanted) for (const w of wanted) visit(w, arg);
        }
        const before = prevObject ? (step.of(prevObject) ?? "") : undefined;
        if (before !== undefined && before !== now) {
          const wanted = step.byValue.get(before);
          if (wanted) for (const w of wanted) visit(w, arg);
        }
      }
    }
    if (this.others.size > 0) for (const w of this.others) if (key.startsWith(w.prefix)) visit(w, arg);
  }

  /** Builds and caches the plan of directory `dir` (a key's part up to and including its last `/`). */
  private planFor(dir: string): DirectoryPlan<W> {
    const plan: (Set<W> | TriggerGroup<W>)[] = [];
    for (let slash = dir.indexOf("/"); slash >= 0; slash = dir.indexOf("/", slash + 1)) {
      const prefix = dir.slice(0, slash + 1);
      const set = this.byDirectory.get(prefix);
      if (set) plan.push(set);
      const fields = this.triggered.get(prefix);
      if (fields) for (const g of fields.values()) plan.push(g);
    }
    this.plans.set(dir, plan);
    return plan;
  }
}

function pushTo<W>(watcher: W, found: W[]): void {
  found.push(watcher);
}
