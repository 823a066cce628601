import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { normalizeElementOrder, partition } from "../../core/api/patch/element-order.js";

// The ordering as it was written before lists were searched in place (Maps, filters and a sort):
// the reference the in-place version must match item for item, on short and long lists alike.
function key(v: unknown, mergeKey: string): unknown {
  return mergeKey && typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[mergeKey] : v;
}
function isDelete(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)["$patch"] === "delete";
}
function indexOf(list: unknown[], mergeKey: string): Map<unknown, number> {
  const index = new Map<unknown, number>();
  list.forEach((v, i) => {
    const k = key(v, mergeKey);
    if (!index.has(k)) index.set(k, i);
  });
  return index;
}
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string): unknown[] {
  const index = indexOf(order, mergeKey);
  const deletes = items.filter(isDelete);
  const rest = items.filter((v) => !isDelete(v));
  const known = rest.filter((v) => index.has(key(v, mergeKey))).sort((a, b) => index.get(key(a, mergeKey))! - index.get(key(b, mergeKey))!);
  const unknown = rest.filter((v) => !index.has(key(v, mergeKey)));
  return [...known, ...unknown, ...deletes];
}
function referencePartition(items: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const keys = new Set(by.map((v) => key(v, mergeKey)));
  return [items.filter((v) => keys.has(key(v, mergeKey))), items.filter((v) => !keys.has(key(v, mergeKey)))];
}
function referenceNormalize(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const serverIndex = indexOf(serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = serverIndex.get(key(left[i], mergeKey));
      const ri = serverIndex.get(key(right[j], mergeKey));
      if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

// Few distinct keys, so lists repeat keys and share them; up to 40 items, past the in-place search's limit.
const name = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", 0, 1, 2);
const item = fc.oneof(
  { weight: 8, arbitrary: name.map((n) => ({ name: n })) },
  { weight: 1, arbitrary: name.map((n) => ({ name: n, $patch: "delete" })) },
  { weight: 1, arbitrary: fc.constant({ other: 1 }) },
);
const list = fc.array(item, { maxLength: 40 });
const primitives = fc.array(name, { maxLength: 40 });

test("property: element order as the Map-and-sort reference gives it (keyed lists, duplicates, deletes, long lists)", () => {
  fc.assert(
    fc.property(list, list, list, list, (merged, patchOrder, serverOrder, by) => {
      const [inBy, rest] = partition(merged, by, "name");
      assert.equal([inBy, rest], referencePartition(merged, by, "name"));
      const out = normalizeElementOrder(inBy, rest, patchOrder, serverOrder, "name");
      const expected = referenceNormalize(inBy, rest, patchOrder, serverOrder, "name");
      assert.ok(out.length === expected.length && out.every((v, i) => v === expected[i]), `${JSON.stringify(out)} != ${JSON.stringify(expected)}`);
    }),
    { numRuns: 3000 },
  );
});

test("property: element order of primitive lists as the reference gives it", () => {
  fc.assert(
    fc.property(primitives, primitives, primitives, primitives, (merged, patchOrder, serverOrder, by) => {
      const [inBy, rest] = partition(merged, by, "");
      assert.equal([inBy, rest], referencePartition(merged, by, ""));
      assert.equal(normalizeElementOrder(inBy, rest, patchOrder, serverOrder, ""), referenceNormalize(inBy, rest, patchOrder, serverOrder, ""));
    }),
    { numRuns: 3000 },
  );
});

test.run();
