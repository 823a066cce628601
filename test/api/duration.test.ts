import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatGoDuration, parseGoDuration } from "../../core/api/duration.js";

test("parses durations as Go's time.ParseDuration does", () => {
  const cases: [string, number][] = [
    ["0", 0], ["-0", 0], ["1h", 3_600_000], ["1h0m0s", 3_600_000], ["1h30m", 5_400_000], ["90s", 90_000], ["300ms", 300],
    ["1.5s", 1500], [".5s", 500], ["1.s", 1000], ["-2m", -120_000], ["+5s", 5000], ["1m1.5s", 61_500],
    ["1500us", 1.5], ["1500µs", 1.5], ["1500μs", 1.5], ["2000000ns", 2], ["0s", 0], ["0h0m0s", 0],
  ];
  for (const [text, ms] of cases) assert.is(parseGoDuration(text), ms, text);
});

test("rejects what Go rejects, with Go's error text", () => {
  const cases: [string, string][] = [
    ["", 'time: invalid duration ""'], ["-", 'time: invalid duration "-"'], [".", 'time: invalid duration "."'],
    ["1", 'time: missing unit in duration "1"'], ["1h1", 'time: missing unit in duration "1h1"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'], ["5 s", 'time: unknown unit " s" in duration "5 s"'],
    ["s", 'time: invalid duration "s"'], ["1h-5m", 'time: unknown unit "h-" in duration "1h-5m"'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseGoDuration(text), (err: Error) => err.message === message, text);
});

test("formats durations as Go's Duration.String() does, and round-trips", () => {
  const cases: [number, string][] = [[0, "0s"], [15_000, "15s"], [15_016, "15.016s"], [75_500, "1m15.5s"], [3_600_000, "1h0m0s"], [500, "500ms"], [-90_000, "-1m30s"]];
  for (const [ms, text] of cases) {
    assert.is(formatGoDuration(ms), text, String(ms));
    assert.is(parseGoDuration(text), ms, text);
  }
});

test.run();
