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
}

export class WatcherIndex<W extends PrefixWatcher> {
  private readonly byDirectory = new Map<string, Set<W>>();
  private readonly others = new Set<W>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  add(watcher: W): void {
    if (watcher.prefix.endsWith("/")) {
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
    if (watcher.prefix.endsWith("/")) {
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
    return found;
  }

  /** The watchers whose prefix `key` starts with, shortest prefix first; a snapshot, safe to iterate while watchers change. */
  matching(key: string): W[] {
    const found: W[] = [];
    if (this.byDirectory.size > 0) {
      for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1)) {
        const set = this.byDirectory.get(key.slice(0, slash + 1));
        if (set) for (const w of set) found.push(w);
      }
    }
    for (const w of this.others) if (key.startsWith(w.prefix)) found.push(w);
    return found;
  }
}
