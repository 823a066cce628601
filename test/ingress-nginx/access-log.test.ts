/** Pieces of ingress-nginx's access log line: $request_time's text and the header part of $request_length. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { headerLinesLength, secondsText } from "../../plugins/ingress-nginx/access-log.js";

test("secondsText is toFixed(3) for any duration (half milliseconds, whole seconds, tiny, huge, odd values included)", () => {
  for (const s of [0, 0.0005, 0.0015, 0.0025, 1.0005, 0.001, 0.999, 0.9995, 0.99949999, 1, 59.9999, 123456.789, 1e6 + 0.0005, 2e9, -0.001, Number.NaN, Number.POSITIVE_INFINITY, 5e-324]) {
    assert.is(secondsText(s), s.toFixed(3), String(s));
  }
  fc.assert(fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (s) => secondsText(s) === s.toFixed(3)), { numRuns: 20000, seed: 16 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: -3, max: 3 }), (halfMillis, ulps) => {
    // Values at and next to each half millisecond.
    let s = (halfMillis + 0.5) / 1000;
    for (let i = 0; i < Math.abs(ulps); i++) s = ulps > 0 ? s + Number.EPSILON * s : s - Number.EPSILON * s;
    return secondsText(s) === s.toFixed(3);
  }), { numRuns: 20000, seed: 16 });
});

test("headerLinesLength counts `name: value\\r\\n` per header and the blank line", () => {
  assert.is(headerLinesLength({}), 2);
  assert.is(headerLinesLength({ host: "a.example", "user-agent": "curl/8.5.0" }), "host: a.example\r\nuser-agent: curl/8.5.0\r\n\r\n".length);
});

test.run();
