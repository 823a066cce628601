import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyJsonPatch, applyMergePatch, createMergePatch } from "../../core/api/patch/index.js";
import { isStatusError, type StatusError } from "../../core/api/status.js";
import { deepFreeze } from "./freeze.js";

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error("expected a StatusError");
}

const deploy = deepFreeze({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", labels: { app: "web" } }, spec: { replicas: 1, template: { spec: { containers: [{ name: "c", image: "nginx" }] } } } });

test("json patch applies operations without mutating the input", () => {
  const out = applyJsonPatch(deploy, [
    { op: "test", path: "/spec/replicas", value: 1 },
    { op: "replace", path: "/spec/replicas", value: 3 },
    { op: "add", path: "/metadata/labels/tier", value: "front" },
    { op: "remove", path: "/spec/template/spec/containers/0/image" },
  ]);
  assert.is(out.spec.replicas, 3);
  assert.equal(out.metadata.labels, { app: "web", tier: "front" });
  assert.equal(out.spec.template.spec.containers[0], { name: "c" });
  assert.is(deploy.spec.replicas, 1);
});

test("json patch: a failed test op is 422 Invalid with the json-patch message as cause", () => {
  const err = thrown(() => applyJsonPatch(deploy, [{ op: "test", path: "/spec/replicas", value: 2 }]));
  assert.is(err.code, 422);
  assert.is(err.reason, "Invalid");
  assert.is(err.message, "the server rejected our request due to an error in our request");
  assert.equal(err.status.details?.causes, [{ reason: "UnexpectedServerResponse", message: "testing value /spec/replicas failed: test failed" }]);
});

test("json patch: replacing a missing path is 422 with evanphx's wording", () => {
  const err = thrown(() => applyJsonPatch(deploy, [{ op: "replace", path: "/spec/paused", value: true }]));
  assert.is(err.code, 422);
  assert.is(err.status.details?.causes?.[0]?.message, "replace operation does not apply: doc is missing key: /spec/paused: missing value");
  const add = thrown(() => applyJsonPatch(deploy, [{ op: "add", path: "/spec/nope/x", value: 1 }]));
  assert.is(add.status.details?.causes?.[0]?.message, 'add operation does not apply: doc is missing path: "/spec/nope/x": missing value');
});

test("json patch: a body that is not an array is 400 BadRequest", () => {
  const err = thrown(() => applyJsonPatch(deploy, { op: "add" }));
  assert.is(err.code, 400);
  assert.is(err.reason, "BadRequest");
  assert.is(err.message, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
});

// RFC 7386 appendix A examples.
const RFC7386: [unknown, unknown, unknown][] = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test("merge patch follows RFC 7386", () => {
  for (const [target, patch, result] of RFC7386) assert.equal(applyMergePatch(deepFreeze(target), deepFreeze(patch)), result);
});

test("merge patch shares untouched subtrees and refuses non-object patches", () => {
  const out = applyMergePatch(deploy, { metadata: { labels: { app: null } } });
  assert.equal(out.metadata.labels, {});
  assert.ok(out.spec === deploy.spec);
  assert.is(thrown(() => applyMergePatch(deploy, [1])).code, 400);
});

test("createMergePatch round-trips", () => {
  const modified = { ...deploy, metadata: { name: "d", annotations: { x: "y" } }, spec: { ...deploy.spec, replicas: 4 } };
  const patch = createMergePatch(deploy, modified);
  assert.equal(patch, { metadata: { labels: null, annotations: { x: "y" } }, spec: { replicas: 4 } });
  assert.equal(applyMergePatch(deploy, patch), modified);
  assert.equal(createMergePatch(deploy, deploy), {});
});

test.run();
