import { sleepOn, type Clock, type TimerHandle } from "./clock.js";

interface RealHandle extends TimerHandle {
  readonly timer: NodeJS.Timeout;
}

/** Wall-clock time and Node's timers. */
export class RealClock implements Clock {
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: RealHandle = { id: this.nextId++, timer: setTimeout(fn, Math.max(0, ms)) };
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) clearTimeout((handle as RealHandle).timer);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const handle: RealHandle = { id: this.nextId++, timer: setInterval(fn, Math.max(1, ms)) };
    return handle;
  }

  clearInterval(handle: TimerHandle | undefined): void {
    if (handle) clearInterval((handle as RealHandle).timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}
