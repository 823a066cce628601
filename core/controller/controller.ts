import type { KubeObject, ObjectLike } from "../api/object.js";
import type { Clock } from "../clock/clock.js";
import type { EventHandlerRegistration } from "../informers/event-handler.js";
import type { SharedInformer } from "../informers/shared-informer.js";
import { objectOrTombstoneObject } from "../informers/tombstone.js";
import type { Logger } from "../log/logger.js";
import { RateLimitingQueue } from "../workqueue/rate-limiting-queue.js";
import type { RateLimiter } from "../workqueue/rate-limiter.js";
import type { MetricsProvider } from "../workqueue/metrics.js";
import type { EnqueueHandler } from "./enqueue-handlers.js";
import { FieldsLogger } from "./fields-logger.js";
import type { Predicate } from "./predicates.js";
import { TerminalError, requestFromKey, requestKey, type ReconcileResult, type Reconciler, type Request } from "./reconciler.js";
import type { Runnable } from "./runnable.js";

export interface ControllerOptions {
  /** Unique among a manager's controllers; names the queue and the logger. */
  name: string;
  reconciler: Reconciler;
  clock: Clock;
  log: Logger;
  /** Workers reconciling different keys at once (default 1). One key is never reconciled twice at once. */
  maxConcurrentReconciles?: number;
  /** Default: the work queue's `defaultControllerRateLimiter` (5 ms → 1000 s per key, 10/s burst 100 overall). */
  rateLimiter?: RateLimiter<string>;
  /** Default true: only the leader runs the controller. */
  needLeaderElection?: boolean;
  metricsProvider?: MetricsProvider;
}

/** One watch feeding a controller's queue: an informer, how its objects map to requests, and filters. */
export interface WatchSource<T extends ObjectLike = KubeObject> {
  informer: SharedInformer<T>;
  handler: EnqueueHandler<T>;
  predicates?: readonly Predicate<T>[];
}

/**
 * Reconciles keys from a rate-limited work queue fed by informer watches (controller-runtime's
 * `controller.Controller`). `start` registers the watches' handlers, waits for their caches, then
 * runs `maxConcurrentReconciles` workers until the signal aborts; it resolves once every worker has
 * returned and the handlers are removed. Results: nothing → forget the key's backoff;
 * `requeueAfter` → forget and add after that long; `requeue` or a thrown error → add rate-limited;
 * a {@link TerminalError} → log and forget.
 */
