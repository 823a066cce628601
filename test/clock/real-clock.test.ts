import { test } from "uvu";
import * as assert from "uvu/assert";
import { RealClock } from "../../core/clock/real-clock.js";

test("real clock: now is wall time; sleep(0) resolves; abort rejects and clears the timer", async () => {
  const clock = new RealClock();
  assert.ok(Math.abs(clock.now() - Date.now()) < 5);
  await clock.sleep(0);
  const ac = new AbortController();
  const p = clock.sleep(3_600_000, ac.signal);
  ac.abort();
  await p.then(() => assert.unreachable(), (e: Error) => assert.is(e.name, "AbortError"));
  // Nothing keeps the process alive: if the hour-long timer were left, this file would hang.
});

test.run();
