/** The launcher's heap growth: 30 % while the heap in use is small, V8's own factor once it is large, with hysteresis. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { getHeapStatistics } from "node:v8";
import { adaptHeapGrowth, LARGE_HEAP_BYTES } from "../../core/cli/heap-growth.js";

const LAUNCHED = ["--max-semi-space-size=4", "--heap-growing-percent=30"];

function harness(execArgv: readonly string[] = LAUNCHED) {
  let used = 0;
  const flags: string[] = [];
  const handle = adaptHeapGrowth({ largeHeapBytes: 1000, execArgv, usedHeapBytes: () => used, setV8Flags: (f) => flags.push(f) });
  return {
    flags,
    at(bytes: number): void {
      used = bytes;
      handle.check();
    },
    stop: () => handle.stop(),
  };
}

test("hands growth back to V8 once the heap in use reaches the threshold, and 30 % again below half of it", () => {
  const h = harness();
  h.at(999);
  assert.equal(h.flags, [], "small heap: the #! line's 30 % stays");
  h.at(1000);
  assert.equal(h.flags, ["--heap-growing-percent=0"]);
  h.at(5000);
  h.at(501);
  assert.equal(h.flags, ["--heap-growing-percent=0"], "no flapping between half and the threshold");
  h.at(499);
  assert.equal(h.flags, ["--heap-growing-percent=0", "--heap-growing-percent=30"]);
  h.at(800);
  assert.equal(h.flags.length, 2, "back to small: needs the threshold again");
  h.at(1200);
  assert.equal(h.flags.at(-1), "--heap-growing-percent=0");
  h.stop();
});

test("does nothing in a process not started with the launcher's --heap-growing-percent=30", () => {
  for (const argv of [[], ["--heap-growing-percent=50"], ["--max-semi-space-size=4"]]) {
    const h = harness(argv);
    h.at(10_000);
    h.at(0);
    assert.equal(h.flags, [], argv.join(" "));
    h.stop();
  }
});

test("the default threshold is 512 MB of heap in use, read from V8", () => {
  assert.is(LARGE_HEAP_BYTES, 512 * 1024 * 1024);
  // This process's heap is far below it: with the launcher's flag and V8's real figures nothing changes.
  assert.ok(getHeapStatistics().used_heap_size < LARGE_HEAP_BYTES);
  const flags: string[] = [];
  const handle = adaptHeapGrowth({ execArgv: LAUNCHED, setV8Flags: (f) => flags.push(f) });
  handle.check();
  handle.stop();
  assert.equal(flags, []);
});

test.run();
