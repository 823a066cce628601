import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyServerSide, updateManagedFields } from "../../core/api/patch/index.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError, type StatusError } from "../../core/api/status.js";
import { deepFreeze } from "./freeze.js";

const now = new Date("2025-01-02T03:04:05.678Z");
const later = new Date("2025-01-02T03:05:00Z");

function deployment(replicas: number, extra: object = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1" }] } } },
    ...extra,
  };
}

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err, "Conflict")) return err;
    throw err;
  }
  throw new Error("expected a Conflict");
}

test("apply to a missing object creates it and records the applier's fields in FieldsV1", () => {
  const { object, managedFields } = applyServerSide(undefined, deepFreeze(deployment(2)), { manager: "kubectl", now });
  assert.is((object.spec as any).replicas, 2);
  assert.equal(managedFields, [{
    manager: "kubectl",
    operation: "Apply",
    apiVersion: "apps/v1",
    time: "2025-01-02T03:04:05Z",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } } },
        },
      },
    },
  }]);
  assert.equal(object.metadata?.managedFields, managedFields);
});

test("list-map keys with defaults: container ports by containerPort+protocol", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", ports: [{ containerPort: 80 }] }] } };
  const { managedFields } = applyServerSide(undefined, pod, { manager: "m", now });
  const c = (managedFields[0]!.fieldsV1 as any)["f:spec"]["f:containers"]['k:{"name":"c"}'];
  assert.ok(c["f:ports"]['k:{"containerPort":80,"protocol":"TCP"}']);
});

test("conflict with an Update manager: message and causes as kube-apiserver sends them", () => {
  const created = updateManagedFields(undefined, deepFreeze(deployment(3)), { manager: "kubectl-client-side-apply", now });
  const err = conflictOf(() => applyServerSide(deepFreeze(created), deployment(5), { manager: "ssa", now: later }));
  assert.is(err.code, 409);
  assert.is(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  assert.equal(err.status.details?.causes, [{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" }]);
});

test("several conflicts are listed per manager", () => {
  const created = updateManagedFields(undefined, deepFreeze(deployment(3)), { manager: "m", now });
  const changed = deployment(5);
  (changed.spec as any).template.spec.containers[0].image = "nginx:2";
  const err = conflictOf(() => applyServerSide(deepFreeze(created), changed, { manager: "ssa", now: later }));
  assert.is(err.message, 'Apply failed with 2 conflicts: conflicts with "m" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
  assert.equal(err.status.details?.causes?.map((c) => c.field), [".spec.replicas", '.spec.template.spec.containers[name="nginx"].image']);
});

test("a conflict with another applier names it without apiVersion", () => {
  const first = applyServerSide(undefined, deployment(3), { manager: "a", now }).object;
  const err = conflictOf(() => applyServerSide(deepFreeze(first), deployment(4), { manager: "b", now }));
  assert.is(err.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');
});

test("force takes ownership; the previous owner loses the field", () => {
  const first = applyServerSide(undefined, deployment(3), { manager: "a", now }).object;
  const { object, managedFields } = applyServerSide(deepFreeze(first), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 7 } }, { manager: "b", force: true, now: later });
  assert.is((object.spec as any).replicas, 7);
  const a = managedFields.find((m) => m.manager === "a")!;
  const b = managedFields.find((m) => m.manager === "b")!;
  assert.not.ok("f:replicas" in (a.fieldsV1 as any)["f:spec"]);
  assert.equal(b.fieldsV1, { "f:spec": { "f:replicas": {} } });
});

test("equal values applied by two managers are shared, without conflict", () => {
  const first = applyServerSide(undefined, deployment(3), { manager: "a", now }).object;
  const { managedFields } = applyServerSide(deepFreeze(first), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 3 } }, { manager: "b", now });
  assert.ok("f:replicas" in (managedFields.find((m) => m.manager === "a")!.fieldsV1 as any)["f:spec"]);
  assert.ok("f:replicas" in (managedFields.find((m) => m.manager === "b")!.fieldsV1 as any)["f:spec"]);
});

test("fields dropped from an applier's config are removed unless someone else owns them", () => {
  const withLabels = (labels: object) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels }, data: { k: "v" } });
  const first = applyServerSide(undefined, withLabels({ a: "1", b: "2", c: "3" }), { manager: "x", now }).object;
  const shared = applyServerSide(deepFreeze(first), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { c: "3" } } }, { manager: "y", now }).object;
  const after = applyServerSide(deepFreeze(shared), withLabels({ a: "1" }), { manager: "x", now: later }).object;
  assert.equal(after.metadata?.labels, { a: "1", c: "3" });
  assert.equal((after as any).data, { k: "v" });
});

