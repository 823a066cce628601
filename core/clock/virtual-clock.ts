import { sleepOn, type Clock, type TimerHandle } from "./clock.js";
import { IndexedHeap } from "../collections/indexed-heap.js";

/** At most this many timers of one instant fire in one auto-mode turn (the rest in the next turns), so real timers and I/O still get turns. */
const INSTANT_BATCH = 1024;

/**
 * Turns in a row that time waits for pending wake-ups ({@link VirtualClock.nextTurn}) before it
 * moves anyway: a chain of that many work queue hops (a Deployment's reconcile, its ReplicaSet's,
 * the endpoints') keeps its instant. In auto mode the turns are a budget, refilled when the clock
 * finds no wake-up pending as it is about to move: a process that wakes a queue
 * every turn (steady load) uses it up once, then sees time move as often as without wake-ups.
 */
export const WAKE_TURNS = 8;

interface VirtualTimer extends TimerHandle {
  deadline: number;
  /** Creation order; breaks ties between equal deadlines. */
  readonly seq: number;
  readonly fn: () => void;
  /** Repeat period for intervals, undefined for one-shot timers. */
  readonly period: number | undefined;
  cancelled: boolean;
  /** Position in the timer heap (kept by IndexedHeap). */
  heapIndex: number;
}

export interface VirtualClockOptions {
  /** Start time in ms since the epoch (default 2026-01-01T00:00:00Z, fixed for reproducibility). */
  start?: number;
  /** Jump to the next timer whenever nothing else is runnable (default false). */
  auto?: boolean;
}

