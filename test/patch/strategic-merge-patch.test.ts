import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyStrategicMergePatch, createStrategicMergePatch, createThreeWayStrategicMergePatch } from "../../core/api/patch/index.js";
import { isStatusError } from "../../core/api/status.js";
import { deepFreeze } from "./freeze.js";

const pod = deepFreeze({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", labels: { app: "web", tier: "front" }, finalizers: ["a", "b"] },
  spec: {
    containers: [
      { name: "web", image: "nginx:1", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] },
      { name: "sidecar", image: "envoy" },
    ],
    tolerations: [{ key: "k", operator: "Exists" }],
    volumes: [{ name: "data", emptyDir: {} }],
  },
});

test("containers merge by name; unlisted containers are kept", () => {
  const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "web", image: "nginx:2" }] } }, "Pod");
  assert.equal(out.spec.containers.map((c) => [c.name, c.image]), [["web", "nginx:2"], ["sidecar", "envoy"]]);
  assert.equal(out.spec.containers[0]!.env, pod.spec.containers[0]!.env);
  assert.ok(out.spec.tolerations === pod.spec.tolerations, "untouched subtrees are shared");
});

test("nested merge keys: env by name, ports by containerPort; new items placed as upstream orders them", () => {
  const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "web", env: [{ name: "B", value: "20" }, { name: "C", value: "3" }], ports: [{ containerPort: 443 }] }] } }, "Pod");
  assert.equal(out.spec.containers[0]!.env, [{ name: "A", value: "1" }, { name: "B", value: "20" }, { name: "C", value: "3" }]);
  // Without $setElementOrder, upstream's mergeSortedSlice puts patch-only items before server-only ones.
  assert.equal(out.spec.containers[0]!.ports, [{ containerPort: 443 }, { containerPort: 80 }]);
});

test("lists without a merge strategy (tolerations) are replaced whole", () => {
  const out = applyStrategicMergePatch(pod, { spec: { tolerations: [{ key: "other", operator: "Exists" }] } }, "Pod");
  assert.equal(out.spec.tolerations, [{ key: "other", operator: "Exists" }]);
});

test("$patch: delete removes a list item by key; $patch: replace replaces the list", () => {
  const del = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } }, "Pod");
  assert.equal(del.spec.containers.map((c) => c.name), ["web"]);
  const rep = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } }, "Pod");
  assert.equal(rep.spec.containers, [{ name: "only", image: "x" }]);
});

test("$patch: replace on a map replaces it; $patch: delete on a map empties it", () => {
  const rep = applyStrategicMergePatch(pod, { metadata: { labels: { $patch: "replace", only: "me" } } }, "Pod");
  assert.equal(rep.metadata.labels, { only: "me" });
  const del = applyStrategicMergePatch(pod, { metadata: { labels: { $patch: "delete" } } }, "Pod");
  assert.equal(del.metadata.labels, {});
});

test("null deletes a field; maps merge key by key", () => {
  const out = applyStrategicMergePatch(pod, { metadata: { labels: { tier: null, env: "prod" } } }, "Pod");
  assert.equal(out.metadata.labels, { app: "web", env: "prod" });
});

test("finalizers merge as a set; $deleteFromPrimitiveList removes values", () => {
  const add = applyStrategicMergePatch(pod, { metadata: { finalizers: ["b", "c"] } }, "Pod");
  assert.equal(add.metadata.finalizers, ["a", "b", "c"]);
  const del = applyStrategicMergePatch(pod, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }, "Pod");
  assert.equal(del.metadata.finalizers, ["b"]);
});

test("$setElementOrder reorders a merged list (upstream testdata: reorder and add)", () => {
  const out = applyStrategicMergePatch(pod, {
    spec: { "$setElementOrder/containers": [{ name: "sidecar" }, { name: "new" }, { name: "web" }], containers: [{ name: "new", image: "busybox" }] },
  }, "Pod");
  assert.equal(out.spec.containers.map((c) => c.name), ["sidecar", "new", "web"]);
  const prim = applyStrategicMergePatch(pod, { metadata: { "$setElementOrder/finalizers": ["b", "a"] } }, "Pod");
  assert.equal(prim.metadata.finalizers, ["b", "a"]);
});

test("$retainKeys clears fields not listed (Deployment strategy)", () => {
  const d = deepFreeze({ kind: "Deployment", spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } });
  const out = applyStrategicMergePatch(d, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, "Deployment");
  assert.equal(out.spec.strategy, { type: "Recreate" });
  try {
    applyStrategicMergePatch(d, { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }, "Deployment");
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "BadRequest"));
    assert.is(err.message, "invalid patch format of retainKeys");
  }
});

test("PodSpec meta is shared by workload templates (CronJob jobTemplate)", () => {
  const cj = deepFreeze({ kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "1" }] } } } } } });
  const out = applyStrategicMergePatch(cj, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "2" }] } } } } } }, "CronJob");
  assert.equal(out.spec.jobTemplate.spec.template.spec.containers, [{ name: "a", image: "1" }, { name: "b", image: "2" }]);
});

test("status conditions merge by type; node addresses by type", () => {
  const node = deepFreeze({ kind: "Node", status: { conditions: [{ type: "Ready", status: "False" }, { type: "DiskPressure", status: "False" }], addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } });
  const out = applyStrategicMergePatch(node, { status: { conditions: [{ type: "Ready", status: "True" }], addresses: [{ type: "Hostname", address: "n1" }] } }, "Node");
  assert.equal(out.status.conditions, [{ type: "Ready", status: "True" }, { type: "DiskPressure", status: "False" }]);
  assert.equal(out.status.addresses.length, 2);
});

