import { test } from "uvu";
import * as assert from "uvu/assert";
import { VirtualClock, WAKE_TURNS } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";

test("timers fire in deadline order, ties in creation order", async () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("c@30"), 30);
  clock.setTimeout(() => fired.push("a@10"), 10);
  clock.setTimeout(() => fired.push("b1@20"), 20);
  clock.setTimeout(() => fired.push("b2@20"), 20);
  clock.setTimeout(() => fired.push("zero"), 0);
  await clock.advance(25);
  assert.equal(fired, ["zero", "a@10", "b1@20", "b2@20"]);
  assert.is(clock.pending, 1);
  await clock.advance(5);
  assert.equal(fired, ["zero", "a@10", "b1@20", "b2@20", "c@30"]);
});

test("advance moves time exactly and fires timers with their deadline as now", async () => {
  const clock = new VirtualClock({ start: 1000 });
  const seen: number[] = [];
  clock.setTimeout(() => seen.push(clock.now()), 70);
  await clock.advance(100);
  assert.equal(seen, [1070]);
  assert.is(clock.now(), 1100);
});

test("clearTimeout and clearInterval cancel", async () => {
  const clock = new VirtualClock();
  let n = 0;
  const t = clock.setTimeout(() => n++, 10);
  const i = clock.setInterval(() => n += 100, 5);
  clock.clearTimeout(t);
  await clock.advance(12);
  assert.is(n, 200);
  clock.clearInterval(i);
  await clock.advance(100);
  assert.is(n, 200);
  assert.is(clock.pending, 0);
});

test("intervals repeat at their period", async () => {
  const clock = new VirtualClock({ start: 0 });
  const at: number[] = [];
  const h = clock.setInterval(() => at.push(clock.now()), 10);
  await clock.advance(35);
  clock.clearInterval(h);
  assert.equal(at, [10, 20, 30]);
});

test("sleep chains resolve in order as time advances, continuations run between timers", async () => {
  const clock = new VirtualClock({ start: 0 });
  const log: string[] = [];
  const worker = async (name: string, step: number): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(step);
      log.push(`${name}@${clock.now()}`);
    }
  };
  const done = Promise.all([worker("a", 10), worker("b", 15)]);
  await clock.advance(45);
  await done;
  assert.equal(log, ["a@10", "b@15", "a@20", "b@30", "a@30", "b@45"]); // both at 30: b's timer was created first (at 15)
});

test("sleep rejects with AbortError when aborted, and its timer is gone", async () => {
  const clock = new VirtualClock();
  const ac = new AbortController();
  const p = clock.sleep(60_000, ac.signal);
  ac.abort();
  try {
    await p;
    assert.unreachable("should reject");
  } catch (err) {
    assert.is((err as Error).name, "AbortError");
  }
  assert.is(clock.pending, 0);
  const already = new AbortController();
  already.abort();
  await clock.sleep(1, already.signal).then(() => assert.unreachable(), (e: Error) => assert.is(e.name, "AbortError"));
});

test("many sleeps on one signal: those that ended stay resolved, an abort rejects every one still waiting", async () => {
  const clock = new VirtualClock();
  const ac = new AbortController();
  const outcomes: string[] = [];
  for (let i = 1; i <= 200; i++) clock.sleep(i * 10, ac.signal).then(() => outcomes.push(`done ${i}`), (err: Error) => outcomes.push(`${err.name} ${i}`));
  await clock.advance(1000);
  assert.is(outcomes.length, 100);
  assert.ok(outcomes.every((o, i) => o === `done ${i + 1}`));
  ac.abort();
  await new Promise((r) => setImmediate(r));
  assert.is(outcomes.length, 200);
  assert.ok(outcomes.slice(100).every((o, i) => o === `AbortError ${i + 101}`));
  assert.is(clock.pending, 0);
  // A sleep on the aborted signal rejects at once.
  const late = await clock.sleep(5, ac.signal).then(() => "resolved", (err: Error) => err.name);
  assert.is(late, "AbortError");
});

