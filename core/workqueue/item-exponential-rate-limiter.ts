import type { RateLimiter } from "./rate-limiter.js";

/**
 * Per-item exponential backoff: `baseDelay × 2^failures`, capped at `maxDelay` (ms), as
 * client-go's `ItemExponentialFailureRateLimiter`.
 */
export class ItemExponentialFailureRateLimiter<T = string> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    readonly baseDelay: number,
    readonly maxDelay: number,
  ) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const backoff = this.baseDelay * 2 ** exp;
    return Number.isFinite(backoff) && backoff <= this.maxDelay ? backoff : this.maxDelay;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}
