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

export class WatcherIndex<W extends PrefixWatcher> {
  private readonly byDirectory = new Map<string, Set<W>>();
  private readonly others = new Set<W>();
  /** Directory prefix → field → group: watchers with a trigger on a `/`-terminated prefix. */
  private readonly triggered = new Map<string, Map<string, TriggerGroup<W>>>();
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
    } else if (watcher.prefix.endsWith("/")) {
      let set = this.byDirectory.get(watcher.prefix);
      if (!set) this.byDirectory.set(watcher.prefix, (set = new Set()));
      if (set.has(watcher)) return;
      set.add(watcher);
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
    } else if (watcher.prefix.endsWith("/")) {
      const set = this.byDirectory.get(watcher.prefix);
      if (!set?.delete(watcher)) return;
      if (set.size === 0) this.byDirectory.delete(watcher.prefix);
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
   * only the ones wanting the value of `objects` (the object before and after the change); a
   * snapshot, safe to iterate while watchers change.
   */
  matching(key: string, objects: readonly (KubeObject | undefined)[] = []): W[] {
    const found: W[] = [];
    if (this.byDirectory.size > 0 || this.triggered.size > 0) {
      for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1)) {
        const dir = key.slice(0, slash + 1);
        const set = this.byDirectory.get(dir);
        if (set) for (const w of set) found.push(w);
        const fields = this.triggered.get(dir);
        if (fields)
          for (const g of fields.values()) {
            let first: string | undefined;
            for (let i = 0; i < objects.length; i++) {
              const obj = objects[i];
              const v = obj ? (g.of(obj) ?? "") : undefined;
              if (v === undefined || (i > 0 && v === first)) continue;
              if (i === 0) first = v;
              const wanted = g.byValue.get(v);
              if (wanted) for (const w of wanted) found.push(w);
            }
          }
      }
    }
    for (const w of this.others) if (key.startsWith(w.prefix)) found.push(w);
    return found;
  }
}
