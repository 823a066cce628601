/**
 * The comparisons look a struct's field up once per key (its path element, meta, Go shape, zero
 * value and whether a JSON value is in the Go value, kept per type): differential check against
 * the lookups it stands for (fieldElement, meta.fields[key], shapeAt, shape.zero[key],
 * presentInGo), over the shapes and metas of built-in kinds, their keys, inherited member names
 * and random keys, and values at and beside their Go zeros.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { lookupField } from "../../core/api/patch/field-compare.js";
import { fieldElement } from "../../core/api/patch/field-set.js";
import { patchMetaFor, type TypeMeta } from "../../core/api/patch/patch-meta.js";
import { presentInGo, shapeAt, zeroShapeFor, type ZeroShape } from "../../core/api/patch/zero-shape.js";

/** Shapes and metas reachable from a few kinds (a few levels down), paired as the comparisons pair them. */
const pairs: { meta: TypeMeta | undefined; shape: ZeroShape | undefined }[] = [{ meta: undefined, shape: undefined }];
const keys = new Set<string>(["constructor", "toString", "__proto__", "hasOwnProperty", "", "f:x", "."]);
function collect(meta: TypeMeta | undefined, shape: ZeroShape | undefined, depth: number): void {
  pairs.push({ meta, shape });
  for (const table of [shape?.zero, shape?.omit, shape?.fields, meta?.fields]) for (const k in table ?? {}) keys.add(k);
  for (const k of shape?.maps ?? []) keys.add(k);
  if (depth === 0) return;
  const children = new Set([...Object.keys(shape?.fields ?? {}), ...Object.keys(meta?.fields ?? {})]);
  for (const k of children) collect(meta?.fields?.[k]?.type, shapeAt(shape, k), depth - 1);
  if (shape?.each) collect(undefined, shape.each, depth - 1);
}
for (const [apiVersion, kind] of [["v1", "Pod"], ["v1", "Event"], ["v1", "Node"], ["apps/v1", "Deployment"], ["v1", "Service"]] as const) {
  collect(patchMetaFor(kind), zeroShapeFor(apiVersion, kind), 4);
}
const keyList = [...keys];
const value = fc.oneof(
  fc.constantFrom<unknown>(null, "", 0, false, true, "x", 1, -1, [], ["a"], [{}], {}, { a: "b" }, { "": null }),
  fc.jsonValue({ maxDepth: 2 }),
);

test("a field looked up once per type is what the lookups per key give", () => {
  assert.ok(pairs.length > 40 && keyList.length > 100, `${pairs.length} shapes, ${keyList.length} keys`);
  fc.assert(
    fc.property(fc.nat(pairs.length - 1), fc.oneof(fc.constantFrom(...keyList), fc.string({ maxLength: 6 })), fc.array(value, { maxLength: 4 }), (i, key, values) => {
      const { meta, shape } = pairs[i]!;
      // Twice: the first lookup makes the field, the second finds it kept.
      for (let round = 0; round < 2; round++) {
        const f = lookupField(meta, shape, key);
        assert.is(f.pe, fieldElement(key));
        assert.is(f.fm, meta?.fields?.[key]);
        assert.is(f.shape, shapeAt(shape, key));
        assert.is(f.zero, shape?.zero?.[key]);
        for (const v of values) assert.is(f.present(v), presentInGo(v, key, shape), `${key}: ${JSON.stringify(v)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test("inherited member names and the values at the edges of presence, every shape", () => {
  const values: unknown[] = [null, "", 0, false, true, "x", 1, [], ["a"], {}, { a: "b" }];
  for (const { meta, shape } of pairs) {
    for (const key of ["constructor", "toString", "__proto__", "valueOf", ...Object.keys(shape?.zero ?? {}), ...Object.keys(shape?.omit ?? {}), ...(shape?.maps ?? [])]) {
      const f = lookupField(meta, shape, key);
      assert.is(f.zero, shape?.zero?.[key]);
      for (const v of values) assert.is(f.present(v), presentInGo(v, key, shape), `${key}: ${JSON.stringify(v)}`);
    }
  }
});

test("map keys past the kept bound are still looked up right", () => {
  const shape = zeroShapeFor("v1", "Pod");
  for (let i = 0; i < 1500; i++) {
    const key = `label-${i}`;
    const f = lookupField(undefined, undefined, key);
    assert.is(f.pe, fieldElement(key));
    assert.ok(f.present(""));
    assert.is(lookupField(patchMetaFor("Pod"), shape, key).present(""), presentInGo("", key, shape));
  }
});

test.run();