export class Controller implements Runnable {
  readonly name: string;
  readonly needLeaderElection: boolean;
  private readonly sources: WatchSource<ObjectLike>[] = [];
  private readonly log: Logger;
  private queue: RateLimitingQueue<string> | undefined;
  private started = false;
  private reconcileCount = 0;

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    this.needLeaderElection = options.needLeaderElection ?? true;
    this.log = options.log;
  }

  private managerMetrics: MetricsProvider | undefined;

  /**
   * The work queue metrics provider of the manager this controller runs in (its `workqueue_*`
   * metrics, labelled with the controller's name); one given in the options wins. Before `start`.
   */
  useMetricsProvider(provider: MetricsProvider): void {
    this.managerMetrics ??= provider;
  }

  /** Adds a watch; only before `start`. */
  watch<T extends ObjectLike>(source: WatchSource<T>): void {
    if (this.started) throw new Error(`controller "${this.name}": watches must be added before the controller starts`);
    this.sources.push(source as unknown as WatchSource<ObjectLike>);
  }

  /** Informers this controller watches. */
  informers(): SharedInformer<ObjectLike>[] {
    return this.sources.map((s) => s.informer);
  }

  /** Reconcile calls made so far (finished or not). */
  get reconciles(): number {
    return this.reconcileCount;
  }

  /** Adds a request to the queue directly (for tests and custom sources). Ignored before start or after stop. */
  enqueue(request: Request): void {
    this.queue?.add(requestKey(request));
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller "${this.name}" was started more than once`);
    this.started = true;
    if (signal.aborted) return;
    const queue = new RateLimitingQueue<string>({ clock: this.options.clock, name: this.name, rateLimiter: this.options.rateLimiter, metricsProvider: this.options.metricsProvider ?? this.managerMetrics });
    this.queue = queue;
    const registrations = this.sources.map((s) => this.register(s, queue));
    const stop = (): void => queue.shutDown();
    signal.addEventListener("abort", stop, { once: true });
    try {
      const synced = await Promise.all(this.sources.map((s) => s.informer.waitForSync(signal)));
      if (!synced.every(Boolean) || signal.aborted) return;
      this.log.info("Starting workers", { controller: this.name, workerCount: this.workers() });
      const workers: Promise<void>[] = [];
      for (let i = 0; i < this.workers(); i++) workers.push(this.work(queue, signal));
      await Promise.all(workers);
      this.log.info("All workers finished", { controller: this.name });
    } finally {
      signal.removeEventListener("abort", stop);
      queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private workers(): number {
    return Math.max(1, this.options.maxConcurrentReconciles ?? 1);
  }

  private register(source: WatchSource<ObjectLike>, queue: RateLimitingQueue<string>): EventHandlerRegistration {
    const { handler } = source;
    const mapOldOnUpdate = handler.mapOldOnUpdate;
    // Each event type's filters, bound once: an event calls them without looking them up on
    // predicate objects of many shapes (one handler function serves every controller's watches).
    const predicates = source.predicates ?? [];
    const creates = filters(predicates, "create");
    const updates = filters(predicates, "update");
    const deletes = filters(predicates, "delete");
    // The last request's key, reused while requests name the same object (every pod of a
    // ReplicaSet maps to it): no string built and hashed per event.
    let lastNamespace: string | undefined;
    let lastName: string | undefined;
    let lastKey = "";
    /** Adds the requests `obj` maps to; `added` is a key this event already added (a repeat is a no-op in the queue: skipped). */
    const enqueue = (obj: ObjectLike, added: string | undefined): string | undefined => {
      let last = added;
      for (const r of handler.map(obj)) {
        if (r.name !== lastName || r.namespace !== lastNamespace) {
          lastKey = requestKey(r);
          lastName = r.name;
          lastNamespace = r.namespace;
        }
        if (lastKey === last) continue;
        queue.add(lastKey);
        last = lastKey;
      }
      return last;
    };
    return source.informer.addEventHandler({
      onAdd: (obj) => {
        for (let i = 0; i < creates.length; i++) if (!creates[i]!(obj)) return;
        enqueue(obj, undefined);
      },
      onUpdate: (oldObj, newObj) => {
        for (let i = 0; i < updates.length; i++) if (!updates[i]!(oldObj, newObj)) return;
        enqueue(newObj, mapOldOnUpdate ? enqueue(oldObj, undefined) : undefined);
      },
      onDelete: (value) => {
        const obj = objectOrTombstoneObject(value);
        for (let i = 0; i < deletes.length; i++) if (!deletes[i]!(obj)) return;
        enqueue(obj, undefined);
      },
    });
  }

  private async work(queue: RateLimitingQueue<string>, signal: AbortSignal): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        if (signal.aborted) continue;
        await this.reconcileKey(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileKey(queue: RateLimitingQueue<string>, key: string, signal: AbortSignal): Promise<void> {
    const request = requestFromKey(key);
    const log = new FieldsLogger(this.log, { controller: this.name, ...request });
    this.reconcileCount++;
    let result: void | ReconcileResult;
    try {
      result = await this.options.reconciler.reconcile(request, { signal, log });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof TerminalError) {
        log.error("Reconciler error (terminal, not retried)", { error: err });
        queue.forget(key);
      } else {
        log.error("Reconciler error", { error: err });
        queue.addRateLimited(key);
      }
      return;
    }
    if (result && result.requeueAfter !== undefined && result.requeueAfter > 0) {
      queue.forget(key);
      queue.addAfter(key, result.requeueAfter);
    } else if (result?.requeue) {
      queue.addRateLimited(key);
    } else {
      queue.forget(key);
    }
  }
}

/** The `kind` methods of `predicates` that are set, in order, bound to their predicate. */
function filters<K extends "create" | "update" | "delete">(predicates: readonly Predicate<ObjectLike>[], kind: K): NonNullable<Predicate<ObjectLike>[K]>[] {
  const out: NonNullable<Predicate<ObjectLike>[K]>[] = [];
  for (const p of predicates) {
    const f = p[kind];
    if (f) out.push(f.bind(p) as NonNullable<Predicate<ObjectLike>[K]>);
  }
  return out;
}
