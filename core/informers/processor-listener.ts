import type { KubeObject, ObjectLike } from "../api/object.js";
import type { Logger } from "../log/logger.js";
import { Fifo } from "../workqueue/fifo.js";
import type { ResourceEventHandler } from "./event-handler.js";
import type { Notification } from "./notification.js";

const SCHEDULED = Promise.resolve();

/**
 * One handler with its own unbounded buffer, as client-go's `processorListener`: the informer
 * appends notifications without waiting; a drain loop delivers them in order, awaiting the
 * handler when it returns a promise. A slow handler only grows its own buffer.
 */
export class ProcessorListener<T extends ObjectLike = KubeObject> {
  private readonly buffer = new Fifo<Notification<T>>();
  private draining = false;
  private removed = false;
  /** Initial-list notifications not yet delivered. */
  private initialPending = 0;
  /** Clock time (ms) of this listener's next resync, when it has a resync period. */
  nextResync = Infinity;
  /** The listener the same change woke next, drained right after this one (see {@link drainNext}). */
  private nextWoken: ProcessorListener<T> | undefined;
  /**
   * The handler's methods, read once at registration (as client-go keeps the handler value it was
   * given): a delivery loads them from this one class, not from handler objects of many shapes.
   */
  private readonly onAdd: ResourceEventHandler<T>["onAdd"];
  private readonly onUpdate: ResourceEventHandler<T>["onUpdate"];
  private readonly onDelete: ResourceEventHandler<T>["onDelete"];

  constructor(
    readonly handler: ResourceEventHandler<T>,
    readonly resyncPeriod: number,
    private readonly logger: Logger | undefined,
  ) {
    this.onAdd = handler.onAdd;
    this.onUpdate = handler.onUpdate;
    this.onDelete = handler.onDelete;
  }

  /** Queues a notification; never blocks, never calls the handler synchronously. */
  add(n: Notification<T>): void {
    // A reaction of a settled promise: the same microtask turn as queueMicrotask, without the
    // AsyncResource and closure Node's queueMicrotask makes per call (one per wake-up).
    if (this.offer(n)) this.drainSoon();
  }

  /**
   * Queues the microtask that drains this listener (after {@link offer} answered true), then the
   * listeners chained after it with {@link drainNext}.
   */
  drainSoon(): void {
    void SCHEDULED.then(this.drainJob);
  }

  /**
   * Has `next` (another listener the same change woke, idle until now) drained in this listener's
   * microtask, right after it: the order and turn of a microtask each queued back to back
   * (nothing can queue one between them), without a promise reaction, array or closure per
   * change. Only between {@link offer} answering true for both and {@link drainSoon} on the first.
   */
  drainNext(next: ProcessorListener<T>): void {
    this.nextWoken = next;
  }

  /**
   * Queues a notification without scheduling delivery: true when the listener was idle, and the
   * caller must at once queue the microtask that drains it: {@link drainSoon} (on the first of
   * the listeners one change woke, the others chained with {@link drainNext}).
   */
  offer(n: Notification<T>): boolean {
    if (this.removed) return false;
    this.buffer.push(n);
    if (n.type === "add" && n.initial) this.initialPending++;
    if (this.draining) return false;
    this.draining = true;
    return true;
  }

  /** Delivered everything from the initial list. */
  initialListDelivered(): boolean {
    return this.initialPending === 0;
  }

  /** Notifications waiting for the handler. */
  pending(): number {
    return this.buffer.length;
  }

  /** Stops delivery and drops what is buffered. */
  remove(): void {
    this.removed = true;
    this.buffer.clear();
    this.initialPending = 0;
  }

  private readonly drainJob = (): void => {
    for (let l: ProcessorListener<T> | undefined = this; l !== undefined; ) {
      const next: ProcessorListener<T> | undefined = l.nextWoken;
      l.nextWoken = undefined;
      l.drain();
      l = next;
    }
  };

  /**
   * Delivers the buffer in order (called once per wake-up: from the microtask {@link add} or the
   * caller of {@link offer} queued). Synchronous while handlers answer synchronously (most do: they
   * enqueue a key), so a wake-up allocates no async frame; a handler's promise is awaited before
   * the next notification.
   */
  drain(): void {
    for (let n = this.buffer.shift(); n !== undefined && !this.removed; n = this.buffer.shift()) {
      let result: void | Promise<void> = undefined;
      try {
        result = this.deliver(n);
      } catch (err) {
        this.failed(err, n);
      }
      if (result !== undefined && typeof (result as Partial<Promise<void>>).then === "function") {
        void this.awaitHandler(result, n);
        return;
      }
      this.delivered(n);
    }
    this.draining = false;
  }

  /** Waits for a handler's promise, then drains on. */
  private async awaitHandler(result: Promise<void>, n: Notification<T>): Promise<void> {
    try {
      await result;
    } catch (err) {
      this.failed(err, n);
    }
    this.delivered(n);
    this.drain();
  }

  private delivered(n: Notification<T>): void {
    if (n.type === "add" && n.initial && !this.removed) this.initialPending--;
  }

  private failed(err: unknown, n: Notification<T>): void {
    this.logger?.error("event handler failed", { error: err, event: n.type });
  }

  private deliver(n: Notification<T>): void | Promise<void> {
    switch (n.type) {
      case "add":
        return this.onAdd?.call(this.handler, n.obj, n.initial);
      case "update":
        return this.onUpdate?.call(this.handler, n.oldObj, n.obj);
      case "delete":
        return this.onDelete?.call(this.handler, n.obj);
    }
  }
}
