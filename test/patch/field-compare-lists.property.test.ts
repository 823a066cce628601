import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { compareObjects } from "../../core/api/patch/field-compare.js";
import { trackingMetaFor } from "../../core/api/patch/managed-fields.js";

// Lists whose items are told apart by a key compare as two Maps filled item by item would: each
// key once, in the order first seen, holding the last item with it. Short lists (searched in
// place) and long ones (past 16 items) must give the same sets, key order included.
const meta = trackingMetaFor("Pod");
const name = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h");

function keyed<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const item of items) m.set(key(item), item);
  return m;
}

function expectedSets<T>(before: Map<string, T>, after: Map<string, T>, changed: (a: T, b: T) => Record<string, object> | undefined): { added: Record<string, object>; modified: Record<string, object>; removed: Record<string, object> } {
  const added: Record<string, object> = {};
  const modified: Record<string, object> = {};
  const removed: Record<string, object> = {};
  for (const [k] of before) if (!after.has(k)) removed[k] = {};
  for (const [k, item] of after) {
    if (!before.has(k)) added[k] = {};
    else {
      const c = changed(before.get(k)!, item);
      if (c) modified[k] = c;
    }
  }
  return { added, modified, removed };
}

function under(path: string[], set: Record<string, object>): object {
  if (Object.keys(set).length === 0) return {};
  return path.reduceRight<object>((inner, pe) => ({ [pe]: inner }), set);
}

test("property: a set-typed list (finalizers) with repeated items compares as Maps of its items would, short or long", () => {
  fc.assert(
    fc.property(fc.array(name, { maxLength: 40 }), fc.array(name, { maxLength: 40 }), (a, b) => {
      const out = compareObjects({ metadata: { finalizers: a } }, { metadata: { finalizers: b } }, meta);
      const e = expectedSets(keyed(a, (v) => `v:${JSON.stringify(v)}`), keyed(b, (v) => `v:${JSON.stringify(v)}`), () => undefined);
      const path = ["f:metadata", "f:finalizers"];
      assert.is(JSON.stringify(out.removed), JSON.stringify(under(path, e.removed)));
      if (a.length > 0) assert.is(JSON.stringify(out.added), JSON.stringify(under(path, e.added)));
      assert.is(JSON.stringify(out.modified), JSON.stringify(under(path, e.modified)));
    }),
    { numRuns: 2000 },
  );
});

test("property: a keyed list (a pod's containers by name) with repeated keys pairs the last items of each key, short or long", () => {
  const container = fc.record({ name, image: fc.constantFrom("nginx:1", "nginx:2") });
  fc.assert(
    fc.property(fc.array(container, { minLength: 1, maxLength: 40 }), fc.array(container, { minLength: 1, maxLength: 40 }), (a, b) => {
      const out = compareObjects({ spec: { containers: a } }, { spec: { containers: b } }, meta);
      const key = (c: { name: string }) => `k:{"name":${JSON.stringify(c.name)}}`;
      const e = expectedSets(keyed(a, key), keyed(b, key), (x, y) => (x.image === y.image ? undefined : { "f:image": {} }));
      const path = ["f:spec", "f:containers"];
      assert.is(JSON.stringify(out.modified), JSON.stringify(under(path, e.modified)));
      // Added and removed items are marked with what they hold; their keys, in order, are the Maps'.
      const keysAt = (set: object) => Object.keys((set as Record<string, Record<string, object>>)["f:spec"]?.["f:containers"] ?? {});
      assert.equal(keysAt(out.added), Object.keys(e.added));
      assert.equal(keysAt(out.removed), Object.keys(e.removed));
    }),
    { numRuns: 2000 },
  );
});

test.run();
