import { test } from "uvu";
import * as assert from "uvu/assert";
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

test.run();
