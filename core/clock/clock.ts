import { token } from "../di/token.js";

/** Opaque handle of a timer created by a {@link Clock}. */
export interface TimerHandle {
  readonly id: number;
}

/**
 * Time as every kubesim component sees it. All timers, sleeps, backoffs, leases and timeouts go
 * through the injected Clock, never through the global timer functions, so a virtual clock can
 * drive a whole cluster deterministically.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Runs `fn` every `ms` (at least 1 ms). */
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
  /** Resolves after `ms`; rejects with an `AbortError` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Work done off the clock that the simulation waits for (WebCrypto signing on the thread
   * pool): a virtual clock moving on its own does not jump while it is in flight, so how long
   * the machine takes to do it never shows as simulated time. Returns `work` (or a promise
   * settling as it does). Optional: real time needs nothing.
   */
  hold?<T>(work: Promise<T>): Promise<T>;
  /**
   * Runs `fn` on the next event-loop turn (`setImmediate`), as a goroutine woken by another runs
   * after it: a work queue waking its idle worker. A virtual clock moving on its own lets such
   * wake-ups run before it moves time, for a bounded number of turns in a row, so a chain of them
   * takes no simulated time yet work that never stops cannot stop time. Optional: without it,
   * `setImmediate`.
   */
  nextTurn?(fn: () => void): void;
}

/** `work`, held by the clock when it can hold (see {@link Clock.hold}). */
export function offClock<T>(clock: Clock, work: Promise<T>): Promise<T> {
  return clock.hold ? clock.hold(work) : work;
}

/** Runs `fn` on the next event-loop turn, through the clock when it counts such turns (see {@link Clock.nextTurn}). */
export function onNextTurn(clock: Clock | undefined, fn: () => void): void {
  if (clock?.nextTurn) clock.nextTurn(fn);
  else setImmediate(fn);
}

export const Clock = token<Clock>("Clock");

/** The error `sleep` rejects with when aborted (same name as DOM's AbortError). */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error("The operation was aborted");
  err.name = "AbortError";
  return err;
}

/**
 * The sleeps waiting on each signal: one `abort` listener per signal runs them all. A runtime's
 * or a component's stop signal has hundreds of sleeps in flight, and an EventTarget adds and
 * removes listeners by scanning the ones it holds.
 */
const sleepsOn = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, fn: () => void): Set<() => void> {
  let sleeps = sleepsOn.get(signal);
  if (!sleeps) {
    const all = (sleeps = new Set());
    sleepsOn.set(signal, all);
    signal.addEventListener(
      "abort",
      () => {
        sleepsOn.delete(signal);
        for (const f of all) f();
      },
      { once: true },
    );
  }
  sleeps.add(fn);
  return sleeps;
}

/** Shared implementation of `sleep` on top of a clock's timers. */
export function sleepOn(clock: Pick<Clock, "setTimeout" | "clearTimeout">, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    if (!signal) {
      clock.setTimeout(resolve, ms);
      return;
    }
    let handle: TimerHandle | undefined;
    const aborted = (): void => {
      clock.clearTimeout(handle);
      reject(abortError(signal));
    };
    const sleeps = onAbort(signal, aborted);
    handle = clock.setTimeout(() => {
      sleeps.delete(aborted);
      resolve();
    }, ms);
  });
}
