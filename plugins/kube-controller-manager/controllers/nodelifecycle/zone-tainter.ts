import type { Clock, TimerHandle } from "../../../../core/index.js";

/**
 * One zone's rate-limited queue of nodes waiting for their NoExecute taint (upstream's
 * RateLimitedTimedQueue in zoneNoExecuteTainter): nodes leave it in the order they came, at most
 * `qps` per second with a burst of one (a token bucket that starts full), and not at all while the
 * rate is 0 (an unhealthy zone of a small cluster). `work` returns false to try the node again
 * later. Timers run only while nodes wait.
 */
export class ZoneTainter {
  private readonly waiting = new Set<string>();
  private tokens = 1;
  private refilledAt: number;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly clock: Clock, private qps: number, private readonly work: (node: string) => Promise<boolean>) {
    this.refilledAt = clock.now();
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Queues a node (no-op when it already waits). */
  add(node: string): void {
    if (this.waiting.has(node)) return;
    this.waiting.add(node);
    this.kick();
  }

  /** Takes a node out of the queue (it became ready or was deleted). */
  remove(node: string): void {
    this.waiting.delete(node);
  }

  /** Changes the rate (upstream's SwapLimiter): a fresh bucket with one token, or none at 0. */
  swapLimiter(qps: number): void {
    if (qps === this.qps) return;
    this.qps = qps;
    this.tokens = qps > 0 ? 1 : 0;
    this.refilledAt = this.clock.now();
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.qps > 0) this.tokens = Math.min(1, this.tokens + ((now - this.refilledAt) * this.qps) / 1000);
    this.refilledAt = now;
  }

  private kick(): void {
    if (this.stopped || this.timer || this.waiting.size === 0 || this.qps <= 0) return;
    this.refill();
    const delay = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.qps);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delay);
  }

  private drain(): void {
    if (this.stopped) return;
    this.refill();
    while (this.waiting.size > 0 && this.tokens >= 1 - 1e-9) {
      this.tokens -= 1;
      const node = this.waiting.values().next().value as string;
      this.waiting.delete(node);
      void this.work(node).then(
        (done) => {
          if (!done && !this.stopped) this.add(node);
        },
        () => {
          if (!this.stopped) this.add(node);
        },
      );
    }
    this.kick();
  }
}
