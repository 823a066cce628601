import { IndexedHeap } from "../collections/indexed-heap.js";
import type { Clock, TimerHandle } from "../clock/clock.js";
import type { CounterMetric, MetricsProvider } from "./metrics.js";
import { ForwardingQueue } from "./forwarding-queue.js";
import { BasicQueue, type WorkQueue } from "./queue.js";

/** A work queue that can also add an item after a delay, as client-go's `DelayingInterface`. */
export interface DelayingWorkQueue<T extends NonNullable<unknown> = string> extends WorkQueue<T> {
  /**
   * Adds `item` once `ms` have passed on the clock (at once when `ms` ≤ 0). An item already
   * waiting keeps the earlier of its two ready times.
   */
  addAfter(item: T, ms: number): void;
}

export interface DelayingQueueOptions<T extends NonNullable<unknown>> {
  clock: Clock;
  /** The queue ready items go to (default: a new {@link BasicQueue} with the same name and metrics). */
  queue?: WorkQueue<T>;
  name?: string;
  metricsProvider?: MetricsProvider;
}

interface WaitingItem<T> {
  readonly item: T;
  readyAt: number;
  /** Insertion order: breaks ties so equal ready times keep their add order. */
  readonly seq: number;
  /** Position in the heap (kept by IndexedHeap). */
  heapIndex: number;
}

/**
 * Holds delayed items in a min-heap by ready time (one entry per item) and keeps a single clock
 * timer for the earliest; ready items are added to the decorated queue. Shutting down drops the
 * waiting items and the timer.
 */
export class DelayingQueue<T extends NonNullable<unknown> = string> extends ForwardingQueue<T> implements DelayingWorkQueue<T> {
  private readonly clock: Clock;
  private readonly heap = new IndexedHeap<WaitingItem<T>>((a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq));
  private readonly waiting = new Map<T, WaitingItem<T>>();
  private readonly retries: CounterMetric | undefined;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerDeadline = Infinity;

  constructor(options: DelayingQueueOptions<T>) {
    super(options.queue ?? new BasicQueue<T>({ name: options.name, metricsProvider: options.metricsProvider, clock: options.clock }));
    this.clock = options.clock;
    this.retries = options.metricsProvider?.newRetriesMetric(options.name ?? "");
  }

  addAfter(item: T, ms: number): void {
    if (this.inner.shuttingDown()) return;
    this.retries?.inc();
    if (!(ms > 0)) {
      this.inner.add(item);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.heap.update(existing);
      }
    } else {
      const entry: WaitingItem<T> = { item, readyAt, seq: this.seq++, heapIndex: -1 };
      this.waiting.set(item, entry);
      this.heap.push(entry);
    }
    this.schedule();
  }

  /** Items waiting for their delay to pass. */
  waitingCount(): number {
    return this.heap.size;
  }

  override shutDown(): void {
    this.stopWaiting();
    this.inner.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.stopWaiting();
    return this.inner.shutDownWithDrain();
  }

  private stopWaiting(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadline = Infinity;
    while (this.heap.pop());
    this.waiting.clear();
  }

  /** Keeps exactly one timer, due at the earliest ready time. */
  private schedule(): void {
    const next = this.heap.peek();
    if (!next) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDeadline = Infinity;
      return;
    }
    if (this.timer !== undefined && this.timerDeadline <= next.readyAt) return;
    this.clock.clearTimeout(this.timer);
    this.timerDeadline = next.readyAt;
    this.timer = this.clock.setTimeout(() => this.fireReady(), next.readyAt - this.clock.now());
  }

  private fireReady(): void {
    this.timer = undefined;
    this.timerDeadline = Infinity;
    const now = this.clock.now();
    for (let entry = this.heap.peek(); entry && entry.readyAt <= now; entry = this.heap.peek()) {
      this.heap.pop();
      this.waiting.delete(entry.item);
      this.inner.add(entry.item);
    }
    this.schedule();
  }
}
