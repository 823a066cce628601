/** Work queue throughput: add + get + done cycles per second (target ≥ 1,000,000/s). */
import { BasicQueue } from "../core/workqueue/queue.js";
import { RateLimitingQueue } from "../core/workqueue/rate-limiting-queue.js";
import { VirtualClock } from "../core/clock/virtual-clock.js";
import type { WorkQueue } from "../core/workqueue/queue.js";

const TARGET = 1_000_000;
const KEYS = Array.from({ length: 10_000 }, (_, i) => `default/pod-${i}`);

/** One worker: add a key, take it, finish it; `batch` keys queued at a time. */
async function cycles(queue: WorkQueue<string>, total: number, batch: number): Promise<number> {
  const started = performance.now();
  let n = 0;
  while (n < total) {
    for (let i = 0; i < batch; i++) queue.add(KEYS[(n + i) % KEYS.length]!);
    for (let i = 0; i < batch; i++) {
      const key = (await queue.get())!;
      queue.done(key);
    }
    n += batch;
  }
  return total / ((performance.now() - started) / 1000);
}

function report(label: string, opsPerSecond: number): void {
  const verdict = opsPerSecond >= TARGET ? "meets" : "BELOW";
  console.log(`${label.padEnd(46)} ${Math.round(opsPerSecond).toLocaleString("en-US").padStart(12)} ops/s   (target ≥ ${TARGET.toLocaleString("en-US")}/s: ${verdict})`);
}

const N = 2_000_000;
await cycles(new BasicQueue<string>(), 200_000, 100); // warm-up
report("basic queue, add+get+done, 1 at a time", await cycles(new BasicQueue<string>(), N, 1));
report("basic queue, add+get+done, 100 queued", await cycles(new BasicQueue<string>(), N, 100));
report("rate-limiting queue, add+get+done, 100 queued", await cycles(new RateLimitingQueue<string>({ clock: new VirtualClock() }), N, 100));

// Several async workers sharing one queue (waiters are handed items directly).
{
  const q = new BasicQueue<string>();
  let processed = 0;
  const workers = Array.from({ length: 8 }, async () => {
    for (let key = await q.get(); key !== undefined; key = await q.get()) {
      processed++;
      q.done(key);
    }
  });
  const started = performance.now();
  for (let n = 0; n < N; n += 1000) {
    for (let i = 0; i < 1000; i++) q.add(KEYS[(n + i) % KEYS.length]!);
    await new Promise((r) => setImmediate(r));
  }
  q.shutDown();
  await Promise.all(workers);
  report(`basic queue, 8 async workers (${processed.toLocaleString("en-US")} items)`, processed / ((performance.now() - started) / 1000));
}
