import type { WorkQueue } from "./queue.js";

/**
 * A queue that forwards every {@link WorkQueue} call to the queue it decorates; the delaying and
 * rate-limiting queues extend it and add their own methods (client-go layers them the same way).
 */
export abstract class ForwardingQueue<T extends NonNullable<unknown>, Inner extends WorkQueue<T> = WorkQueue<T>> implements WorkQueue<T> {
  constructor(protected readonly inner: Inner) {}

  add(item: T): void {
    this.inner.add(item);
  }

  len(): number {
    return this.inner.len();
  }

  get(): Promise<T | undefined> {
    return this.inner.get();
  }

  done(item: T): void {
    this.inner.done(item);
  }

  shutDown(): void {
    this.inner.shutDown();
  }

  shutDownWithDrain(): Promise<void> {
    return this.inner.shutDownWithDrain();
  }

  shuttingDown(): boolean {
    return this.inner.shuttingDown();
  }
}
