import { test } from "uvu";
import * as assert from "uvu/assert";
import { humanDuration, timestampSince } from "../../core/apiserver/printers/human-duration.js";

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;

test("HumanDuration thresholds", () => {
  const cases: [number, string][] = [
    [-3 * S, "<invalid>"], [-1500, "0s"], [0, "0s"], [5 * S, "5s"], [119 * S, "119s"], [2 * M, "2m"], [5 * M + 10 * S, "5m10s"],
    [10 * M, "10m"], [179 * M, "179m"], [3 * H, "3h"], [3 * H + 5 * M, "3h5m"], [8 * H, "8h"], [47 * H, "47h"], [2 * D, "2d"],
    [2 * D + 3 * H, "2d3h"], [8 * D, "8d"], [45 * D, "45d"], [729 * D, "729d"], [3 * 365 * D, "3y"], [3 * 365 * D + 10 * D, "3y10d"], [9 * 365 * D, "9y"],
  ];
  for (const [ms, want] of cases) assert.is(humanDuration(ms), want, `${ms}ms`);
});

test("timestampSince uses the passed clock and treats a missing time as <unknown>", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.is(timestampSince("2025-12-31T23:55:00Z", now), "5m");
  assert.is(timestampSince(undefined, now), "<unknown>");
});

test.run();
