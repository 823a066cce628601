/**
 * Path elements of list-map items with several keys (a container's ports by port and protocol) come
 * from a table by key values: each must be the element serialising the item's keys gives
 * (structured-merge-diff's `k:` JSON, keys sorted, defaults filled, HTML-unsafe characters
 * escaped), asked once or again, whatever values came before (numbers and strings that print
 * alike, missing keys, objects as values).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { itemPathElement, listTypeOf } from "../../core/api/patch/field-set.js";
import { patchMetaFor } from "../../core/api/patch/patch-meta.js";

function expected(item: Record<string, unknown>, keys: readonly string[], defaults?: Readonly<Record<string, unknown>>): string {
  const key: Record<string, unknown> = {};
  for (const k of keys) key[k] = item[k] ?? defaults?.[k];
  return `k:${JSON.stringify(key).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}`;
}

const ports = listTypeOf(patchMetaFor("Pod")!.fields!["spec"]!.type!.fields!["containers"]!.type!.fields!["ports"]);
const custom = listTypeOf({ list: "map", keys: ["b", "a", "c"] } as never);
const scalar = fc.oneof(fc.constantFrom(80, "80", 0, "", "TCP", "UDP", true, null, "<a&b>"), fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 3 }));
const value = fc.oneof({ weight: 6, arbitrary: fc.option(scalar, { nil: undefined }) }, { weight: 1, arbitrary: fc.record({ x: scalar }) });

test("the ports list type is a map with two keys (the case the table serves)", () => {
  assert.equal(ports.type, "map");
  assert.equal(ports.type === "map" && ports.keys.length, 2);
});

test("property: a multi-key item's path element is its keys' JSON, from the table or not", () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.record({ containerPort: value, protocol: value, a: value, b: value, c: value, name: value }, { requiredKeys: [] })), { maxLength: 30 }), (items) => {
    for (const [useCustom, item] of items) {
      const list = useCustom ? custom : ports;
      if (list.type !== "map") throw new Error("not a map list");
      const want = expected(item, list.keys, list.defaults);
      assert.is(itemPathElement(item, list, 0), want);
      assert.is(itemPathElement({ ...item }, list, 1), want);
    }
  }), { numRuns: 300 });
});

test.run();
