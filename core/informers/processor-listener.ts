import type { KubeObject, ObjectLike } from "../api/object.js";
import type { Logger } from "../log/logger.js";
import { Fifo } from "../workqueue/fifo.js";
import type { ResourceEventHandler } from "./event-handler.js";
import type { Notification } from "./notification.js";

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

  constructor(
    readonly handler: ResourceEventHandler<T>,
    readonly resyncPeriod: number,
    private readonly logger: Logger | undefined,
  ) {}

  /** Queues a notification; never blocks, never calls the handler synchronously. */
  add(n: Notification<T>): void {
    if (this.removed) return;
    this.buffer.push(n);
    if (n.type === "add" && n.initial) this.initialPending++;
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
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

  private async drain(): Promise<void> {
    for (let n = this.buffer.shift(); n !== undefined && !this.removed; n = this.buffer.shift()) {
      try {
        const result = this.deliver(n);
        if (result !== undefined) await result;
      } catch (err) {
        this.logger?.error("event handler failed", { error: err, event: n.type });
      }
      if (n.type === "add" && n.initial && !this.removed) this.initialPending--;
    }
    this.draining = false;
  }

  private deliver(n: Notification<T>): void | Promise<void> {
    const h = this.handler;
    switch (n.type) {
      case "add":
        return h.onAdd?.(n.obj, n.initial);
      case "update":
        return h.onUpdate?.(n.oldObj, n.obj);
      case "delete":
        return h.onDelete?.(n.obj);
    }
  }
}
