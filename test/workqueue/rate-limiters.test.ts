import { test } from "uvu";
import * as assert from "uvu/assert";
import { ItemExponentialFailureRateLimiter } from "../../core/workqueue/item-exponential-rate-limiter.js";
import { BucketRateLimiter } from "../../core/workqueue/bucket-rate-limiter.js";
import { MaxOfRateLimiter, defaultControllerRateLimiter } from "../../core/workqueue/rate-limiter.js";
import { RateLimitingQueue } from "../../core/workqueue/rate-limiting-queue.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { RealClock } from "../../core/clock/real-clock.js";

test("per-item exponential: 5 ms doubling per failure up to 1000 s, forget starts over", () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  assert.equal([l.when("a"), l.when("a"), l.when("a"), l.when("b")], [5, 10, 20, 5]);
  assert.is(l.numRequeues("a"), 3);
  for (let i = 0; i < 100; i++) l.when("a");
  assert.is(l.when("a"), 1_000_000);
  l.forget("a");
  assert.is(l.numRequeues("a"), 0);
  assert.is(l.when("a"), 5);
  for (let i = 0; i < 2000; i++) l.when("c");
  assert.is(l.when("c"), 1_000_000, "no overflow to Infinity/NaN after many failures");
});

test("token bucket: a burst goes at once, then one per 1/qps, refilled by the clock", async () => {
  const clock = new VirtualClock({ start: 0 });
  const l = new BucketRateLimiter<string>({ clock, qps: 10, burst: 100 });
  for (let i = 0; i < 100; i++) assert.is(l.when(`k${i}`), 0);
  assert.is(l.when("x"), 100);
  assert.is(l.when("y"), 200, "reservations queue up");
  assert.is(l.numRequeues("x"), 0);
  await clock.advance(60_000); // refills to the burst, not beyond
  for (let i = 0; i < 100; i++) assert.is(l.when(`k${i}`), 0);
  assert.ok(l.when("z") > 0);
});

test("max-of takes the longest delay and forgets everywhere; the default controller limiter composes both", () => {
  const clock = new VirtualClock({ start: 0 });
  const exp = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  const max = new MaxOfRateLimiter<string>(exp, new BucketRateLimiter<string>({ clock, qps: 1, burst: 1 }));
  assert.is(max.when("a"), 5);
  assert.is(max.when("a"), 1000, "bucket delay dominates");
  assert.is(max.numRequeues("a"), 2);
  max.forget("a");
  assert.is(exp.numRequeues("a"), 0);

  const d = defaultControllerRateLimiter<string>(clock);
  for (let i = 0; i < 100; i++) assert.is(d.when(`item-${i}`), 5);
  assert.is(d.when("item-100"), 100, "101st item in the same instant waits for the bucket");
  assert.is(d.when("item-0"), 200);
});

test("rate-limited queue: addRateLimited backs off per item, forget resets, numRequeues counts", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter<string>(5, 1000) });
  q.addRateLimited("a");
  q.addRateLimited("a");
  assert.is(q.numRequeues("a"), 2);
  assert.is(q.len(), 0);
  await clock.advance(5);
  assert.is(q.len(), 1, "de-duplicated to the earliest (5 ms, not 10 ms)");
  assert.is(await q.get(), "a");
  q.done("a");
  q.forget("a");
  assert.is(q.numRequeues("a"), 0);
  q.addAfter("b", 7);
  await clock.advance(7);
  assert.is(await q.get(), "b");
  q.shutDown();
  assert.is(clock.pending, 0);
});

test("rate-limited queue with waiting workers: delayed and rate-limited adds wake them, on the real clock and the virtual one", async () => {
  for (const clock of [new RealClock(), new VirtualClock({ start: 0, auto: true })]) {
    const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter<string>(5, 1000) });
    const start = clock.now();
    const got: { key: string; after: number }[] = [];
    const worker = (async () => {
      for (let k = await q.get(); k !== undefined; k = await q.get()) {
        got.push({ key: k, after: clock.now() - start });
        q.done(k);
      }
    })();
    q.addRateLimited("a"); // 5 ms
    q.addAfter("b", 10);
    q.add("c");
    q.add("c");
    while (got.length < 3) await clock.sleep(1);
    assert.equal(got.map((g) => g.key), ["c", "a", "b"], "c once, at once; then a and b as their delays pass");
    assert.ok(got[1]!.after >= 5 && got[2]!.after >= 10, JSON.stringify(got));
    q.addRateLimited("a"); // second failure: 10 ms
    q.add("a"); // added at once meanwhile: handed out now, and again when its delay passes
    while (got.length < 5) await clock.sleep(1);
    assert.equal(got.slice(3).map((g) => g.key), ["a", "a"]);
    assert.ok(got[4]!.after - got[2]!.after >= 10, JSON.stringify(got));
    q.shutDown();
    await worker;
    if (clock instanceof VirtualClock) clock.setAuto(false);
  }
});

test.run();
