import type { KubeObject } from "../api/object.js";
import { deepFreeze, freezingByDefault } from "../api/immutable.js";
import { withMember } from "../api/clone.js";
import { ContinueExpiredError, decodeContinue, encodeContinue, keyAfter } from "./continue-token.js";
import { EventHistory } from "./event-history.js";
import { prefixRangeEnd } from "./keys.js";
import { SortedEntries } from "./sorted-entries.js";
import {
  StoreError,
  type Store,
  type StoreEvent,
  type StoreListOptions,
  type StoreListResult,
  type StorePreconditions,
  type StoreWatch,
  type StoreWatchOptions,
  type WatchTrigger,
} from "./store.js";
import { WatcherIndex } from "./watcher-index.js";
import { EncodedObject } from "./encoded-object.js";

export interface MemoryStoreOptions {
  /** Events kept for watch replay and consistent paging (default 10,000). Older ones are dropped. */
  historyLimit?: number;
  /** Deep-freeze every stored object (default: when `NODE_ENV=test`), so mutations throw. */
  freeze?: boolean;
  /** Called when a watch listener throws; the default logs to stderr. The watch keeps running. */
  onListenerError?: (error: unknown, event: StoreEvent) => void;
  /**
   * Called with every change, synchronously and in revision order, before any watcher sees it (a
   * durable store appends it to its log here). Must not throw or write to the store.
   */
  journal?: (event: StoreEvent) => void;
}

/** A store's whole state, as {@link MemoryStore.exportState} captures and {@link MemoryStore.restore} loads it. */
export interface MemoryStoreState {
  revision: number;
  /** Highest revision whose event is no longer retained. */
  compactedThrough: number;
  /** Current objects in key order, each with its `resourceVersion` (or still encoded, with its revision: decoded on first use). */
  objects: ReadonlyArray<readonly [key: string, obj: KubeObject | EncodedObject]>;
  /** Retained events, oldest first, with consecutive revisions ending at `revision`. */
  events: readonly StoreEvent[];
}

/** What the store keeps per key; `obj` is replaced (never mutated) on update. A restored entry may hold its object encoded until first use. */
class StoredEntry {
  private value: KubeObject | undefined;
  private encoded: EncodedObject | undefined;
  private labelSet: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly key: string,
    obj: KubeObject | EncodedObject,
    public revision: number,
    private readonly freeze: boolean,
  ) {
    if (obj instanceof EncodedObject) this.encoded = obj;
    else {
      this.value = obj;
      this.labelSet = obj.metadata?.labels;
    }
  }

  get obj(): KubeObject {
    return this.value ?? this.decode();
  }

  /** The object as held: decoded, or still encoded (what a snapshot writes without decoding). */
  get held(): KubeObject | EncodedObject {
    return this.value ?? this.encoded!;
  }

  set obj(obj: KubeObject) {
    this.value = obj;
    this.encoded = undefined;
    this.labelSet = obj.metadata?.labels;
  }

  /** The object's labels, held by the index entry so label filters need not reach into each object. */
  get labels(): Readonly<Record<string, string>> | undefined {
    if (this.value === undefined) this.decode();
    return this.labelSet;
  }

  private decode(): KubeObject {
    const obj = this.encoded!.decode();
    if (this.freeze) deepFreeze(obj);
    this.obj = obj;
    return obj;
  }
}

/**
 * `{ ...obj, metadata: { ...obj.metadata, resourceVersion } }` by copy loops into fresh objects
 * (same members, same order): objects reach the store in many shapes, and the spread copies were
 * a measurable part of every write.
 */
function stamped(obj: KubeObject, resourceVersion: string): KubeObject {
  return withMember(obj, "metadata", withMember(obj.metadata ?? {}, "resourceVersion", resourceVersion)) as KubeObject;
}

/** etcd3 storage's message for an exact list of a compacted revision. */
const LIST_EXPIRED = "The resourceVersion for the provided list is too old.";

const MODIFIED_CONFLICT = "the object has been modified; please apply your changes to the latest version and try again";

