/**
 * Interning a field set (what every recorded entry holds) finds an equal interned set by its
 * children's interned nodes, without building the set again: differential check that the entry's
 * set is the input in FieldsV1 order (as upstream serialises it), whatever the input's key order,
 * that an equal set written right after (in another key order) comes out as the very same interned
 * object, and that a set holding an equal subtree holds it equal, over random sets with nested
 * list-map, set and field elements. (That subtree is the same object too while the bounded tables
 * have not started over since; after a restart it may be an equal copy, which is not a fault.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { encodeManagedFields } from "../../core/api/patch/managed-fields.js";
import type { FieldSet } from "../../core/api/patch/field-set.js";
import { fieldsV1Json } from "./fields-v1-order.js";

const element = fc.constantFrom("f:a", "f:b", "f:status", "f:conditions", 'k:{"type":"Ready"}', 'k:{"type":"Initialized"}', 'k:{"ip":"10.0.0.1"}', 'v:"x"', "i:0", "i:10");
const set: fc.Arbitrary<FieldSet> = fc.letrec<{ node: FieldSet }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant({}),
    fc.tuple(fc.boolean(), fc.dictionary(element, tie("node"), { minKeys: 1, maxKeys: 4 })).map(([self, children]) => (self ? { ".": {}, ...children } : children)),
  ),
})).node;

/** The same set with every node's keys in reverse order. */
function reversed(s: FieldSet): FieldSet {
  const out: Record<string, FieldSet> = {};
  for (const k of Object.keys(s).reverse()) out[k] = reversed(s[k]!);
  return out;
}

const entryOf = (fields: FieldSet, manager = "m") => encodeManagedFields([{ manager, operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fields }])[0];

test("an interned set is the set in FieldsV1 order; an equal set in any order is one object, an equal subtree equal", () => {
  fc.assert(
    fc.property(fc.dictionary(element, set, { minKeys: 1, maxKeys: 4 }), element, (fields, extra) => {
      const e = entryOf(fields);
      if (!e) return;
      assert.is(JSON.stringify(e.fieldsV1), fieldsV1Json(fields));
      // The same set again, in another key order, by another manager: the same interned set.
      const again = entryOf(reversed(fields), "n")!;
      assert.is(again.fieldsV1, e.fieldsV1);
      // A set holding it under another element: that subtree is equal to it, in FieldsV1 order.
      const outer = entryOf({ [extra]: reversed(fields) } as FieldSet, "o")!;
      assert.is(JSON.stringify(outer.fieldsV1), fieldsV1Json({ [extra]: fields }));
      assert.is(JSON.stringify((outer.fieldsV1 as Record<string, unknown>)[extra]), JSON.stringify(e.fieldsV1));
    }),
    { numRuns: 3000 },
  );
});

test.run();