/** Lets pending promise continuations and ready I/O callbacks run before time moves on. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Deterministic time. Time moves only through {@link advance}, {@link runUntilIdle} or, in auto
 * mode, by jumping to the next timer whenever the process has nothing else to run (then every
 * timer due at that instant fires in the same turn). Timers fire in deadline order, ties in
 * creation order; between two timers pending promise continuations run, so
 * `await clock.sleep(…)` chains behave as they would on real time, and so do pending wake-ups
 * ({@link nextTurn}) for a bounded number of turns.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap = new IndexedHeap<VirtualTimer>((a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq));
  private autoMode: boolean;
  private autoScheduled = false;
  private autoImmediate: NodeJS.Immediate | undefined;
  /** Off-clock work in flight (see {@link hold}): auto mode waits for it. */
  private held = 0;
  /** Wake-ups queued by {@link nextTurn} that have not run yet. */
  private wakes = 0;
  /** Turns auto mode may still wait for pending wake-ups (see {@link WAKE_TURNS}). */
  private wakeBudget = WAKE_TURNS;
  private firedCount = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2026, 0, 1);
    this.autoMode = options.auto ?? false;
  }

  now(): number {
    return this.current;
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.heap.size;
  }

  /** Timers fired so far (a bench's measure of how fast the simulation moves). */
  get fired(): number {
    return this.firedCount;
  }

  /** Off-clock work in flight ({@link hold}): while above 0, auto mode fires no timer. */
  get holding(): number {
    return this.held;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), undefined);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.cancel(handle as VirtualTimer);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const period = Math.max(1, ms);
    return this.add(fn, period, period);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    if (handle) this.cancel(handle as VirtualTimer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Auto mode does not fire timers while `work` is in flight: real work (a WebCrypto signature)
   * takes no simulated time however loaded the machine is. `advance` and `runUntilIdle` are not
   * affected.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    this.held++;
    return work.finally(() => {
      this.held--;
      if (this.held === 0) this.scheduleAuto();
    });
  }

  /** Wake-ups ({@link nextTurn}) queued and not run yet. */
  get waking(): number {
    return this.wakes;
  }

  /**
   * Runs `fn` on the next event-loop turn (a work queue waking its worker). Time waits for it:
   * auto mode and the settling between timers of `advance` and `runUntilIdle` let pending
   * wake-ups, and the wake-ups they queue, run first, for at most {@link WAKE_TURNS} turns in a
   * row (in auto mode fewer, down to none, while steady load keeps some pending); then time moves
   * on whatever is pending.
   */
  nextTurn(fn: () => void): void {
    this.wakes++;
    setImmediate(this.runWake, fn);
  }

  private readonly runWake = (fn: () => void): void => {
    this.wakes--;
    fn();
  };

  /** Lets pending continuations and ready I/O callbacks run, then pending wake-ups (bounded, see {@link nextTurn}). */
  private async settle(): Promise<void> {
    await settle();
    for (let turns = 0; this.wakes > 0 && turns < WAKE_TURNS; turns++) await settle();
  }

  /** Turns automatic mode on or off. */
  setAuto(on: boolean): void {
    this.autoMode = on;
    if (on) this.scheduleAuto();
    else this.stopAuto();
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in order, letting pending
   * continuations run after each one. Time ends exactly at now + ms.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await this.settle();
    for (;;) {
      const next = this.heap.peek();
      if (!next || next.deadline > target) break;
      this.fireNext();
      await this.settle();
    }
    this.current = Math.max(this.current, target);
  }

  /**
   * Fires timers (jumping time to each deadline) until none remain, letting continuations run in
   * between. Stops with an error after `maxTimers` firings, which means something keeps
   * rescheduling forever (an interval, a polling loop).
   */
  async runUntilIdle(maxTimers = 100_000): Promise<void> {
    await this.settle();
    let fired = 0;
    while (this.heap.size > 0) {
      if (fired++ >= maxTimers) {
        throw new Error(`VirtualClock.runUntilIdle: still busy after ${maxTimers} timers (an interval or a polling loop keeps rescheduling); use advance(ms) instead`);
      }
      this.fireNext();
      await this.settle();
    }
  }

  private add(fn: () => void, delay: number, period: number | undefined): VirtualTimer {
    const timer: VirtualTimer = { id: ++this.seq, seq: this.seq, deadline: this.current + delay, fn, period, cancelled: false, heapIndex: -1 };
    this.heap.push(timer);
    this.scheduleAuto();
    return timer;
  }

  private cancel(timer: VirtualTimer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.heap.remove(timer);
    if (this.heap.size === 0) this.stopAuto();
  }

  private fireNext(): void {
    const timer = this.heap.pop();
    if (timer) this.fire(timer);
  }

  /** Runs `timer` (already out of the heap) at its deadline; an interval goes back in for its next period. */
  private fire(timer: VirtualTimer): void {
    this.firedCount++;
    if (timer.deadline > this.current) this.current = timer.deadline;
    if (timer.period !== undefined) {
      timer.deadline = this.current + timer.period;
      this.heap.push(timer);
    } else {
      timer.cancelled = true;
    }
    timer.fn();
  }

  /**
   * Auto mode's step: time jumps to the earliest deadline and every timer due at that instant
   * (up to {@link INSTANT_BATCH}, in order) fires in this turn, each from its own immediate so
   * pending continuations run between two of them, as Node runs the timers due in one
   * timers phase. One turn per instant, not per timer: 150,000 pods starting at the same
   * simulated instant need not wait two event-loop turns each, and the controllers watching
   * them see the instant's changes together. Timers cancelled by an earlier one do not fire;
   * timers added meanwhile wait for the next step.
   */
  private fireInstant(): void {
    const first = this.heap.peek();
    if (!first) return;
    const at = first.deadline;
    const batch: VirtualTimer[] = [];
    while (batch.length < INSTANT_BATCH && this.heap.peek()?.deadline === at) batch.push(this.heap.pop()!);
    if (at > this.current) this.current = at;
    for (const timer of batch) {
      setImmediate(() => {
        if (timer.cancelled) return;
        if (!this.autoMode) this.heap.push(timer); // stopped mid-instant: the rest waits in the heap
        else this.fire(timer);
      });
    }
    // After the batch's immediates (queued behind them), look for the next instant.
    setImmediate(() => this.scheduleAuto());
  }

  /**
   * Auto mode: after the process has drained its current work (two setImmediate turns, then as
   * many more as pending wake-ups need, within {@link WAKE_TURNS}), fire the next instant.
   */
  private scheduleAuto(): void {
    if (!this.autoMode || this.autoScheduled || this.heap.size === 0 || this.held > 0) return;
    this.autoScheduled = true;
    // Two turns: the first lets I/O callbacks that are ready now run and queue their follow-ups.
    this.autoImmediate = setImmediate(() => {
      this.autoImmediate = setImmediate(this.autoStep);
    });
  }

  private readonly autoStep = (): void => {
    // A wake-up pending now was queued after this step: it runs before a step queued now.
    if (this.wakes === 0) {
      this.wakeBudget = WAKE_TURNS;
    } else if (this.wakeBudget > 0) {
      this.wakeBudget--;
      this.autoImmediate = setImmediate(this.autoStep);
      return;
    }
    this.autoScheduled = false;
    this.autoImmediate = undefined;
    if (!this.autoMode || this.held > 0) return; // the last hold to end schedules again
    this.fireInstant();
  };

  private stopAuto(): void {
    if (this.autoImmediate) clearImmediate(this.autoImmediate);
    this.autoImmediate = undefined;
    this.autoScheduled = false;
  }
}
