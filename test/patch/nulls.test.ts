import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Pod } from "kubernetes-types/core/v1.js";
import { applyMergePatch, applyStrategicMergePatch } from "../../core/api/patch/index.js";
import { isStatusError } from "../../core/api/status.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import { deepFreeze } from "./freeze.js";

const cm = deepFreeze({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" }, data: { a: "1" } });

test("strategic merge patch: nulls for fields the object lacks are ignored, at any depth", () => {
  const out = applyStrategicMergePatch(cm, { metadata: { annotations: { gone: null, kept: "v" }, labels: { a: null } } }, "ConfigMap");
  assert.equal(out.metadata, { name: "x", namespace: "default", annotations: { kept: "v" }, labels: {} });
  const pod = deepFreeze({ kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } });
  const deep = applyStrategicMergePatch(pod, { spec: { securityContext: { runAsUser: null, seLinuxOptions: { level: null, user: "u" } }, volumes: [{ name: "v", emptyDir: { medium: null } }] } }, "Pod") as Pod;
  assert.equal(deep.spec!.securityContext, { seLinuxOptions: { user: "u" } });
  assert.equal(deep.spec!.volumes, [{ name: "v", emptyDir: {} }], "objects inside a new list lose their null members");
  // A field of another kind (a string where the patch has a map) is replaced, nulls dropped as well.
  const replaced = applyStrategicMergePatch(deepFreeze({ kind: "ConfigMap", data: "s" }), { data: { a: null, b: "2" } }, "ConfigMap");
  assert.equal(replaced.data, { b: "2" });
});

test("merge patch: objects inside a new or replaced list lose their null members (evanphx pruneNulls)", () => {
  const out = applyMergePatch(cm, { metadata: { ownerReferences: [{ name: "o", uid: null }], finalizers: [null] } });
  assert.equal(out.metadata, { name: "x", namespace: "default", ownerReferences: [{ name: "o" }], finalizers: [null] });
});

test("strategic merge patch: malformed directives are 400 with the upstream message, never 500", () => {
  const cases: [unknown, string][] = [
    [{ "$setElementOrder/data": [] }, "expected a slice, but received a map"],
    [{ metadata: { $patch: "bogus" } }, "unknown patch type: bogus in map: map[$patch:bogus]"],
    [{ spec: { containers: [{ name: "c", $patch: "merge" }] } }, "merging lists cannot yet be specified in the patch"],
    [{ spec: { containers: ["text"] } }, "expected a map, but received a string"],
  ];
  const pod = deepFreeze({ kind: "Pod", metadata: { name: "p" }, data: { a: "1" }, spec: { containers: [{ name: "c", image: "i" }] } });
  for (const [patch, message] of cases) {
    try {
      applyStrategicMergePatch(pod, patch, "Pod");
      assert.unreachable(JSON.stringify(patch));
    } catch (err) {
      assert.ok(isStatusError(err, "BadRequest"), `${JSON.stringify(patch)}: ${String(err)}`);
      assert.is((err as Error).message, message);
    }
  }
});

test("through the API server: a null in any patch type is what decoding into the Go type makes of it", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  await cms.create({ metadata: { name: "x", namespace: "default" }, data: { a: "1" } });
  const ns = { namespace: "default" };
  // Item 1 of the issue: kubectl patch cm x --type=strategic -p '{"metadata":{"annotations":{"gone":null}}}'
  const smp = await cms.patch("x", "strategic", { metadata: { annotations: { gone: null } } }, ns);
  assert.not.ok(smp.metadata!.annotations?.["gone"] !== undefined);
  const labels = await cms.patch("x", "strategic", { metadata: { labels: { a: null } } }, ns);
  assert.is(labels.metadata!.labels?.["a"], undefined);
  // A JSON patch keeps the null; a map[string]string value decodes it as "".
  const jp = await cms.patch("x", "json", [{ op: "add", path: "/metadata/annotations", value: { a: null } }], ns);
  assert.equal(jp.metadata!.annotations, { a: "" });
  // A null data value of a merge patch deletes (nothing to delete: ignored).
  assert.equal((await cms.patch("x", "merge", { data: { b: null } }, ns)).data, { a: "1" });
  // finalizers: [null] decodes to [""], which validation refuses (422, as upstream).
  for (const type of ["merge", "strategic"] as const) {
    const err = await statusOf(cms.patch("x", type, { metadata: { finalizers: [null] } }, ns));
    assert.is(err.code, 422, type);
    assert.match(err.message, 'metadata.finalizers: Invalid value: "": name part must be non-empty');
  }
  // ownerReferences: [null] is a zero OwnerReference: every required field is reported.
  const owner = await statusOf(cms.patch("x", "merge", { metadata: { ownerReferences: [null] } }, ns));
  assert.is(owner.code, 422);
  assert.match(owner.message, "metadata.ownerReferences[0].uid: Required value");
  // managedFields: [null] does not break field tracking.
  const mf = await cms.patch("x", "merge", { metadata: { managedFields: [null] }, data: { c: "3" } }, ns);
  assert.equal(mf.data, { a: "1", c: "3" });
  // Creates and updates decode nulls the same way.
  const created = await cms.create({ metadata: { name: "n", namespace: "default", labels: { l: null } as never, annotations: null as never }, data: { k: null } as never });
  assert.equal(created.metadata!.labels, { l: "" });
  assert.is(created.metadata!.annotations, undefined);
  assert.equal(created.data, { k: "" });
});

test.run();
