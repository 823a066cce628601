import { test } from "uvu";
import * as assert from "uvu/assert";
import { BasicQueue } from "../../core/workqueue/queue.js";
import { InMemoryMetricsProvider } from "../../core/workqueue/in-memory-metrics.js";
import { VirtualClock, WAKE_TURNS } from "../../core/clock/virtual-clock.js";

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

test("a waiting worker wakes on the next turn: the adds of one turn collapse into one item", async () => {
  for (const clock of [undefined, new VirtualClock({ start: 0 }), new VirtualClock({ start: 0, auto: true })]) {
    const q = new BasicQueue<string>({ clock });
    const got: string[] = [];
    const worker = q.get().then((k) => got.push(k!));
    // A burst in one turn (informer events for pods of one ReplicaSet): the key is handed out once.
    q.add("rs");
    q.add("b");
    q.add("rs");
    q.add("rs");
    await Promise.resolve();
    assert.equal(got, [], "not handed out during the turn that added it");
    await worker;
    assert.equal(got, ["rs"]);
    assert.is(q.len(), 1, "b waits; rs is not queued again");
    q.done("rs");
    assert.is(await q.get(), "b");
    q.done("b");
    assert.is(q.len(), 0, "rs was processed once for the whole burst");
  }
});

test("a worker calling get meanwhile takes a queued item; the wake-up serves waiting workers with what is left", async () => {
  const q = new BasicQueue<string>();
  const waiting = q.get();
  q.add("a");
  q.add("b");
  assert.is(await q.get(), "a", "a free worker takes the first item at once");
  assert.is(await waiting, "b");
  assert.is(q.len(), 0);
  // Nothing left for the wake-up: the waiting worker keeps waiting.
  const idle = q.get();
  q.add("c");
  assert.is(await q.get(), "c");
  let late: string | undefined;
  void idle.then((k) => (late = k));
  await settle();
  assert.is(late, undefined);
  q.add("d");
  assert.is(await idle, "d");
});

test("a dirty item is queued again on done and wakes a waiting worker on the next turn, not the same one", async () => {
  const q = new BasicQueue<string>();
  q.add("a");
  const a = (await q.get())!;
  q.add("a");
  const second = q.get();
  q.done(a);
  assert.is(q.len(), 1, "queued again after done");
  assert.is(await second, "a");
  assert.is(q.len(), 0);
  q.done("a");
  assert.is(q.len(), 0, "not dirty again: done for good");
});

test("shutDown hands queued items to waiting workers before releasing the rest", async () => {
  const q = new BasicQueue<string>();
  const w1 = q.get();
  const w2 = q.get();
  q.add("a");
  q.shutDown();
  assert.is(await w1, "a");
  assert.is(await w2, undefined);
  assert.is(await q.get(), undefined);
});

/** Two queues in a chain (a worker's write wakes the next), `hops` long, logging each hop's time. */
function chain(clock: VirtualClock, hops: number, log: string[]): BasicQueue<string> {
  const queues = Array.from({ length: hops }, () => new BasicQueue<string>({ clock }));
  queues.forEach((q, i) => {
    void q.get().then((k) => {
      log.push(`${k}@${clock.now()}`);
      queues[i + 1]?.add(`hop${i + 2}`);
    });
  });
  return queues[0]!;
}

test("a chain of wake-ups keeps its instant: auto mode and advance let it finish before the next timer", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const seen: string[] = [];
  const first = chain(clock, WAKE_TURNS, seen);
  clock.setTimeout(() => seen.push(`timer@${clock.now()}`), 1000);
  first.add("hop1");
  await clock.sleep(2000);
  assert.equal(seen, [...Array.from({ length: WAKE_TURNS }, (_, i) => `hop${i + 1}@0`), "timer@1000"]);
  clock.setAuto(false);

  const manual = new VirtualClock({ start: 0 });
  const order: string[] = [];
  const q1 = chain(manual, WAKE_TURNS, order);
  manual.setTimeout(() => q1.add("hop1"), 5);
  manual.setTimeout(() => order.push(`timer@${manual.now()}`), 6);
  await manual.advance(5);
  assert.equal(order, Array.from({ length: WAKE_TURNS }, (_, i) => `hop${i + 1}@5`), "advance lets the chain of wake-ups finish before it returns");
  await manual.advance(1);
  assert.is(order.at(-1), "timer@6");
});

test("virtual time keeps moving in auto mode while queues are woken every turn (steady load)", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const queues = [new BasicQueue<string>({ clock }), new BasicQueue<string>({ clock })];
  let taken = 0;
  for (const q of queues) {
    void (async () => {
      for (let k = await q.get(); k !== undefined; k = await q.get()) {
        taken++;
        q.done(k);
      }
    })();
  }
  // A source that adds to both queues on every turn, forever (informer events under load).
  let turns = 0;
  let running = true;
  let giveUp: (() => void) | undefined;
  const source = (): void => {
    if (!running) return;
    if (++turns % 1000 === 0) giveUp?.();
    for (const q of queues) q.add(`key-${turns}`);
    setImmediate(source);
  };
  source();
  // Ten instants 100 ms apart: each one comes within a bounded number of turns (a frozen clock
  // loses the race against a thousand turns).
  const perInstant: number[] = [];
  try {
    for (let i = 1; i <= 10; i++) {
      const before = turns;
      const winner = await Promise.race([clock.sleep(100).then(() => "time"), new Promise<string>((r) => (giveUp = () => r("frozen")))]);
      assert.is(winner, "time", `instant ${i} did not come in 1,000 turns`);
      assert.is(clock.now(), i * 100);
      perInstant.push(turns - before);
    }
  } finally {
    running = false;
    for (const q of queues) q.shutDown();
  }
  assert.ok(taken > 0, "the workers kept up");
  // The clock waits for the wake-ups once (at most WAKE_TURNS turns), then moves every few turns.
  assert.ok(perInstant[0]! <= WAKE_TURNS + 4 && perInstant.slice(1).every((n) => n <= 4), `turns per instant: ${perInstant.join(", ")}`);

  // advance and runUntilIdle return too, whatever keeps waking: two workers waking each other.
  const manual = new VirtualClock({ start: 0 });
  const ping = new BasicQueue<string>({ clock: manual });
  const pong = new BasicQueue<string>({ clock: manual });
  let hops = 0;
  const bounce = async (from: BasicQueue<string>, to: BasicQueue<string>): Promise<void> => {
    for (let k = await from.get(); k !== undefined; k = await from.get()) {
      from.done(k);
      to.add(`hop-${++hops}`);
    }
  };
  const bouncing = [bounce(ping, pong), bounce(pong, ping)];
  ping.add("start");
  manual.setTimeout(() => {}, 10);
  await manual.advance(10);
  assert.is(manual.now(), 10);
  manual.setTimeout(() => {}, 10);
  await manual.runUntilIdle();
  assert.is(manual.now(), 20);
  assert.ok(manual.waking > 0, "still bouncing");
  ping.shutDown();
  pong.shutDown();
  await Promise.all(bouncing);
});

test.run();