test("runUntilIdle jumps through every timer, including ones scheduled while running", async () => {
  const clock = new VirtualClock({ start: 0 });
  const log: number[] = [];
  clock.setTimeout(() => {
    log.push(clock.now());
    clock.setTimeout(() => log.push(clock.now()), 500);
  }, 1000);
  await clock.runUntilIdle();
  assert.equal(log, [1000, 1500]);
  assert.is(clock.pending, 0);
});

test("runUntilIdle refuses to spin forever on an interval", async () => {
  const clock = new VirtualClock();
  clock.setInterval(() => undefined, 1);
  try {
    await clock.runUntilIdle(50);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /still busy after 50 timers/);
  }
});

test("auto mode: a 5-minute sleep resolves at once in wall time", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  // Raced against a real 5 s timer: a clock that waited in wall time would lose by minutes (no
  // tight wall-time bound, which a loaded machine could miss).
  let realTimer: NodeJS.Timeout | undefined;
  const winner = await Promise.race([
    clock.sleep(5 * 60_000).then(() => "virtual"),
    new Promise<string>((resolve) => (realTimer = setTimeout(() => resolve("wall"), 5_000))),
  ]);
  clearTimeout(realTimer);
  assert.is(winner, "virtual");
  assert.is(clock.now(), 300_000);
});

test("auto mode lets pending work run before jumping (idle jumps only)", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const log: string[] = [];
  const far = clock.sleep(10_000).then(() => log.push(`far@${clock.now()}`));
  // A chain of microtasks and immediates: all of it runs before time jumps.
  await Promise.resolve();
  log.push(`work@${clock.now()}`);
  await new Promise((r) => setImmediate(r));
  log.push(`more@${clock.now()}`);
  await far;
  assert.equal(log, ["work@0", "more@0", "far@10000"]);
  clock.setAuto(false);
});

test("auto mode holds time while off-clock work is in flight (hold), however long it takes for real", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const log: string[] = [];
  const timer = clock.sleep(100).then(() => log.push(`timer@${clock.now()}`));
  // Real work taking 50 ms of wall time (many setImmediate turns): no timer fires meanwhile.
  const work = clock.hold(new Promise<string>((r) => setTimeout(() => r("signed"), 50)));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(log, [], "time did not move while the work was held");
  assert.is(clock.now(), 0);
  log.push(`${await work}@${clock.now()}`);
  await timer;
  assert.equal(log, ["signed@0", "timer@100"]);
  // A rejected hold releases too.
  const failed = clock.hold(Promise.reject(new Error("x"))).catch((e: Error) => e.message);
  assert.is(await failed, "x");
  await clock.sleep(5);
  assert.is(clock.now(), 105);
  clock.setAuto(false);
});

test("auto mode fires one instant's timers in one turn, continuations between them, cancellations honoured", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const log: string[] = [];
  let b: ReturnType<typeof clock.setTimeout> | undefined;
  clock.setTimeout(() => {
    log.push(`a@${clock.now()}`);
    void Promise.resolve().then(() => log.push("a-continuation"));
    setImmediate(() => log.push("a-immediate"));
    clock.clearTimeout(b);
  }, 100);
  b = clock.setTimeout(() => log.push("b"), 100);
  clock.setTimeout(() => log.push(`c@${clock.now()}`), 100);
  clock.setTimeout(() => log.push(`d@${clock.now()}`), 200);
  await clock.sleep(300);
  // a's continuation runs before c fires; its immediate (a later turn) only after the instant's timers; b was cancelled by a.
  assert.equal(log, ["a@100", "a-continuation", "c@100", "a-immediate", "d@200"]);
  clock.setAuto(false);
});

test("auto mode turned off mid-instant keeps the instant's remaining timers", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const log: string[] = [];
  clock.setTimeout(() => {
    log.push("a");
    clock.setAuto(false);
  }, 100);
  clock.setTimeout(() => log.push("b"), 100);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(log, ["a"]);
  assert.is(clock.pending, 1);
  await clock.advance(0);
  assert.equal(log, ["a", "b"]);
});

