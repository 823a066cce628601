import type { Clock } from "../clock/clock.js";
import { badRequest, StatusError } from "../api/status.js";
import type { Store } from "../store/store.js";

/** How long a read waits for the store to reach the resourceVersion it asked for (the watch cache's `blockTimeout`). */
export const FRESHNESS_TIMEOUT_MS = 3_000;

/** `retryAfterSeconds` of the 504 after that wait (the cacher's `resourceVersionTooHighRetrySeconds`). */
export const TOO_LARGE_RETRY_SECONDS = 1;

/** A request's resourceVersion as a revision: 0 for "" and "0" (any), 400 for anything but a decimal integer. */
export function parseResourceVersion(rv: string | undefined): number {
  if (!rv) return 0;
  const n = /^\d+$/.test(rv) ? Number(rv) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid resource version: ${rv}`);
  return n;
}

/**
 * `504 Timeout: Too large resource version: N, current: M` (storage.NewTooLargeResourceVersionError):
 * the store has not reached the revision a read needs. `retryAfterSeconds` 0 is left out, as Go's omitempty does.
 */
export function tooLargeResourceVersion(minimum: number, current: number, retryAfterSeconds: number): StatusError {
  return new StatusError({
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `Timeout: Too large resource version: ${minimum}, current: ${current}`,
    reason: "Timeout",
    details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    code: 504,
  });
}

/**
 * Waits until the store's revision reaches `revision` (at once when it has), at most `timeoutMs`
 * of the clock; answers whether it did. A write to any key moves the revision, so one watch on
 * the whole keyspace sees it.
 */
export function waitForRevision(store: Store, clock: Clock, revision: number, timeoutMs = FRESHNESS_TIMEOUT_MS): Promise<boolean> {
  if (store.currentRevision() >= revision) return Promise.resolve(true);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reached: boolean): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      watch.stop();
      resolve(reached);
    };
    const timer = clock.setTimeout(() => finish(false), timeoutMs);
    const watch = store.watch("/", { revision: store.currentRevision() }, (event) => {
      if (event.revision >= revision) finish(true);
    });
  });
}

/** The freshness wait and its 504, as the watch cache applies it to a read needing at least `minimum`. */
export async function awaitFreshness(store: Store, clock: Clock, minimum: number): Promise<void> {
  if (store.currentRevision() >= minimum) return;
  if (!(await waitForRevision(store, clock, minimum))) throw tooLargeResourceVersion(minimum, store.currentRevision(), TOO_LARGE_RETRY_SECONDS);
}
