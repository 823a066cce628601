import type { Clock } from "../clock/clock.js";
import { DelayingQueue, type DelayingWorkQueue } from "./delaying-queue.js";
import { ForwardingQueue } from "./forwarding-queue.js";
import type { MetricsProvider } from "./metrics.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** A delaying queue that also retries items with backoff, as client-go's `RateLimitingInterface`. */
export interface RateLimitingWorkQueue<T extends NonNullable<unknown> = string> extends DelayingWorkQueue<T> {
  /** Adds `item` after the rate limiter says it may go (one more failure for it). */
  addRateLimited(item: T): void;
  /**
   * Stops tracking `item` in the rate limiter (its backoff starts over). Call it when the item
   * succeeded or is given up on; it does not remove the item from the queue.
   */
  forget(item: T): void;
  /** How many times `item` has been rate-limited since it was last forgotten. */
  numRequeues(item: T): number;
}

export interface RateLimitingQueueOptions<T extends NonNullable<unknown>> {
  clock: Clock;
  /** Default: {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter<T>;
  /** The delaying queue to decorate (default: a new {@link DelayingQueue} with the same name and metrics). */
  queue?: DelayingWorkQueue<T>;
  name?: string;
  metricsProvider?: MetricsProvider;
}

/** The queue controllers use: rate-limited wraps delaying wraps basic. */
export class RateLimitingQueue<T extends NonNullable<unknown> = string> extends ForwardingQueue<T, DelayingWorkQueue<T>> implements RateLimitingWorkQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(options: RateLimitingQueueOptions<T>) {
    super(options.queue ?? new DelayingQueue<T>({ clock: options.clock, name: options.name, metricsProvider: options.metricsProvider }));
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(options.clock);
  }

  addAfter(item: T, ms: number): void {
    this.inner.addAfter(item, ms);
  }

  addRateLimited(item: T): void {
    this.inner.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
