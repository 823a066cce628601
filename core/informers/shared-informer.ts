import { objectKey, type KubeObject, type ObjectLike } from "../api/object.js";
import type { Clock, TimerHandle } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Client, ResourceRef } from "../client/client.js";
import type { Logger } from "../log/logger.js";
import type { EventHandlerOptions, EventHandlerRegistration, ResourceEventHandler } from "./event-handler.js";
import { Indexer, type Indexers } from "./indexer.js";
import { Lister } from "./lister.js";
import type { Notification } from "./notification.js";
import { ProcessorListener } from "./processor-listener.js";
import { Reflector, type ReflectorStore } from "./reflector.js";
import { DeletedFinalStateUnknown } from "./tombstone.js";

/** Shortest resync period honoured (client-go's `minimumResyncPeriod`). */
export const MINIMUM_RESYNC_PERIOD_MS = 1000;

export interface SharedInformerOptions {
  client: Client;
  resource: ResourceRef;
  clock: Clock;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Default resync period for handlers (ms); 0 or absent = no resync. */
  resyncPeriod?: number;
  indexers?: Indexers;
  /** List page size (default 500). */
  pageSize?: number;
  /** Watches that never time out and ask for no bookmarks (see {@link SharedInformerFactoryOptions.timerless}). */
  timerless?: boolean;
  random?: Random;
  logger?: Logger;
}

/**
 * One cache of one resource (per namespace and selectors) shared by any number of handlers, as
 * client-go's `sharedIndexInformer`: a {@link Reflector} feeds the {@link Indexer}; each change is
 * applied to the cache first and then fanned out to every handler's own buffer. Adds and updates
 * are told apart by the cache (an ADDED for a cached key is an update); a relist turns into
 * updates for cached keys, adds for new ones and tombstoned deletes for keys gone.
 */
export class SharedInformer<T extends ObjectLike = KubeObject> implements ReflectorStore<T> {
  readonly indexer: Indexer<T>;
  private readonly listeners = new Set<ProcessorListener<T>>();
  private readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private readonly defaultResyncPeriod: number;
  private readonly logger: Logger | undefined;
  private readonly syncWaiters: (() => void)[] = [];
  private synced = false;
  private started = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private resyncTimer: TimerHandle | undefined;
  private cachedLister: Lister<T> | undefined;

  constructor(readonly options: SharedInformerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.defaultResyncPeriod = normaliseResync(options.resyncPeriod ?? 0);
    this.indexer = new Indexer<T>((options.indexers ?? {}) as unknown as Indexers<T>);
    this.reflector = new Reflector<T>({
      client: options.client,
      resource: options.resource,
      store: this,
      clock: options.clock,
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      pageSize: options.pageSize,
      ...(options.timerless ? { minWatchTimeoutSeconds: 0, allowWatchBookmarks: false } : {}),
      random: options.random,
      logger: options.logger,
    });
  }

  /**
   * Adds a handler. If the informer already holds objects, the handler first receives them all as
   * adds (`isInInitialList` true), before any later change.
   */
  addEventHandler(handler: ResourceEventHandler<T>, options: EventHandlerOptions = {}): EventHandlerRegistration {
    if (this.stopped) throw new Error(`handler was not added to shared informer for ${this.reflector.name} because it has stopped already`);
    const listener = new ProcessorListener<T>(handler, normaliseResync(options.resyncPeriod ?? this.defaultResyncPeriod), this.logger);
    for (const obj of this.indexer.values()) listener.add({ type: "add", obj, initial: true });
    this.listeners.add(listener);
    if (this.synced && listener.resyncPeriod > 0) {
      listener.nextResync = this.clock.now() + listener.resyncPeriod;
      this.scheduleResync();
    }
    return {
      remove: () => this.removeListener(listener),
      hasSynced: () => this.synced && this.listeners.has(listener) && listener.initialListDelivered(),
    };
  }

  /** Same as `registration.remove()`. */
  removeEventHandler(registration: EventHandlerRegistration): void {
    registration.remove();
  }