test("a container dropped from the applied config is removed", () => {
  const two = deployment(1);
  (two.spec as any).template.spec.containers.push({ name: "sidecar", image: "envoy" });
  const first = applyServerSide(undefined, two, { manager: "x", now }).object;
  const after = applyServerSide(deepFreeze(first), deployment(1), { manager: "x", now }).object;
  assert.equal((after.spec as any).template.spec.containers.map((c: any) => c.name), ["nginx"]);
});

test("apply merges list-maps by key and keeps other managers' items", () => {
  const first = applyServerSide(undefined, deployment(1), { manager: "x", now }).object;
  const other = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "sidecar", image: "envoy" }] } } } };
  const after = applyServerSide(deepFreeze(first), other, { manager: "y", now }).object;
  assert.equal((after.spec as any).template.spec.containers.map((c: any) => c.name), ["nginx", "sidecar"]);
});

test("apply refuses managedFields and a different apiVersion", () => {
  const live = applyServerSide(undefined, deployment(1), { manager: "x", now }).object;
  assert.throws(() => applyServerSide(live, { ...deployment(1), metadata: { name: "web", managedFields: [] } }, { manager: "x", now }), /metadata.managedFields must be nil/);
  assert.throws(() => applyServerSide(live, { ...deployment(1), apiVersion: "apps/v1beta1" }, { manager: "x", now }), /Incorrect version specified in apply patch. Specified patch version: apps\/v1beta1, expected: apps\/v1/);
});

test("updateManagedFields records Update entries and moves changed fields between managers", () => {
  const created = deepFreeze(updateManagedFields(undefined, deepFreeze(deployment(1)), { manager: "kubectl-create", now }));
  assert.equal(created.metadata?.managedFields?.map((m) => [m.manager, m.operation, m.apiVersion, m.time]), [["kubectl-create", "Update", "apps/v1", "2025-01-02T03:04:05Z"]]);
  const scaled = { ...created, spec: { ...(created.spec as object), replicas: 4 } };
  const updated = updateManagedFields(created, scaled, { manager: "hpa", now: later });
  const [create, hpa] = updated.metadata!.managedFields!;
  assert.is(create!.manager, "kubectl-create");
  assert.not.ok("f:replicas" in (create!.fieldsV1 as any)["f:spec"]);
  assert.equal(hpa, { manager: "hpa", operation: "Update", apiVersion: "apps/v1", time: "2025-01-02T03:05:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } });
  assert.ok(updated.spec === scaled.spec, "only metadata is copied");
});

test("updateManagedFields: no-op writes keep the entries; status subresource tracks only status", () => {
  const created = deepFreeze(updateManagedFields(undefined, deepFreeze(deployment(1)), { manager: "c", now }));
  const same = updateManagedFields(created, { ...created }, { manager: "other", now: later });
  assert.ok(same.metadata?.managedFields === created.metadata?.managedFields);
  const withStatus = { ...created, status: { replicas: 1 } };
  const st = updateManagedFields(created, withStatus, { manager: "controller", subresource: "status", now: later });
  const entry = st.metadata!.managedFields!.find((m) => m.manager === "controller")!;
  assert.equal(entry, { manager: "controller", operation: "Update", apiVersion: "apps/v1", time: "2025-01-02T03:05:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:status": { "f:replicas": {} } }, subresource: "status" });
});

test("updateManagedFields: removed fields leave every manager", () => {
  const first = applyServerSide(undefined, deployment(1), { manager: "x", now }).object;
  const { labels: _l, ...meta } = first.metadata!;
  const updated = updateManagedFields(deepFreeze(first), { ...first, metadata: meta }, { manager: "editor", now: later });
  const x = updated.metadata!.managedFields!.find((m) => m.manager === "x")!;
  assert.not.ok("f:metadata" in (x.fieldsV1 as any));
  assert.not.ok(updated.metadata!.managedFields!.some((m) => m.manager === "editor"), "a write that only removes fields adds no entry");
});

test.run();
