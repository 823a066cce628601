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

/** Keys of a few groups (as the store's `/registry/<resource>/...`), some without a group (fewer than three `/`). */
const GROUPS = ["/registry/pods/", "/registry/events/", "/registry/pods0/", "/registry/p/", "/a/", ""];
const keyArb = fc.tuple(fc.integer({ min: 0, max: GROUPS.length - 1 }), fc.integer({ min: 0, max: 4000 })).map(([g, n]) => {
  const prefix = GROUPS[g]!;
  const name = String(n).padStart(4, "0");
  return prefix === "" ? (n % 2 ? `/k${name}` : `k/${name}`) : `${prefix}ns-${n % 7}/${name}`;
});
/** Range bounds: keys, group prefixes and their ends, and odd strings. */
const boundArb = fc.oneof(keyArb, fc.constantFrom(...GROUPS, ...GROUPS.map(prefixRangeEnd), "/registry/pods/ns-3/", "\uffff"), fc.string({ maxLength: 4 }));

type Op =
  | { op: "insert"; keys: string[] }
  | { op: "remove"; key: string }
  | { op: "scan"; from: string; to: string; stopAfter: number }
  | { op: "count"; from: string; to: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: keyArb.map((key) => ({ op: "insert" as const, keys: [key] })) },
  // A burst of inserts (a batch of hundreds placed at once: chunks replaced by several).
  { weight: 1, arbitrary: fc.array(keyArb, { minLength: 50, maxLength: 600 }).map((keys) => ({ op: "insert" as const, keys })) },
  { weight: 4, arbitrary: keyArb.map((key) => ({ op: "remove" as const, key })) },
  { weight: 2, arbitrary: fc.tuple(boundArb, boundArb, fc.integer({ min: 0, max: 300 })).map(([from, to, stopAfter]) => ({ op: "scan" as const, from, to, stopAfter })) },
  { weight: 1, arbitrary: fc.tuple(boundArb, boundArb).map(([from, to]) => ({ op: "count" as const, from, to })) },
);

test("interleaved inserts, removes, scans and counts agree with a sorted array (pending entries placed only when read)", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 400 }), (ops) => {
      const set = new SortedEntries<{ key: string }>();
      let model: string[] = [];
      for (const o of ops) {
        if (o.op === "insert") {
          for (const key of o.keys) {
            if (model.includes(key)) continue;
            set.insert({ key });
            model.push(key);
          }
          model.sort();
        } else if (o.op === "remove") {
          const had = model.includes(o.key);
          assert.is(set.remove(o.key), had, `remove ${o.key}`);
          if (had) model = model.filter((k) => k !== o.key);
        } else if (o.op === "scan") {
          const expected = model.filter((k) => k >= o.from && k < o.to).slice(0, o.stopAfter + 1);
          const seen: string[] = [];
          set.scan(o.from, o.to, (e) => (seen.push(e.key), seen.length <= o.stopAfter));
          assert.equal(seen, expected, `scan [${o.from}, ${o.to}) stopping after ${o.stopAfter + 1}`);
          // The runs cover the same entries, in order, each a non-empty slice of its array.
          const runs: string[] = [];
          set.scanRuns(o.from, o.to, (run, start, end) => {
            assert.ok(start >= 0 && start < end && end <= run.length);
            for (let i = start; i < end; i++) runs.push(run[i]!.key);
            return true;
          });
          assert.equal(runs, model.filter((k) => k >= o.from && k < o.to));
        } else {
          assert.is(set.countRange(o.from, o.to), model.filter((k) => k >= o.from && k < o.to).length, `count [${o.from}, ${o.to})`);
        }
        assert.is(set.size, model.length);
      }
      const all: string[] = [];
      set.scan("", "\uffff\uffff", (e) => (all.push(e.key), true));
      assert.equal(all, model);
    }),
    { numRuns: 200 },
  );
});

test("a large batch of one group placed among many placed chunks of others keeps order, and a removal of a pending key places its group", () => {
  const set = new SortedEntries<{ key: string }>();
  const model: string[] = [];
  const add = (key: string) => (set.insert({ key }), model.push(key));
  for (let i = 0; i < 5000; i++) add(`/registry/pods/ns/${String((i * 7919) % 5000).padStart(5, "0")}`);
  assert.is(set.countRange("/registry/pods/", "/registry/pods0"), 5000);
  for (let i = 0; i < 20000; i++) add(`/registry/events/ns/${String((i * 104729) % 20000).padStart(5, "0")}`);
  for (let i = 0; i < 3000; i++) add(`/registry/pods/ns/${String(5000 + ((i * 31) % 3000)).padStart(5, "0")}`);
  // Only pods are read: events stay pending and are not counted in the pods' range.
  assert.is(set.countRange("/registry/pods/", "/registry/pods0"), 8000);
  assert.ok(set.remove("/registry/events/ns/00042"));
  assert.not.ok(set.remove("/registry/events/ns/00042"));
  model.splice(model.indexOf("/registry/events/ns/00042"), 1);
  model.sort();
  const all: string[] = [];
  set.scan("", "\uffff", (e) => (all.push(e.key), true));
  assert.equal(all, model);
  assert.is(set.size, model.length);
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
