import { test } from "uvu";
import * as assert from "uvu/assert";
import { addQuantities, canonicalQuantity, compareQuantities, formatQuantity, isQuantity, milliValue, parseQuantity, QuantityParseError, subtractQuantities } from "../../core/api/quantity.js";

test("canonical forms as Quantity.String() prints them", () => {
  const cases: [string, string][] = [
    ["100m", "100m"], ["0.1", "100m"], ["1", "1"], ["1000m", "1"], ["1500m", "1500m"], ["1.5", "1500m"],
    ["1Gi", "1Gi"], ["1024Mi", "1Gi"], ["1536Mi", "1536Mi"], ["0.5Gi", "512Mi"], ["512", "512"], ["1000", "1k"],
    ["2k", "2k"], ["1M", "1M"], ["1e3", "1e3"], ["1.5e3", "1500"], ["12e6", "12e6"], ["-100m", "-100m"], ["0", "0"], ["1Ki", "1Ki"], ["100Ki", "100Ki"], ["1n", "1n"], ["5u", "5u"],
  ];
  for (const [input, want] of cases) assert.is(canonicalQuantity(input), want, input);
});

test("parse rejects what apimachinery rejects", () => {
  for (const bad of ["", "abc", "1.2.3", "1X", "Gi", "1 Gi", "1iG", "--1"]) {
    assert.not.ok(isQuantity(bad), bad);
  }
  assert.throws(() => parseQuantity("12x"), (e: Error) => e instanceof QuantityParseError && e.message.startsWith("quantities must match the regular expression"));
});

test("compare, add and subtract keep the left format", () => {
  assert.is(compareQuantities(parseQuantity("1"), parseQuantity("1000m")), 0);
  assert.is(compareQuantities(parseQuantity("1Gi"), parseQuantity("1G")), 1);
  assert.is(formatQuantity(addQuantities(parseQuantity("1Gi"), parseQuantity("512Mi"))), "1536Mi");
  assert.is(formatQuantity(addQuantities(parseQuantity("250m"), parseQuantity("1"))), "1250m");
  assert.is(formatQuantity(subtractQuantities(parseQuantity("1"), parseQuantity("250m"))), "750m");
  assert.is(milliValue(parseQuantity("0.1m")), 1n, "rounds up");
  assert.is(milliValue(parseQuantity("2")), 2000n);
});

test.run();
