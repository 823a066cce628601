import type { Clock } from "../../../../core/index.js";

/** How long expectations are trusted before a controller syncs anyway (upstream's ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  /** Keys of pods whose deletion is awaited (UIDTrackingControllerExpectations). */
  deletes: Set<string>;
  timestamp: number;
}

/**
 * What a controller has asked the API server to create and delete and not yet seen come back
 * through its informer (pkg/controller's ControllerExpectations with deletion tracking by pod
 * key). While a controller's expectations are unmet its sync does not create or delete again, so
 * watch lag never causes double creates. Expectations older than five minutes count as met.
 */
export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** True when the controller may create or delete: no expectation, all observed, or expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.deletes.size === 0) return true;
    return this.clock.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { add: n, deletes: new Set(), timestamp: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.byKey.set(key, { add: 0, deletes: new Set(podKeys), timestamp: this.clock.now() });
  }

  /** A create came back through the informer, or failed / was skipped (lowers the expectation). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
