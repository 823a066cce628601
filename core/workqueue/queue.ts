import { onNextTurn, type Clock } from "../clock/clock.js";
import { Fifo } from "./fifo.js";
import { QueueMetrics, type MetricsProvider } from "./metrics.js";

/**
 * A work queue, as client-go's `workqueue.Interface`. Guarantees:
 * - Fair: items are handed out in the order they were added.
 * - Stingy: an item added many times before it is processed is processed once. A worker waiting
 *   in `get` is woken on the next event-loop turn (as a goroutine is scheduled after the one that
 *   signalled it), so the adds of one turn — a burst of informer events — collapse first.
 * - Exclusive: an item is never handed to two workers at once. An item added while it is being
 *   processed is marked dirty and handed out again after `done`.
 * Workers: `for (let k = await q.get(); k !== undefined; k = await q.get()) { try { … } finally { q.done(k) } }`.
 * Items are compared by identity (`===`, Set semantics): use strings such as `namespace/name`.
 */
export interface WorkQueue<T extends NonNullable<unknown> = string> {
  /** Marks `item` as needing processing. Ignored once the queue is shutting down. */
  add(item: T): void;
  /** Items waiting to be handed out (not counting those being processed). */
  len(): number;
  /**
   * The next item, waiting until one is available; `undefined` once the queue is shut down and
   * empty (the worker should exit). The caller must call `done(item)` when finished with it.
   */
  get(): Promise<T | undefined>;
  /** Ends processing of `item`; if it was added meanwhile it is queued again. */
  done(item: T): void;
  /** Stops accepting items and releases every waiting `get()` with `undefined`. Items still queued are handed out. */
  shutDown(): void;
  /** As {@link shutDown}, then resolves once every item being processed is `done`. */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

export interface QueueOptions {
  /** Names the queue in its metrics; required for metrics. */
  name?: string;
  /** Metrics sink; with none, no metrics are kept (and nothing is timed). */
  metricsProvider?: MetricsProvider;
  /**
   * Time for metrics (latency, work duration); required with a metrics provider. Waiting workers
   * are woken through it ({@link Clock.nextTurn}): a virtual clock lets the wake-up run before it
   * moves time, so taking an item adds no simulated latency.
   */
  clock?: Clock;
}

/** The basic work queue: a FIFO of items, a `dirty` set (needs processing) and a `processing` set. */
export class BasicQueue<T extends NonNullable<unknown> = string> implements WorkQueue<T> {
  private readonly queue = new Fifo<T>();
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters = new Fifo<(item: T | undefined) => void>();
  private readonly metrics: QueueMetrics<T> | undefined;
  private readonly clock: Clock | undefined;
  private shutting = false;
  private drainWaiters: (() => void)[] = [];
  /** A wake-up of the waiting workers is queued for the next turn. */
  private waking = false;

  constructor(options: QueueOptions = {}) {
    this.clock = options.clock;
    if (options.metricsProvider) {
      if (!options.clock) throw new Error("BasicQueue: a clock is required to keep metrics");
      this.metrics = new QueueMetrics<T>(options.name ?? "", options.metricsProvider, options.clock);
    }
  }

  add(item: T): void {
    if (this.shutting || this.dirty.has(item)) return;
    this.metrics?.add(item);
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.enqueue(item);
  }

  len(): number {
    return this.queue.length;
  }

  get(): Promise<T | undefined> {
    if (this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.startProcessing(item);
      return Promise.resolve(item);
    }
    if (this.shutting) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    const again = this.dirty.has(item);
    // A worker takes the next item at once: the metrics stay busy through it (no timer restarted).
    this.metrics?.done(item, !this.shutting && (again || this.queue.length > 0));
    if (again) this.enqueue(item);
    else if (this.processing.size === 0 && this.drainWaiters.length > 0) this.releaseDrainWaiters();
  }

  shutDown(): void {
    this.shutting = true;
    this.handOut();
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w(undefined);
    this.releaseDrainWaiters();
    if (this.processing.size === 0) this.metrics?.stop();
  }

  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  /** Queues a dirty, not-processing item; a waiting worker takes it on the next turn ({@link wake}). */
  private enqueue(item: T): void {
    this.queue.push(item);
    if (this.waiters.length > 0 && !this.waking) {
      this.waking = true;
      onNextTurn(this.clock, this.wake);
    }
  }

  /** Hands queued items to waiting workers (a worker that called `get` meanwhile took its own). */
  private readonly wake = (): void => {
    this.waking = false;
    this.handOut();
  };

  /** Hands queued items to waiting workers, oldest item to the longest waiting worker. */
  private handOut(): void {
    while (this.queue.length > 0 && this.waiters.length > 0) {
      const item = this.queue.shift()!;
      this.startProcessing(item);
      this.waiters.shift()!(item);
    }
  }

  private startProcessing(item: T): void {
    this.processing.add(item);
    this.dirty.delete(item);
    this.metrics?.get(item);
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
