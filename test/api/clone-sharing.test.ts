import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { cloneJson, cloneSharing, reshared, withMember } from "../../core/api/clone.js";
import { deepFreeze } from "../../core/api/immutable.js";
import { jsonEqual } from "../../core/api/patch/json-value.js";

const base = deepFreeze({
  phase: "Running",
  conditions: [{ type: "Ready", status: "True" }, { type: "Initialized", status: "True" }],
  containerStatuses: [{ name: "main", ready: true, state: { running: { startedAt: "t" } } }],
});

test("cloneSharing shares the subtrees equal to the base's and copies the rest", () => {
  const body = { phase: "Running", conditions: [{ type: "Ready", status: "False" }, { type: "Initialized", status: "True" }], containerStatuses: [{ name: "main", ready: true, state: { running: { startedAt: "t" } } }] };
  const out = cloneSharing(body, base);
  assert.equal(out, body);
  assert.is(out.containerStatuses, base.containerStatuses);
  assert.is(out.conditions[1], base.conditions[1]);
  assert.is.not(out.conditions, base.conditions);
  assert.is.not(out.conditions, body.conditions);
  assert.is.not(out.conditions[0], body.conditions[0]);
  // What differs is private: writing it changes neither the body nor the base.
  out.conditions[0]!.status = "Unknown";
  assert.is(body.conditions[0]!.status, "False");
  assert.is(base.conditions[0]!.status, "True");
});

test("cloneSharing returns the base itself for an equal value, a copy when key order or members differ", () => {
  assert.is(cloneSharing(cloneJson(base), base), base);
  const reordered = { conditions: base.conditions, phase: "Running", containerStatuses: base.containerStatuses };
  const out = cloneSharing(reordered, base);
  assert.is.not(out, base);
  assert.equal(Object.keys(out), ["conditions", "phase", "containerStatuses"]);
  const extra = cloneSharing({ ...cloneJson(base), podIP: "10.0.0.1" }, base);
  assert.is.not(extra, base);
  assert.is(extra.conditions, base.conditions);
  const fewer = cloneSharing({ phase: "Running", conditions: cloneJson(base.conditions) }, base);
  assert.is.not(fewer, base);
  assert.is(fewer.conditions, base.conditions);
  // Undefined members are dropped as JSON drops them, and do not count as differences.
  assert.is(cloneSharing({ ...cloneJson(base), message: undefined }, base), base);
  assert.is(cloneSharing({ a: [1, 2] }, { a: [1, 2, 3] }).a.length, 2);
});

test("reshared keeps the value's own containers where nothing is shared and never mutates", () => {
  const own = { phase: "Pending", nodeName: "n1" };
  assert.is(reshared(own, base), own);
  const edited = { ...cloneJson(base), phase: "Succeeded" };
  const frozen = deepFreeze(edited);
  const out = reshared(frozen, base);
  assert.is.not(out, frozen);
  assert.is(out.conditions, base.conditions);
  assert.is(out.containerStatuses, base.containerStatuses);
  assert.is(out.phase, "Succeeded");
  assert.is(reshared(cloneJson(base), base), base);
});

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constantFrom(null, true, 0, 1, "a", "b"), fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("a", "b", "c"), tie("value"), { maxKeys: 3 })),
})).value;

test("withMember makes what a spread with one member set makes: same members, same order, a __proto__ member kept as a member", () => {
  const obj = deepFreeze(JSON.parse('{"a":1,"metadata":{"name":"x"},"__proto__":{"polluted":true},"z":null,"u":2}') as Record<string, unknown>);
  const meta = { name: "y" };
  const out = withMember(obj, "metadata", meta);
  const spread = { ...obj, metadata: meta };
  assert.equal(Object.keys(out), Object.keys(spread));
  assert.is(out["metadata"], meta);
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(JSON.stringify(out), JSON.stringify(spread));
  assert.is(obj["metadata"] === meta, false);
  // An absent member goes last.
  assert.equal(Object.keys(withMember({ a: 1, b: 2 }, "c", 3)), ["a", "b", "c"]);
});

test("property: both give a value JSON-equal to the input (key order included), sharing only subtrees equal to the base's", () => {
  fc.assert(fc.property(json, json, (value, other) => {
    const b = deepFreeze(cloneJson(other));
    for (const out of [cloneSharing(value, b), reshared(value, b)]) {
      assert.is(JSON.stringify(out), JSON.stringify(value));
      if (out === b) assert.ok(jsonEqual(value, b));
    }
    // A copy never shares with the input.
    const copy = cloneSharing(value, b);
    if (typeof value === "object" && value !== null && copy !== b) assert.is.not(copy, value);
  }), { numRuns: 2000 });
});

test.run();
