/**
 * Field set union and difference build each node as one object and keep the operands' own nodes
 * where nothing changes, and a difference of two sets is taken in one walk: differential check against the plain definitions (membership and
 * children, `.` first, a member without children the leaf), key order included as the FieldsV1
 * JSON shows it, over random sets in the shape field tracking builds them, with shared subtrees.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { difference, isMember, union, type FieldSet } from "../../core/api/patch/field-set.js";

type Node = Record<string, FieldSet>;

/** A node from its membership and children; undefined when it holds nothing. */
function plainNode(member: boolean, children: Node): FieldSet | undefined {
  if (Object.keys(children).length === 0) return member ? {} : undefined;
  return member ? { ".": {}, ...children } : children;
}

/** The children of a ∪ b: a's in order, then b's new ones, merged where both have one. */
function plainUnion(a: FieldSet, b: FieldSet): Node {
  const out: Node = {};
  for (const k of Object.keys(a)) if (k !== ".") out[k] = a[k]!;
  for (const k of Object.keys(b)) {
    if (k === ".") continue;
    const an = out[k];
    out[k] = an === undefined ? b[k]! : (plainNode(isMember(an) || isMember(b[k]!), plainUnion(an, b[k]!)) ?? {});
  }
  return out;
}

/** The children of a − b, in a's order. */
function plainDifference(a: FieldSet, b: FieldSet): Node {
  const out: Node = {};
  for (const k of Object.keys(a)) {
    if (k === ".") continue;
    const bn = b[k];
    const n = bn === undefined ? a[k] : plainNode(isMember(a[k]!) && !isMember(bn), plainDifference(a[k]!, bn));
    if (n) out[k] = n;
  }
  return out;
}

const keys = ["f:a", "f:b", "f:c", 'k:{"name":"x"}', 'k:{"name":"y"}', "v:1"];
/** Sets as field tracking builds them: children in any order, `.` first on members that have children. */
const { set } = fc.letrec<{ set: FieldSet; node: FieldSet }>((tie) => ({
  set: fc.array(fc.tuple(fc.constantFrom(...keys), tie("node")), { maxLength: 4 }).map((entries) => {
    const out: Node = {};
    for (const [k, v] of entries) out[k] = v;
    return out;
  }),
  node: fc.oneof({ depthSize: "small" }, fc.constant({}), fc.tuple(fc.boolean(), tie("set")).map(([member, children]) => plainNode(member, children as Node) ?? {})),
}));

/** Two sets, the second often made of the first's own nodes (a write's change taken from a manager's set). */
const operands = fc.tuple(set, set, fc.integer({ min: 0, max: 2 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 })).map(([a, b, mode, picks]): [FieldSet, FieldSet] => {
  if (mode === 0) return [a, b];
  const mixed: Node = {};
  let i = 0;
  for (const k of Object.keys(a)) if (picks[i++ % picks.length]) mixed[k] = a[k]!;
  for (const k of Object.keys(b)) if (!(k in mixed)) mixed[k] = b[k]!;
  return mode === 1 ? [a, mixed] : [mixed, a];
});

test("property: union and difference give the plain definitions' sets, key order included", () => {
  fc.assert(fc.property(operands, ([a, b]) => {
    assert.is(JSON.stringify(union(a, b)), JSON.stringify(plainUnion(a, b)));
    assert.is(JSON.stringify(difference(a, b)), JSON.stringify(plainDifference(a, b)));
  }), { numRuns: 20_000 });
});

test("property: a − b − c in one walk is (a − b) − c, key order included", () => {
  fc.assert(fc.property(operands, set, fc.boolean(), ([a, b], other, sameAsB) => {
    const c = sameAsB ? b : other;
    assert.is(JSON.stringify(difference(a, b, c)), JSON.stringify(plainDifference(plainDifference(a, b), c)));
    assert.is(JSON.stringify(difference(a, b, c)), JSON.stringify(difference(difference(a, b), c)));
  }), { numRuns: 10_000 });
});

test("property: nodes that gain or lose nothing are the operand's own", () => {
  fc.assert(fc.property(operands, ([a, b]) => {
    const u = union(a, b);
    for (const k in u) if (!(k in b)) assert.is(u[k], a[k], `union keeps a's ${k}`);
    const d = difference(a, b);
    for (const k in d) if (!(k in b)) assert.is(d[k], a[k], `difference keeps a's ${k}`);
  }), { numRuns: 5_000 });
});

test("a node holding what is added is kept as it is; one losing a field is rebuilt with `.` first", () => {
  const spec: FieldSet = { "f:spec": { "f:containers": { 'k:{"name":"x"}': { ".": {}, "f:name": {}, "f:image": {} } }, "f:replicas": {} } };
  const taken: FieldSet = { "f:spec": { "f:containers": { 'k:{"name":"x"}': { "f:image": {} } } } };
  assert.is(union(spec, taken), spec);
  const lost = difference(spec, taken);
  assert.is(JSON.stringify(lost), '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"x\\"}":{".":{},"f:name":{}}},"f:replicas":{}}}');
  assert.is(lost["f:spec"]!["f:replicas"], spec["f:spec"]!["f:replicas"]);
});

test.run();
