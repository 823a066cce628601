import type { Clock, TimerHandle } from "../clock/clock.js";

/** How often the unfinished-work gauges are refreshed while items are being processed (client-go: 500 ms). */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/** A queue's metrics as the refresher sees them. */
export interface UnfinishedWorkGauges {
  /** Sets the unfinished-work and longest-running gauges from the items being processed now. */
  updateUnfinishedWork(): void;
}

/**
 * One clock interval refreshing the unfinished-work gauges of every busy queue on a clock
 * (client-go runs one ticker per queue; the figures are the same). It runs only while some queue
 * is processing, so an idle process holds no timer; a queue going busy or idle while another one
 * is busy costs a set insert or delete, not a timer created and cancelled (a controller's queue
 * goes idle after nearly every sync).
 */
export class UnfinishedWorkRefresher {
  private static readonly byClock = new WeakMap<Clock, UnfinishedWorkRefresher>();

  /** The refresher of `clock`, shared by every queue keeping metrics on it. */
  static of(clock: Clock): UnfinishedWorkRefresher {
    let r = UnfinishedWorkRefresher.byClock.get(clock);
    if (!r) UnfinishedWorkRefresher.byClock.set(clock, (r = new UnfinishedWorkRefresher(clock)));
    return r;
  }

  private readonly busy = new Set<UnfinishedWorkGauges>();
  private ticker: TimerHandle | undefined;

  private constructor(private readonly clock: Clock) {}

  /** `gauges` has items being processed: refreshed every period from now on. */
  start(gauges: UnfinishedWorkGauges): void {
    this.busy.add(gauges);
    this.ticker ??= this.clock.setInterval(() => this.refresh(), UNFINISHED_WORK_UPDATE_PERIOD_MS);
  }

  /** `gauges` is idle (or shut down): no longer refreshed; the timer goes once no queue is busy. */
  stop(gauges: UnfinishedWorkGauges): void {
    if (!this.busy.delete(gauges) || this.busy.size > 0) return;
    this.clock.clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private refresh(): void {
    for (const g of this.busy) g.updateUnfinishedWork();
  }
}
