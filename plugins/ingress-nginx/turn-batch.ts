/** Work waiting for the batch to start it. */
export interface Deferred {
  /** Starts the work; called once per {@link TurnBatch.defer}. */
  runDeferred(): void;
}

/**
 * Starts deferred work in batches, one per turn of the event loop: everything deferred while the
 * loop polls (the requests read in one wakeup, each in its own socket callback) starts together in
 * the loop's check phase, one `setImmediate` for all of them. Their asynchronous steps (the
 * simulated network's deliveries, the upstream's answers) then run side by side in the same
 * microtask queue, each step for every request back to back, as the in-process request path runs
 * several requests at once, rather than each request start to finish in its own callback. Order is
 * kept: work starts in the order it was deferred; work deferred while a batch runs waits for the
 * next turn. An exception from one item does not stop the others (it is rethrown, uncaught, as a
 * callback's would be).
 */
export class TurnBatch {
  private queue: Deferred[] = [];
  private scheduled = false;

  defer(item: Deferred): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  /** The check phase's batch: what was deferred until now (a new list takes what is deferred meanwhile). */
  private readonly run = (): void => {
    this.scheduled = false;
    const due = this.queue;
    this.queue = [];
    for (const item of due) {
      try {
        item.runDeferred();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };
}
