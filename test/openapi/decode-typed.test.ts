import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { decodeTyped } from "../../core/apiserver/openapi/type-check.js";

test("null struct fields are dropped where they are: the other members keep their order, untouched subtrees are shared", () => {
  const container = { name: "c", image: "nginx" };
  const pod = {
    apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
    spec: { containers: [container], nodeName: null, restartPolicy: "Always" },
    status: { conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" }], phase: "Running" },
  };
  const out = decodeTyped("", "v1", "Pod", pod).object as typeof pod;
  assert.equal(JSON.stringify(out.spec), '{"containers":[{"name":"c","image":"nginx"}],"restartPolicy":"Always"}');
  assert.equal(Object.keys(out.status.conditions[0]!), ["type", "status", "lastTransitionTime"]);
  assert.ok(out.spec.containers[0] === container, "an untouched subtree is shared");
  assert.ok(out.metadata === pod.metadata);
  assert.is(pod.spec.nodeName, null, "the input is not mutated");
  assert.ok(decodeTyped("", "v1", "Pod", out).object === out, "a decoded object decodes to itself");
});

test("once a member is dropped, members left undefined are dropped too; without a drop they stay", () => {
  const dropped = decodeTyped("", "v1", "Pod", { apiVersion: "v1", kind: "Pod", spec: { extra: undefined, nodeName: null, restartPolicy: "Always" } }).object as { spec: object };
  assert.equal(Object.keys(dropped.spec), ["restartPolicy"]);
  // A value decoded to another (a list item's null becomes its zero) copies the object, undefined members kept as they were.
  const kept = decodeTyped("", "v1", "Pod", { apiVersion: "v1", kind: "Pod", metadata: { extra: undefined, finalizers: ["a", null] } }).object as { metadata: object };
  assert.equal(Object.keys(kept.metadata), ["extra", "finalizers"]);
  assert.equal((kept.metadata as { finalizers: unknown[] }).finalizers, ["a", ""]);
});

test("each member is checked against its own field whatever the order and the set of members of the objects checked before", () => {
  // Container fields of three Go types, and members the type does not have (unknown: not checked here).
  const goTypes: Record<string, string> = { name: "string", image: "string", workingDir: "string", tty: "bool", stdin: "bool", ports: "[]v1.ContainerPort", args: "[]string" };
  const value = fc.constantFrom<unknown>("s", 1, true, [], {}, null);
  const fits = (key: string, v: unknown): boolean => {
    const t = goTypes[key];
    if (t === undefined || v === null) return true;
    if (t === "string") return typeof v === "string";
    if (t === "bool") return typeof v === "boolean";
    return Array.isArray(v);
  };
  const container = fc.uniqueArray(fc.tuple(fc.constantFrom(...Object.keys(goTypes), "x1", "x2"), value), { selector: ([k]) => k, maxLength: 8 });
  fc.assert(fc.property(fc.array(container, { minLength: 1, maxLength: 6 }), (containers) => {
    // Checked one after another: objects of one struct in different orders and shapes, as writes send them.
    for (const members of containers) {
      const c = Object.fromEntries([["name", "c"], ...members]);
      const out = decodeTyped("", "v1", "Pod", { apiVersion: "v1", kind: "Pod", spec: { containers: [c] } });
      const bad = Object.entries(c).find(([k, v]) => !fits(k, v));
      if (!bad) {
        assert.is(out.mismatch, undefined);
        const decoded = (out.object as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!;
        assert.equal(Object.keys(decoded), Object.keys(c).filter((k) => !(k in goTypes) || c[k] !== null));
      } else {
        const v = bad[1];
        assert.equal(out.mismatch, { found: Array.isArray(v) ? "array" : typeof v === "boolean" ? "bool" : typeof v, struct: "Container", path: `spec.containers.${bad[0]}`, goType: goTypes[bad[0]] });
      }
    }
  }), { numRuns: 400 });
});

test.run();