/**
 * The embedded default {@link Store}: everything in memory, MVCC-like semantics.
 *
 * - One global revision, bumped by every create/update/delete and written into the stored
 *   object's `metadata.resourceVersion` (objects are shallow-copied at the top level and in
 *   `metadata` to stamp it; the rest is shared with the caller, who gave up ownership).
 * - `list` walks a key-ordered index (no sorting per call). Paged lists are consistent: later
 *   pages show the state at the first page's revision, reconstructed from the event history;
 *   once that revision has left the history, continuing fails with {@link ContinueExpiredError}
 *   (410) carrying a token that continues at the latest state — as kube-apiserver does.
 * - `watch` replays retained history after the asked revision, then delivers live events, all
 *   synchronously and strictly in revision order, each at most once, even when listeners write to
 *   the store or start new watches from inside a callback (writes made during delivery are queued
 *   and delivered after the current event has reached every watcher).
 * - Watchers are indexed by prefix: an event is offered only to watchers whose prefix it matches.
 *
 * Returned objects are shared and (with `freeze`) deep-frozen: never mutate them.
 */
export class MemoryStore implements Store {
  private revision = 0;
  private readonly entries = new Map<string, StoredEntry>();
  /** key → current object, duplicating `entries` so that `get` is one lookup with no extra hop. */
  private readonly objects = new Map<string, KubeObject>();
  private readonly ordered = new SortedEntries<StoredEntry>();
  private readonly history: EventHistory;
  private readonly watchers = new WatcherIndex<ActiveWatch>();
  private readonly freeze: boolean;
  private readonly onListenerError: (error: unknown, event: StoreEvent) => void;
  /** Events recorded but not yet offered to every watcher. */
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private closed = false;
  /** Whether `restore` left objects encoded (then `objects` does not hold every object yet). */
  private restoredEncoded = false;
  private readonly journal: ((event: StoreEvent) => void) | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.journal = options.journal;
    this.history = new EventHistory(options.historyLimit ?? 10_000);
    this.freeze = options.freeze ?? freezingByDefault();
    this.onListenerError = options.onListenerError ?? ((error, event) => console.error(`store watch listener threw on ${event.type} ${event.key}@${event.revision}:`, error));
  }

  currentRevision(): number {
    return this.revision;
  }

  get(key: string): Promise<KubeObject | undefined> {
    const obj = this.objects.get(key);
    if (obj !== undefined || !this.restoredEncoded) return Promise.resolve(obj);
    return Promise.resolve(this.decodedAt(key));
  }

  /** A restored object not yet in `objects` (still encoded, or decoded by a list): decoded and cached. */
  private decodedAt(key: string): KubeObject | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const obj = entry.obj;
    this.objects.set(key, obj);
    return obj;
  }

  async list(prefix: string, options: StoreListOptions = {}): Promise<StoreListResult> {
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const filter = options.filter;
    const labelFilter = options.labelFilter;
    const end = prefixRangeEnd(prefix);
    let from = prefix;
    let atRevision = this.revision;
    if (options.continue) {
      const position = decodeContinue(options.continue, prefix);
      from = position.fromKey;
      if (position.revision > this.revision) {
        throw new StoreError("InvalidContinue", prefix, `continue key is not valid: resourceVersion ${position.revision} is newer than the current revision ${this.revision}`);
      }
      if (position.revision > 0) atRevision = position.revision;
    } else if (options.revision !== undefined && options.revision < this.revision) {
      if (!this.history.covers(options.revision)) throw new StoreError("Gone", prefix, LIST_EXPIRED);
      atRevision = options.revision;
    }
    const snapshot = atRevision < this.revision ? this.snapshotAt(atRevision, prefix, from, end) : undefined;

    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let full = false;
    const visit = (key: string, obj: KubeObject | null | undefined): boolean => {
      if (!obj) return true;
      if (labelFilter && !labelFilter(obj.metadata?.labels)) return true;
      if (filter && !filter(obj)) return true;
      items.push(obj);
      lastKey = key;
      full = limit > 0 && items.length === limit;
      return !full;
    };
    if (!snapshot) {
      // The hot path (a plain list of up to every object): a tight loop per run of entries.
      this.ordered.scanRuns(from, end, (run, start, stop) => {
        for (let i = start; i < stop; i++) {
          const entry = run[i]!;
          if (labelFilter && !labelFilter(entry.labels)) continue;
          if (filter && !filter(entry.obj)) continue;
          items.push(entry.obj);
          if (limit > 0 && items.length === limit) {
            lastKey = entry.key;
            full = true;
            return false;
          }
        }
        return true;
      });
    } else {
      this.scanSnapshot(snapshot, from, end, visit);
    }

    const result: StoreListResult = { items, revision: atRevision };
    if (full && lastKey !== undefined) {
      const next = keyAfter(lastKey);
      const remaining = this.ordered.countRange(next, end) + (snapshot ? snapshot.countAdjustment(next, end, this.entries) : 0);
      if (remaining > 0) {
        result.continue = encodeContinue(next, prefix, atRevision);
        // With a filter the number of matching items left is unknown; Kubernetes omits it then.
        if (!filter && !labelFilter) result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.entries.has(key)) throw new StoreError("AlreadyExists", key, `key ${key} already exists`);
    const revision = ++this.revision;
    const stored = this.stamp(obj, revision);
    const entry = new StoredEntry(key, stored, revision, this.freeze);
    this.entries.set(key, entry);
    this.objects.set(key, stored);
    this.ordered.insert(entry);
    this.record({ type: "ADDED", key, object: stored, revision });
    return stored;
  }

  async update(key: string, obj: KubeObject, preconditions?: StorePreconditions): Promise<KubeObject> {
    const entry = this.entries.get(key);
    if (!entry) throw new StoreError("NotFound", key, `key ${key} not found`);
    checkUid(entry, preconditions);
    if (preconditions?.revision !== undefined && preconditions.revision !== entry.revision) throw new StoreError("Conflict", key, MODIFIED_CONFLICT);
    const revision = ++this.revision;
    const prevObject = entry.obj;
    const stored = this.stamp(obj, revision);
    entry.obj = stored;
    entry.revision = revision;
    this.objects.set(key, stored);
    // The entry's key (the string the create stored), not the caller's: the retained history then
    // holds one copy of each key rather than one per write.
    this.record({ type: "MODIFIED", key: entry.key, object: stored, prevObject, revision });
    return stored;
  }

  /** Returns the object as it was last stored (its last resourceVersion, not the deletion's). */
  async delete(key: string, preconditions?: StorePreconditions): Promise<KubeObject> {
    const entry = this.entries.get(key);
    if (!entry) throw new StoreError("NotFound", key, `key ${key} not found`);
    checkUid(entry, preconditions);
    if (preconditions?.revision !== undefined && preconditions.revision !== entry.revision) {
      throw new StoreError("Conflict", key, `Precondition failed: ResourceVersion in precondition: ${preconditions.revision}, ResourceVersion in object meta: ${entry.revision}`);
    }
    const revision = ++this.revision;
    this.entries.delete(key);
    this.objects.delete(key);
    this.ordered.remove(key);
    this.record({ type: "DELETED", key: entry.key, object: this.stamp(entry.obj, revision), prevObject: entry.obj, revision });
    return entry.obj;
  }

  watch(prefix: string, options: StoreWatchOptions, listener: (event: StoreEvent) => void): StoreWatch {
    if (this.closed) throw new Error("store is closed");
    const from = options.revision;
    if (!this.history.covers(from)) {
      throw new StoreError("Gone", prefix, `too old resource version: ${from} (${this.history.compactedThrough})`);
    }
    const watch = new ActiveWatch(prefix, from, options.filter, listener, this.onListenerError, (w) => this.watchers.remove(w), options.trigger);
    // Registered before the replay so that nothing written from now on can be missed; writes made
    // by the listener during the replay are queued (dispatching) and delivered after it, in order.
    this.watchers.add(watch);
    const backlog: StoreEvent[] = [];
    this.history.forEachAfter(from, (event) => {
      if (event.key.startsWith(prefix)) backlog.push(event);
    });
    if (backlog.length > 0) {
      const outer = this.dispatching;
      this.dispatching = true;
      try {
        for (const event of backlog) watch.deliver(event);
      } finally {
        this.dispatching = outer;
      }
      this.drain();
    }
    return watch;
  }

  compact(revision: number): void {
    this.history.compact(Math.min(revision, this.revision));
  }

  oldestWatchableRevision(): number {
    return this.history.compactedThrough;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const watch of this.watchers.all()) watch.stop();
  }

  /**
   * The current state, captured in O(objects) without copying any object (they are immutable), so
   * that it can be written out while the store keeps changing.
   */
  exportState(): MemoryStoreState {
    const objects: (readonly [string, KubeObject | EncodedObject])[] = [];
    this.ordered.scan("", "\uffff", (entry) => {
      objects.push([entry.key, entry.held]);
      return true;
    });
    const events: StoreEvent[] = [];
    this.history.forEachAfter(0, (event) => events.push(event));
    return { revision: this.revision, compactedThrough: this.history.compactedThrough, objects, events };
  }

  /**
   * Loads a recovered state into this store, which must be new (nothing written, nothing watched).
   * Objects keep their `resourceVersion`; the history window (at most `historyLimit` of `events`)
   * lets watches resume from a revision before the restart.
   */
  restore(state: MemoryStoreState): void {
    if (this.revision !== 0 || this.entries.size > 0 || this.watchers.size > 0) throw new Error("restore needs a new, empty store");
    for (const [key, obj] of state.objects) {
      let entry: StoredEntry;
      if (obj instanceof EncodedObject) {
        entry = new StoredEntry(key, obj, obj.revision, this.freeze);
        this.restoredEncoded = true;
      } else {
        if (this.freeze) deepFreeze(obj);
        entry = new StoredEntry(key, obj, Number(obj.metadata?.resourceVersion ?? 0), this.freeze);
        this.objects.set(key, obj);
      }
      this.entries.set(key, entry);
      this.ordered.insert(entry);
    }
    this.revision = state.revision;
    const kept = state.events.filter((event) => event.revision > state.compactedThrough);
    const events = kept.slice(Math.max(0, kept.length - this.history.capacity));
    const first = events.length > 0 ? events[0]!.revision : state.revision + 1;
    this.history.compact(Math.max(state.compactedThrough, first - 1));
    for (const event of events) {
      if (this.freeze) deepFreeze(event);
      this.history.append(event);
    }
  }

  /**
   * Applies a change made elsewhere, at the revision it was made (the etcd store's watch cache
   * follows etcd this way): `obj` (absent for a deletion) is stored with that revision, which must
   * not be below the current one (one etcd transaction may change several keys at one revision) and
   * becomes the current revision. Watchers see it as any write.
   */
  applyChange(key: string, obj: KubeObject | undefined, revision: number): void {
    if (revision < this.revision) throw new Error(`change at revision ${revision} is before the current revision ${this.revision}`);
    const entry = this.entries.get(key);
    this.revision = revision;
    if (!obj) {
      if (!entry) return;
      this.entries.delete(key);
      this.objects.delete(key);
      this.ordered.remove(key);
      this.record({ type: "DELETED", key, object: this.stamp(entry.obj, revision), prevObject: entry.obj, revision });
      return;
    }
    if (this.freeze) deepFreeze(obj);
    if (!entry) {
      const created = new StoredEntry(key, obj, revision, this.freeze);
      this.entries.set(key, created);
      this.objects.set(key, obj);
      this.ordered.insert(created);
      this.record({ type: "ADDED", key, object: obj, revision });
      return;
    }
    const prevObject = entry.obj;
    entry.obj = obj;
    entry.revision = revision;
    this.objects.set(key, obj);
    this.record({ type: "MODIFIED", key, object: obj, prevObject, revision });
  }

  /** Moves the current revision to `revision` without a change (revisions spent outside this store's keys). */
  advanceTo(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  /** The stored form of `obj` at `revision`: top level and metadata copied, rv stamped, frozen if asked. */
  private stamp(obj: KubeObject, revision: number): KubeObject {
    const stored = stamped(obj, String(revision));
    if (this.freeze) deepFreeze(stored);
    return stored;
  }

  private record(event: StoreEvent): void {
    if (this.freeze) Object.freeze(event);
    this.history.append(event);
    this.journal?.(event);
    if (this.watchers.size === 0) return;
    this.pending.push(event);
    this.drain();
  }

  /** Offers queued events to their watchers, oldest first; re-entrant calls leave it to the outer loop. */
  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const event = this.pending[i]!;
        this.watchers.forEachMatching(event.key, event.object, event.prevObject, deliverTo, event);
      }
    } finally {
      this.pending.length = 0;
      this.dispatching = false;
    }
  }

  /**
   * The state of `[from, end)` at `revision`, as overrides of the current state, rebuilt from the
   * events after `revision` (the value at `revision` of a key changed since is the `prevObject`
   * of its first later event, or nothing if that event created it).
   */
  private snapshotAt(revision: number, prefix: string, from: string, end: string): Snapshot {
    if (!this.history.covers(revision)) throw new ContinueExpiredError(prefix, encodeContinue(from, prefix, -1));
    const overrides = new Map<string, KubeObject | null>();
    this.history.forEachAfter(revision, (event) => {
      const key = event.key;
      if (key >= from && key < end && !overrides.has(key)) overrides.set(key, event.type === "ADDED" ? null : event.prevObject!);
    });
    return new Snapshot(overrides, this.entries);
  }

  /** Visits the snapshot's keys in `[from, end)` in order: current keys merged with resurrected ones. */
  private scanSnapshot(snapshot: Snapshot, from: string, end: string, visit: (key: string, obj: KubeObject | null | undefined) => boolean): void {
    const extra = snapshot.resurrected;
    let x = 0;
    let going = true;
    this.ordered.scan(from, end, (entry) => {
      while (x < extra.length && extra[x]! < entry.key) {
        const key = extra[x++]!;
        if (!(going = visit(key, snapshot.overrides.get(key)))) return false;
      }
      going = visit(entry.key, snapshot.overrides.has(entry.key) ? snapshot.overrides.get(entry.key) : entry.obj);
      return going;
    });
    while (going && x < extra.length) {
      const key = extra[x++]!;
      going = visit(key, snapshot.overrides.get(key));
    }
  }
}

