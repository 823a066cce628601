import { test } from "uvu";
import * as assert from "uvu/assert";
import { DelayingQueue } from "../../core/workqueue/delaying-queue.js";
import { InMemoryMetricsProvider } from "../../core/workqueue/in-memory-metrics.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

test("addAfter adds the item once its delay has passed on the clock", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new DelayingQueue<string>({ clock });
  q.addAfter("a", 50);
  q.addAfter("b", 20);
  q.addAfter("now", 0);
  assert.is(q.len(), 1, "a zero delay adds at once");
  assert.is(await q.get(), "now");
  await clock.advance(19);
  assert.is(q.len(), 0);
  await clock.advance(1);
  assert.is(q.len(), 1);
  assert.is(await q.get(), "b");
  await clock.advance(30);
  assert.is(await q.get(), "a");
  assert.is(clock.pending, 0);
});

test("a waiting item is de-duplicated to the earliest ready time", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new DelayingQueue<string>({ clock });
  q.addAfter("a", 100);
  q.addAfter("a", 30);
  q.addAfter("a", 200);
  assert.is(q.waitingCount(), 1);
  assert.is(clock.pending, 1, "one timer for the earliest");
  await clock.advance(30);
  assert.is(q.len(), 1);
  assert.is(q.waitingCount(), 0);
  await clock.advance(500);
  assert.is(q.len(), 1, "not added again at 100 or 200");
});

test("items with equal ready times keep add order; adds during a wait go to the ready queue", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new DelayingQueue<string>({ clock });
  q.addAfter("x", 10);
  q.addAfter("y", 10);
  q.add("z");
  await clock.advance(10);
  assert.equal([await q.get(), await q.get(), await q.get()], ["z", "x", "y"]);
});

test("shutDown drops waiting items and leaves no timer; addAfter is then ignored", async () => {
  const clock = new VirtualClock({ start: 0 });
  const q = new DelayingQueue<string>({ clock });
  q.addAfter("a", 1000);
  q.addAfter("b", 5000);
  q.shutDown();
  assert.is(clock.pending, 0);
  q.addAfter("c", 10);
  assert.is(clock.pending, 0);
  await clock.advance(10_000);
  assert.is(await q.get(), undefined);
});

test("addAfter counts retries in the queue's metrics", () => {
  const clock = new VirtualClock({ start: 0 });
  const metrics = new InMemoryMetricsProvider();
  const q = new DelayingQueue<string>({ clock, name: "d", metricsProvider: metrics });
  q.addAfter("a", 10);
  q.addAfter("b", 0);
  assert.is(metrics.get("d").retries, 2);
  assert.is(metrics.get("d").adds, 1);
  q.shutDown();
});

test.run();
