import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { RateLimitingQueue } from "../../core/workqueue/rate-limiting-queue.js";
import { DelayingQueue } from "../../core/workqueue/delaying-queue.js";
import { BasicQueue } from "../../core/workqueue/queue.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

const KEYS = ["a", "b", "c", "d", "e", "f"];

test("property: no key is processed concurrently, and every key is processed after its last add", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 300 }), key: fc.constantFrom(...KEYS), delayed: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 80 }),
      fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 25 }),
      async (workerCount, adds, processingTimes) => {
        const clock = new VirtualClock({ start: 0 });
        let seq = 0;
        const lastAdd = new Map<string, number>();
        /** Records when each key really reaches the basic queue (directly or when its delay passed). */
        class RecordingQueue extends BasicQueue<string> {
          override add(item: string): void {
            lastAdd.set(item, ++seq);
            super.add(item);
          }
        }
        const q = new RateLimitingQueue<string>({ clock, queue: new DelayingQueue<string>({ clock, queue: new RecordingQueue() }) });
        const lastStart = new Map<string, number>();
        const active = new Set<string>();
        const violations: string[] = [];
        let nextTime = 0;

        for (const { at, key, delayed } of adds) {
          clock.setTimeout(() => {
            // About a third of the adds go through the delaying path.
            if (delayed % 3 === 0) q.addAfter(key, delayed);
            else q.add(key);
          }, at);
        }

        const worker = async (): Promise<void> => {
          for (let key = await q.get(); key !== undefined; key = await q.get()) {
            if (active.has(key)) violations.push(`${key} processed by two workers at ${clock.now()}`);
            active.add(key);
            lastStart.set(key, ++seq);
            await clock.sleep(processingTimes[nextTime++ % processingTimes.length]!);
            active.delete(key);
            q.done(key);
          }
        };
        const workers = Array.from({ length: workerCount }, worker);
        await clock.runUntilIdle();
        q.shutDown();
        await Promise.all(workers);

        assert.equal(violations, []);
        for (const [key, added] of lastAdd) {
          const started = lastStart.get(key) ?? -1;
          assert.ok(started > added, `${key}: last add #${added}, last processing start #${started}`);
        }
        assert.is(clock.pending, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test.run();
