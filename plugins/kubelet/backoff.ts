import type { Clock } from "../../core/clock/clock.js";

/**
 * The kubelet's per-key exponential backoff (client-go's `flowcontrol.Backoff`, as used for
 * container restarts and image pulls): `next(key, at)` starts at 10 s and doubles to the cap;
 * an entry untouched for twice the cap (10 min) starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, { delay: number; lastUpdate: number }>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** Records a failure at `at` and returns the delay that now applies. */
  next(key: string, at: number): number {
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delay: this.initialMs, lastUpdate: at });
      return this.initialMs;
    }
    e.delay = Math.min(e.delay * 2, this.maxMs);
    e.lastUpdate = at;
    return e.delay;
  }

  /** The delay in force for `key` (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.delay ?? 0;
  }

  /** When the backoff for an event at `since` ends, or undefined when `key` is not backing off. */
  until(key: string, since: number): number | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const now = this.clock.now();
    if (now - e.lastUpdate > 2 * this.maxMs) return undefined;
    const end = since + e.delay;
    return now < end ? end : undefined;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod's entries when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
