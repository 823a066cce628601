import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";

export interface BackoffOptions {
  /** First delay (ms); client-go's reflector: 800 ms. */
  initialMs?: number;
  /** Largest delay before jitter (ms); reflector: 30 s. */
  maxMs?: number;
  /** With no backoff for this long (ms), start over from `initialMs`; reflector: 2 min. */
  resetMs?: number;
  factor?: number;
  /** Adds up to `jitter × delay` when a `random` source is given; reflector: 1.0. */
  jitter?: number;
  random?: Random;
}

/**
 * Exponential backoff measured on the clock, as apimachinery's `exponentialBackoffManager`:
 * each `next()` doubles the delay up to the cap; a quiet period resets it. Deterministic unless a
 * seeded `random` is supplied for jitter.
 */
export class ExponentialBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: Random | undefined;
  private delay: number;
  private lastStart: number | undefined;

  constructor(private readonly clock: Clock, options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.resetMs = options.resetMs ?? 120_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1;
    this.random = options.random;
    this.delay = this.initialMs;
  }

  /** The next delay (ms). */
  next(): number {
    const now = this.clock.now();
    if (this.lastStart === undefined || now - this.lastStart > this.resetMs) this.delay = this.initialMs;
    this.lastStart = now;
    const base = this.delay;
    this.delay = Math.min(this.delay * this.factor, this.maxMs);
    return this.random && this.jitter > 0 ? base + this.random.next() * this.jitter * base : base;
  }
}
