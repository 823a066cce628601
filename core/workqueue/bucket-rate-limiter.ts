import type { Clock } from "../clock/clock.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface BucketRateLimiterOptions {
  clock: Clock;
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many items may go at once after a quiet period. */
  burst: number;
}

/**
 * An overall token bucket, as client-go's `BucketRateLimiter` over `rate.Limiter`: each `when`
 * reserves one token; while tokens last the delay is 0, after that each reservation waits for its
 * token to be refilled (reservations queue up: the n-th extra item waits n/qps seconds). Tracks
 * no items, so `forget` does nothing and `numRequeues` is 0.
 */
export class BucketRateLimiter<T = string> implements RateLimiter<T> {
  private readonly clock: Clock;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(options: BucketRateLimiterOptions) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new Error(`BucketRateLimiter: qps must be > 0 and burst ≥ 1 (got qps ${options.qps}, burst ${options.burst})`);
    this.clock = options.clock;
    this.qps = options.qps;
    this.burst = options.burst;
    this.tokens = options.burst;
    this.last = options.clock.now();
  }

  when(_item: T): number {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
      this.last = now;
    }
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}
