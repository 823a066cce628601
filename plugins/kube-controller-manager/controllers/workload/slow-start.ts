/** Upstream's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH = 1;

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (each batch in parallel), stopping after the
 * first batch with a failure (controller.slowStartBatch): a quota or admission refusal costs one
 * call, not hundreds. Returns how many succeeded and the first error.
 */
export async function slowStartBatch(count: number, fn: (i: number) => Promise<void>, initial = SLOW_START_INITIAL_BATCH): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let done = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(done + k)));
    done += batch;
    remaining -= batch;
    let error: unknown;
    for (const r of results) {
      if (r.status === "fulfilled") successes++;
      else error ??= r.reason;
    }
    if (error !== undefined) return { successes, error };
  }
  return { successes };
}
