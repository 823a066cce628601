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
  /** Position in the heap. */
  index: number;
}

/**
 * Holds delayed items in a min-heap by ready time (one entry per item) and keeps a single clock
 * timer for the earliest; ready items are added to the decorated queue. Shutting down drops the
 * waiting items and the timer.
 */
export class DelayingQueue<T extends NonNullable<unknown> = string> extends ForwardingQueue<T> implements DelayingWorkQueue<T> {
  private readonly clock: Clock;
  private readonly heap: WaitingItem<T>[] = [];
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
        this.siftUp(existing.index);
      }
    } else {
      const entry: WaitingItem<T> = { item, readyAt, seq: this.seq++, index: this.heap.length };
      this.waiting.set(item, entry);
      this.heap.push(entry);
      this.siftUp(entry.index);
    }
    this.schedule();
  }

  /** Items waiting for their delay to pass. */
  waitingCount(): number {
    return this.heap.length;
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
    this.heap.length = 0;
    this.waiting.clear();
  }

  /** Keeps exactly one timer, due at the earliest ready time. */
  private schedule(): void {
    const next = this.heap[0];
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
    while (this.heap.length > 0 && this.heap[0]!.readyAt <= now) {
      const entry = this.pop();
      this.waiting.delete(entry.item);
      this.inner.add(entry.item);
    }
    this.schedule();
  }

  // Binary min-heap on (readyAt, seq), tracking each entry's index so an earlier re-add can sift up.
  private less(a: WaitingItem<T>, b: WaitingItem<T>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private pop(): WaitingItem<T> {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      last.index = 0;
      this.siftDown(0);
    }
    return top;
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    a.index = j;
    b.index = i;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && this.less(heap[l]!, heap[smallest]!)) smallest = l;
      if (r < heap.length && this.less(heap[r]!, heap[smallest]!)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