/** The uid precondition, with the storage layer's message. */
function checkUid(entry: StoredEntry, preconditions: StorePreconditions | undefined): void {
  if (preconditions?.uid !== undefined && preconditions.uid !== entry.obj.metadata?.uid) {
    throw new StoreError("Conflict", entry.key, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${entry.obj.metadata?.uid ?? ""}`);
  }
}

/** A past state of a key range, as differences from the current state. */
class Snapshot {
  /** Keys absent now but present at the snapshot's revision, sorted. */
  readonly resurrected: string[];

  constructor(readonly overrides: ReadonlyMap<string, KubeObject | null>, entries: ReadonlyMap<string, StoredEntry>) {
    this.resurrected = [];
    for (const [key, obj] of overrides) if (obj && !entries.has(key)) this.resurrected.push(key);
    this.resurrected.sort();
  }

  /** How the number of keys in `[from, end)` at the snapshot differs from the current number. */
  countAdjustment(from: string, end: string, entries: ReadonlyMap<string, StoredEntry>): number {
    let delta = 0;
    for (const [key, obj] of this.overrides) {
      if (key < from || key >= end) continue;
      const now = entries.has(key);
      if (obj && !now) delta++;
      else if (!obj && now) delta--;
    }
    return delta;
  }
}

/** Offers `event` to `watch` (the fan-out's visitor: one function for every event, no closure per event). */
function deliverTo(watch: ActiveWatch, event: StoreEvent): void {
  watch.deliver(event);
}

/** One running watch. */
class ActiveWatch implements StoreWatch {
  private stopped = false;

  constructor(
    readonly prefix: string,
    /** Revision of the last event delivered or skipped; later deliveries of it or older are ignored. */
    private lastRevision: number,
    private readonly filter: ((event: StoreEvent) => boolean) | undefined,
    private readonly listener: (event: StoreEvent) => void,
    private readonly onError: (error: unknown, event: StoreEvent) => void,
    private readonly release: (watch: ActiveWatch) => void,
    readonly trigger?: WatchTrigger,
  ) {}

  deliver(event: StoreEvent): void {
    if (this.stopped || event.revision <= this.lastRevision) return;
    this.lastRevision = event.revision;
    try {
      if (this.filter && !this.filter(event)) return;
      this.listener(event);
    } catch (error) {
      this.onError(error, event);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.release(this);
  }
}
