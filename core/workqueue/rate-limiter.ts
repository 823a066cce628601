import type { Clock } from "../clock/clock.js";
import { BucketRateLimiter } from "./bucket-rate-limiter.js";
import { ItemExponentialFailureRateLimiter } from "./item-exponential-rate-limiter.js";

/** How long to wait before retrying an item, as client-go's `workqueue.RateLimiter`. */
export interface RateLimiter<T = string> {
  /** The delay (ms) before `item` may be processed again; records one more failure for it. */
  when(item: T): number;
  /** Stops tracking `item` (it succeeded or was given up on); its backoff starts over. */
  forget(item: T): void;
  /** How many times `item` has failed (been through `when`) since it was last forgotten. */
  numRequeues(item: T): number;
}

/** The longest delay of several limiters; forgets in all of them (client-go's `MaxOfRateLimiter`). */
export class MaxOfRateLimiter<T = string> implements RateLimiter<T> {
  private readonly limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new Error("MaxOfRateLimiter needs at least one rate limiter");
    this.limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-item exponential backoff from 5 ms to 1000 s,
 * capped overall by a token bucket of 10 per second with a burst of 100.
 */
export function defaultControllerRateLimiter<T = string>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>({ clock, qps: 10, burst: 100 }));
}
