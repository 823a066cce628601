/** Event names: `<object>.<UnixNano in hex>` as client-go's `fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`, unique within a millisecond. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventNamer, nanosecondsHex } from "../../core/events/event-name.js";
import { SeededRandom } from "../../core/clock/random.js";

const exact = (ms: number, offset: number): string => (BigInt(ms) * 1_000_000n + BigInt(offset)).toString(16);

test("nanoseconds in hex match exact (BigInt) arithmetic at the edges of each part and at random", () => {
  const cases: [number, number][] = [
    [0, 0], [0, 5], [1, 0], [0xffffff, 0], [0x1000000, 0], [0x1000000, 999_999], [0xffffff, 999_999],
    [Date.UTC(2026, 0, 1), 0], [Date.UTC(2026, 0, 1), 1], [Date.UTC(1970, 0, 1, 0, 0, 1), 0], [Date.UTC(9999, 11, 31, 23, 59, 59, 999), 999_999], [-1, 0], [-1_000, 3],
  ];
  const random = new SeededRandom(3);
  for (let i = 0; i < 2000; i++) cases.push([Math.floor(random.next() * Date.UTC(2200, 0, 1)), Math.floor(random.next() * 1000)]);
  for (const [ms, offset] of cases) assert.is(nanosecondsHex(ms, offset), exact(ms, offset), `${ms} + ${offset}`);
});

test("successive milliseconds across a change of the high part (its digits are reused until it changes) stay exact", () => {
  // 2^24 ns is ~16.8 ms: a run of 100 ms crosses several high parts, each asked for many times in turn.
  const t = Date.UTC(2026, 0, 1);
  for (let ms = t; ms < t + 100; ms++) for (const offset of [0, 1, 999_999]) assert.is(nanosecondsHex(ms, offset), exact(ms, offset), `${ms} + ${offset}`);
  assert.is(nanosecondsHex(0x1000000, 0), exact(0x1000000, 0));
  assert.is(nanosecondsHex(t, 0), exact(t, 0));
});

test("names within one millisecond get successive nanosecond offsets; a new millisecond starts again", () => {
  const namer = new EventNamer();
  const t = Date.UTC(2026, 0, 1);
  assert.equal([namer.name("web", t), namer.name("web", t + 0.4), namer.name("db", t), namer.name("web", t + 1)], [`web.${exact(t, 0)}`, `web.${exact(t, 1)}`, `db.${exact(t, 2)}`, `web.${exact(t + 1, 0)}`]);
});

test.run();