test("nextTurn: time waits for a chain of wake-ups, at most WAKE_TURNS turns in a row (auto mode and advance)", async () => {
  for (const auto of [true, false]) {
    const clock = new VirtualClock({ start: 0, auto });
    const at: number[] = [];
    let timerAt = -1; // hops run when the timer fired
    /** A wake-up that queues the next one, `left` more times. */
    const hop = (left: number): void => {
      at.push(clock.now());
      if (left > 0) clock.nextTurn(() => hop(left - 1));
    };
    clock.setTimeout(() => (timerAt = at.length), 10);
    clock.nextTurn(() => hop(3 * WAKE_TURNS));
    assert.is(clock.waking, 1);
    if (auto) await clock.sleep(20);
    else await clock.advance(20);
    for (let i = 0; clock.waking > 0 && i < 100; i++) await new Promise((r) => setImmediate(r));
    assert.is(at.length, 3 * WAKE_TURNS + 1, "every hop ran");
    const kept = at.filter((t) => t === 0).length;
    assert.ok(kept >= WAKE_TURNS, `auto ${auto}: ${kept} hops at 0: the first WAKE_TURNS keep the instant`);
    assert.ok(kept < 3 * WAKE_TURNS && timerAt > 0 && timerAt < 3 * WAKE_TURNS, `auto ${auto}: ${kept} hops at 0, timer after ${timerAt}: time moved while hops kept coming`);
    clock.setAuto(false);
  }
});

test("nextTurn in auto mode: steady load spends the wait once, then time moves every step; a quiet step refills it", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  // A wake-up on every turn, forever, while time should keep moving.
  let turns = 0;
  let running = true;
  const wake = (): void => {
    turns++;
    if (running) clock.nextTurn(wake);
  };
  clock.nextTurn(wake);
  const perStep: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const before = turns;
      await clock.sleep(10);
      perStep.push(turns - before);
    }
  } finally {
    running = false;
  }
  assert.ok(perStep[0]! >= WAKE_TURNS && perStep[0]! <= WAKE_TURNS + 4, `first step waited ${perStep[0]} turns`);
  assert.ok(perStep.slice(1).every((n) => n <= 4), `then ${perStep.join(", ")} turns per step: no more waiting`);
  await clock.sleep(10);
  await clock.sleep(10); // a step with nothing pending refills the wait
  const at: number[] = [];
  const hop = (left: number): void => {
    at.push(clock.now());
    if (left > 0) clock.nextTurn(() => hop(left - 1));
  };
  clock.setTimeout(() => at.push(-1), 10);
  clock.nextTurn(() => hop(WAKE_TURNS - 1));
  await clock.sleep(20);
  assert.equal(at, [...Array.from({ length: WAKE_TURNS }, () => 70), -1], "a chain keeps its instant again");
  clock.setAuto(false);
});

test("seeded random reproduces names and uids; different seeds differ", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const seqA = [a.suffix(5), a.uuid(), a.int(1000)];
  const seqB = [b.suffix(5), b.uuid(), b.int(1000)];
  assert.equal(seqA, seqB);
  assert.not.equal([c.suffix(5), c.uuid()], seqA.slice(0, 2));
  assert.match(seqA[0] as string, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.match(seqA[1] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("a seed's sequence is fixed: uids and names drawn in turn come out as they always have", () => {
  // Pinned values: a faster uuid() must step the generator exactly as int(16) per digit did.
  const r = new SeededRandom(20260101);
  assert.equal([r.uuid(), r.suffix(5), r.uuid(), r.int(1000), r.uuid()], [
    "cb99c740-a4ec-49e8-91f5-975bd6f69e3c", "dh82x", "43098773-ff52-440f-8c1d-7dc977011106", 311, "9f23c10d-27cf-4b11-b7fe-61add750561a",
  ]);
});

test.run();
