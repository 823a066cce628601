/** Bounds on concurrent requests, as kube-apiserver's `--max-requests-inflight` / `--max-mutating-requests-inflight`. */
export interface InFlightLimits {
  /** Non-mutating requests (get, list) in flight at once (default 400; kube's default too). */
  readOnly: number;
  /** Mutating requests (POST, PUT, PATCH, DELETE) in flight at once (default 200, as kube's). */
  mutating: number;
}

export const DEFAULT_IN_FLIGHT_LIMITS: InFlightLimits = Object.freeze({ readOnly: 400, mutating: 200 });

/**
 * Counts requests in flight per class. Long-running requests (watches, streams) are not
 * counted, as in kube-apiserver. `tryAcquire` returns a release function, or undefined when the
 * class is full (→ 429 with Retry-After).
 */
export class InFlightLimiter {
  private readOnly = 0;
  private mutating = 0;

  constructor(private readonly limits: InFlightLimits = DEFAULT_IN_FLIGHT_LIMITS) {}

  tryAcquire(isMutating: boolean): (() => void) | undefined {
    if (isMutating) {
      if (this.mutating >= this.limits.mutating) return undefined;
      this.mutating++;
    } else {
      if (this.readOnly >= this.limits.readOnly) return undefined;
      this.readOnly++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (isMutating) this.mutating--;
      else this.readOnly--;
    };
  }

  get inFlight(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }
}