test("custom resources: JSON merge patch semantics, or 415 when refused", () => {
  const cr = deepFreeze({ kind: "Widget", spec: { items: [{ name: "a" }, { name: "b" }] } });
  assert.equal(applyStrategicMergePatch(cr, { spec: { items: [{ name: "c" }] } }, "Widget").spec.items, [{ name: "c" }]);
  try {
    applyStrategicMergePatch(cr, {}, "Widget", { refuseUnknownKinds: true });
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "UnsupportedMediaType"));
    assert.is(err.code, 415);
    assert.match(err.message, "the body of the request was in an unknown format - accepted media types include: application/json-patch+json");
  }
});

test("missing merge key is an error", () => {
  assert.throws(() => applyStrategicMergePatch(pod, { spec: { containers: [{ image: "x" }] } }, "Pod"), /does not contain declared merge key: name/);
});

test("two-way patch: changed container image with $setElementOrder, as kubectl computes it", () => {
  const modified = { ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0]!, image: "nginx:2" }, pod.spec.containers[1]!] } };
  const patch = createStrategicMergePatch(pod, modified, "Pod");
  assert.equal(patch, { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }], containers: [{ name: "web", image: "nginx:2" }] } });
  assert.equal(applyStrategicMergePatch(pod, patch, "Pod"), modified);
});

test("two-way patch: removed items, removed finalizer and label round-trip", () => {
  const modified = deepFreeze({
    ...pod,
    metadata: { name: "p", labels: { app: "web" }, finalizers: ["b"] },
    spec: { ...pod.spec, containers: [pod.spec.containers[1]!], volumes: [{ name: "data", configMap: { name: "cm" } }] },
  });
  const patch = createStrategicMergePatch(pod, modified, "Pod");
  assert.equal((patch as any).metadata, { labels: { tier: null }, "$deleteFromPrimitiveList/finalizers": ["a"], "$setElementOrder/finalizers": ["b"] });
  assert.equal((patch as any).spec.containers, [{ $patch: "delete", name: "web" }]);
  assert.equal((patch as any).spec.volumes, [{ $retainKeys: ["configMap", "name"], configMap: { name: "cm" }, emptyDir: null, name: "data" }]);
  assert.equal(applyStrategicMergePatch(pod, patch, "Pod"), modified);
});

test("two-way patch of typed objects (nullIsUnset): a null and a missing member are the same, a value made null is deleted", () => {
  const stored = { status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "t0" }], containerStatuses: [{ name: "c", lastState: {} }] } };
  const built = { status: { phase: "Running", reason: null, conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "t0" }], containerStatuses: [{ name: "c", lastState: {}, started: null }] } };
  assert.equal(createStrategicMergePatch(stored, built, "Pod", { nullIsUnset: true }), {});
  // Without the option, the nulls are changes.
  assert.ok(Object.keys(createStrategicMergePatch(stored, built, "Pod")).length > 0);
  const cleared = { status: { phase: null, conditions: [{ type: "Ready", status: "False", lastProbeTime: null, lastTransitionTime: "t1", reason: "R" }], containerStatuses: [{ name: "c", lastState: {} }] } };
  assert.equal(createStrategicMergePatch(stored, cleared, "Pod", { nullIsUnset: true }), {
    status: { phase: null, conditions: [{ status: "False", lastTransitionTime: "t1", reason: "R", type: "Ready" }], "$setElementOrder/conditions": [{ type: "Ready" }] },
  });
});

test("three-way patch deletes only what the last applied config had", () => {
  const lastApplied = { kind: "Deployment", metadata: { name: "d", labels: { a: "1" } }, spec: { replicas: 2 } };
  const current = deepFreeze({ kind: "Deployment", metadata: { name: "d", labels: { a: "1", b: "other" } }, spec: { replicas: 5, paused: false } });
  const modified = { kind: "Deployment", metadata: { name: "d", labels: { c: "3" } }, spec: { replicas: 2 } };
  const patch = createThreeWayStrategicMergePatch(lastApplied, modified, current, "Deployment");
  assert.equal(patch, { metadata: { labels: { a: null, c: "3" } }, spec: { replicas: 2 } });
  const out = applyStrategicMergePatch(current, patch, "Deployment");
  assert.equal(out, { kind: "Deployment", metadata: { name: "d", labels: { b: "other", c: "3" } }, spec: { replicas: 2, paused: false } });
});

test("three-way patch removes a container dropped from the config, keeps others' containers", () => {
  const c = (name: string, image = "x") => ({ name, image });
  const lastApplied = { kind: "Pod", spec: { containers: [c("a"), c("b")] } };
  const current = deepFreeze({ kind: "Pod", spec: { containers: [c("a"), c("b"), c("injected")] } });
  const modified = { kind: "Pod", spec: { containers: [c("a", "y")] } };
  const patch = createThreeWayStrategicMergePatch(lastApplied, modified, current, "Pod");
  const out = applyStrategicMergePatch(current, patch, "Pod");
  assert.equal(out.spec.containers, [c("a", "y"), c("injected")]);
});

test.run();
