import { test } from "uvu";
import * as assert from "uvu/assert";
import { BasicQueue } from "../../core/workqueue/queue.js";
import { InMemoryMetricsProvider } from "../../core/workqueue/in-memory-metrics.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

/** Resolves after pending continuations have run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test("items come out in add order, duplicates collapse while queued", async () => {
  const q = new BasicQueue<string>();
  for (const k of ["a", "b", "a", "c", "b"]) q.add(k);
  assert.is(q.len(), 3);
  const got = [await q.get(), await q.get(), await q.get()];
  assert.equal(got, ["a", "b", "c"]);
  assert.is(q.len(), 0);
});

test("a key added while processing is not handed out again until done, then exactly once", async () => {
  const q = new BasicQueue<string>();
  q.add("a");
  const first = await q.get();
  assert.is(first, "a");
  q.add("a");
  q.add("a");
  assert.is(q.len(), 0, "not queued while processing");
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await settle();
  assert.is(second, undefined, "a second worker must not get the key being processed");
  q.done("a");
  await settle();
  assert.is(second, "a");
  q.done("a");
  assert.is(q.len(), 0, "processed once more, not twice");
});

test("get waits for an add; waiting workers are served in order", async () => {
  const q = new BasicQueue<string>();
  const got: string[] = [];
  const w1 = q.get().then((k) => got.push(`w1:${k}`));
  const w2 = q.get().then((k) => got.push(`w2:${k}`));
  await settle();
  assert.equal(got, []);
  q.add("x");
  q.add("y");
  await Promise.all([w1, w2]);
  assert.equal(got, ["w1:x", "w2:y"]);
});

test("shutDown releases waiting workers with undefined, still hands out queued items, ignores new adds", async () => {
  const q = new BasicQueue<string>();
  const waiting = q.get();
  q.shutDown();
  assert.is(await waiting, undefined);
  assert.ok(q.shuttingDown());
  q.add("late");
  assert.is(q.len(), 0);
  assert.is(await q.get(), undefined);

  const q2 = new BasicQueue<string>();
  q2.add("a");
  q2.add("b");
  q2.shutDown();
  assert.is(await q2.get(), "a");
  assert.is(await q2.get(), "b");
  assert.is(await q2.get(), undefined);
});

test("shutDownWithDrain resolves only when in-flight items are done", async () => {
  const q = new BasicQueue<string>();
  q.add("a");
  q.add("b");
  const a = (await q.get())!;
  const b = (await q.get())!;
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => (drained = true));
  await settle();
  assert.not.ok(drained);
  q.done(a);
  await settle();
  assert.not.ok(drained, "b is still in flight");
  q.done(b);
  await drain;
  assert.ok(drained);
  assert.ok(await q.shutDownWithDrain().then(() => true), "drain of an idle queue resolves at once");
});

test("metrics: depth, adds, queue latency, work duration, unfinished work and longest running, on the clock", async () => {
  const clock = new VirtualClock({ start: 0 });
  const metrics = new InMemoryMetricsProvider();
  const q = new BasicQueue<string>({ name: "test", metricsProvider: metrics, clock });
  const m = metrics.get("test");
  q.add("a");
  q.add("b");
  q.add("a");
  assert.is(m.adds, 2);
  assert.is(m.depth, 2);
  await clock.advance(100);
  const a = (await q.get())!;
  assert.is(m.depth, 1);
  assert.is(m.queueLatency.count, 1);
  assert.is(m.queueLatency.sum, 0.1);
  await clock.advance(1000); // the refresh interval (500 ms) runs while "a" is processing
  assert.is(m.unfinishedWorkSeconds, 1);
  assert.is(m.longestRunningProcessorSeconds, 1);
  const b = (await q.get())!;
  await clock.advance(500);
  assert.is(m.unfinishedWorkSeconds, 2);
  assert.is(m.longestRunningProcessorSeconds, 1.5);
  q.done(a);
  assert.is(m.workDuration.count, 1);
  assert.is(m.workDuration.sum, 1.5);
  q.done(b);
  assert.is(m.unfinishedWorkSeconds, 0);
  assert.is(clock.pending, 0, "no refresh timer while idle");
  q.shutDown();
  assert.is(clock.pending, 0);
});

test("metrics refresh timer: one per clock while any queue is busy, kept between items, none once all are idle", async () => {
  const clock = new VirtualClock({ start: 0 });
  const metrics = new InMemoryMetricsProvider();
  const q1 = new BasicQueue<string>({ name: "one", metricsProvider: metrics, clock });
  const q2 = new BasicQueue<string>({ name: "two", metricsProvider: metrics, clock });
  q1.add("a");
  q1.add("b");
  q2.add("x");
  const a = (await q1.get())!;
  const x = (await q2.get())!;
  assert.is(clock.pending, 1, "both busy queues share one timer");
  await clock.advance(500);
  assert.is(metrics.get("one").unfinishedWorkSeconds, 0.5);
  assert.is(metrics.get("two").unfinishedWorkSeconds, 0.5);
  q2.done(x);
  assert.is(metrics.get("two").unfinishedWorkSeconds, 0);
  q1.done(a);
  assert.is(clock.pending, 1, "q1 is not idle: b waits for the worker");
  q1.add("a"); // while b waits: handed out after it
  const b = (await q1.get())!;
  q1.done(b);
  const again = (await q1.get())!;
  assert.is(again, "a");
  await clock.advance(1000);
  assert.is(metrics.get("one").unfinishedWorkSeconds, 1);
  assert.is(metrics.get("two").unfinishedWorkSeconds, 0, "an idle queue is not refreshed");
  q1.done(again);
  assert.is(clock.pending, 0, "no refresh timer once every queue is idle");
  assert.is(metrics.get("one").unfinishedWorkSeconds, 0);
});

test("metrics refresh timer: a dirty item handed out again keeps it; shutting down drops it", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new BasicQueue<string>({ name: "q", metricsProvider: new InMemoryMetricsProvider(), clock });
  q.add("a");
  const a = (await q.get())!;
  q.add("a"); // dirty while processing
  q.add("b");
  q.done(a);
  assert.is(clock.pending, 1);
  const next = (await q.get())!;
  q.shutDown();
  q.done(next);
  assert.is(clock.pending, 0, "shut down with b still queued: no timer");
});

test.run();
