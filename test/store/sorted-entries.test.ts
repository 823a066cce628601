import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { SortedEntries } from "../../core/store/sorted-entries.js";
import { prefixRangeEnd } from "../../core/store/keys.js";

test("random inserts and removes keep key order; scan and countRange agree with a sorted model", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), key: fc.integer({ min: 0, max: 3000 }) }), { minLength: 200, maxLength: 4000, size: "max" }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 3000 }),
      (ops, a, b) => {
        const set = new SortedEntries<{ key: string }>();
        const model = new Set<string>();
        const name = (n: number) => `/k/${String(n).padStart(4, "0")}`;
        for (const op of ops) {
          const key = name(op.key);
          if (op.add && !model.has(key)) {
            set.insert({ key });
            model.add(key);
          } else if (!op.add) {
            assert.is(set.remove(key), model.delete(key));
          }
        }
        const sorted = [...model].sort();
        assert.is(set.size, sorted.length);
        const from = name(Math.min(a, b));
        const to = name(Math.max(a, b));
        const scanned: string[] = [];
        set.scan(from, to, (e) => (scanned.push(e.key), true));
        assert.equal(scanned, sorted.filter((k) => k >= from && k < to));
        assert.is(set.countRange(from, to), scanned.length);
        const all: string[] = [];
        set.scan("/k/", prefixRangeEnd("/k/"), (e) => (all.push(e.key), true));
        assert.equal(all, sorted);
      },
    ),
    { numRuns: 60 },
  );
});

test("scan stops when the visitor returns false", () => {
  const set = new SortedEntries<{ key: string }>();
  for (const key of ["c", "a", "b", "d"]) set.insert({ key });
  const seen: string[] = [];
  set.scan("a", "z", (e) => (seen.push(e.key), seen.length < 2));
  assert.equal(seen, ["a", "b"]);
});

test("prefixRangeEnd bounds exactly the keys with the prefix", () => {
  assert.is(prefixRangeEnd("/registry/pods/"), "/registry/pods0");
  assert.ok("/registry/pods/zzz" < prefixRangeEnd("/registry/pods/"));
  assert.ok("/registry/podtemplates/a" >= prefixRangeEnd("/registry/pods/") || !"/registry/podtemplates/a".startsWith("/registry/pods/"));
});

test.run();