  /** Adds indices to the cache (built over what it holds already). */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  /** Reads from the cache. */
  lister(): Lister<T> {
    return (this.cachedLister ??= new Lister<T>(this.indexer));
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  isStopped(): boolean {
    return this.stopped;
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  /**
   * Starts listing and watching (once; later calls return the same promise). Resolves when
   * `signal` aborts and everything has stopped: no watch open, no timer left.
   */
  run(signal: AbortSignal): Promise<void> {
    if (this.running) return this.running;
    this.started = true;
    this.running = (async () => {
      signal.addEventListener("abort", () => this.stop(), { once: true });
      if (signal.aborted) this.stop();
      await this.reflector.run(signal);
      this.stop();
    })();
    return this.running;
  }

  isStarted(): boolean {
    return this.started;
  }

  /** Resolves true once synced, false if `signal` aborts (or the informer stops) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.synced);
      });
    });
  }

  // ReflectorStore: called by the reflector only.

  replace(items: readonly T[], _resourceVersion: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    const notifications: Notification<T>[] = [];
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.indexer.getByKey(key);
      notifications.push(old === undefined ? { type: "add", obj, initial } : { type: "update", oldObj: old, obj });
    }
    for (const [key, old] of this.indexer.entries()) {
      if (!seen.has(key)) notifications.push({ type: "delete", obj: new DeletedFinalStateUnknown<T>(key, old) });
    }
    this.indexer.replace(items);
    for (const n of notifications) this.distribute(n);
    if (initial) this.markSynced();
  }

  add(obj: T): void {
    const old = this.indexer.add(obj);
    this.distribute(old === undefined ? { type: "add", obj, initial: false } : { type: "update", oldObj: old, obj });
  }

  update(obj: T): void {
    this.add(obj);
  }

  delete(obj: T): void {
    this.indexer.delete(obj);
    this.distribute({ type: "delete", obj });
  }

  /** Hands `n` to every listener; the listeners it wakes are drained, in order, from one microtask. */
  private distribute(n: Notification<T>): void {
    let first: ProcessorListener<T> | undefined;
    let last: ProcessorListener<T> | undefined;
    for (const l of this.listeners) {
      if (!l.offer(n)) continue;
      if (last === undefined) first = l;
      else last.drainNext(l);
      last = l;
    }
    first?.drainSoon();
  }

  private markSynced(): void {
    this.synced = true;
    const now = this.clock.now();
    for (const l of this.listeners) if (l.resyncPeriod > 0) l.nextResync = now + l.resyncPeriod;
    this.scheduleResync();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private removeListener(listener: ProcessorListener<T>): void {
    if (!this.listeners.delete(listener)) return;
    listener.remove();
    this.scheduleResync();
  }

  /** One timer, due at the earliest listener resync; none when no listener resyncs or the informer stopped. */
  private scheduleResync(): void {
    this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (this.stopped || !this.synced) return;
    let next = Infinity;
    for (const l of this.listeners) if (l.resyncPeriod > 0 && l.nextResync < next) next = l.nextResync;
    if (next === Infinity) return;
    this.resyncTimer = this.clock.setTimeout(() => this.resync(), Math.max(0, next - this.clock.now()));
  }

  /** Re-delivers every cached object as an update (old === new) to the listeners due. */
  private resync(): void {
    this.resyncTimer = undefined;
    const now = this.clock.now();
    const due: ProcessorListener<T>[] = [];
    for (const l of this.listeners) {
      if (l.resyncPeriod > 0 && l.nextResync <= now) {
        due.push(l);
        l.nextResync = now + l.resyncPeriod;
      }
    }
    for (const obj of this.indexer.values()) {
      const n: Notification<T> = { type: "update", oldObj: obj, obj };
      for (const l of due) l.add(n);
    }
    this.scheduleResync();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    for (const l of this.listeners) l.remove();
    this.listeners.clear();
    for (const w of this.syncWaiters.splice(0)) w();
  }
}

function normaliseResync(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.max(ms, MINIMUM_RESYNC_PERIOD_MS);
}
