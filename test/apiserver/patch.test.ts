import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const deployment = (replicas = 1): Deployment => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }, { name: "sidecar", image: "envoy:1" }] } } },
});

test("strategic merge patch merges containers by name; merge patch replaces lists; json patch tests", async () => {
  const { client } = await testControlPlane();
  const deploys = client.resource<Deployment>("Deployment");
  await deploys.create(deployment());
  const smp = await deploys.patch("web", "strategic", { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } } } }, { namespace: "default" });
  assert.equal(smp.spec!.template.spec!.containers.map((c) => `${c.name}=${c.image}`), ["nginx=nginx:1.27", "sidecar=envoy:1"]);
  assert.is(smp.metadata!.generation, 2);
  const mp = await deploys.patch("web", "merge", { spec: { template: { spec: { containers: [{ name: "only", image: "busybox" }] } } } }, { namespace: "default" });
  assert.equal(mp.spec!.template.spec!.containers.map((c) => c.name), ["only"]);
  const jp = await deploys.patch("web", "json", [{ op: "test", path: "/spec/replicas", value: 1 }, { op: "replace", path: "/spec/replicas", value: 4 }], { namespace: "default" });
  assert.is(jp.spec!.replicas, 4);
  const failed = await statusOf(deploys.patch("web", "json", [{ op: "test", path: "/spec/replicas", value: 99 }], { namespace: "default" }));
  assert.is(failed.code, 422);
  const invalid = await statusOf(deploys.patch("web", "merge", { spec: { replicas: -3 } }, { namespace: "default" }));
  assert.is(invalid.code, 422);
  assert.match(invalid.message, /^Deployment\.apps "web" is invalid: spec\.replicas/);
  const missing = await statusOf(deploys.patch("nope", "merge", {}, { namespace: "default" }));
  assert.is(missing.code, 404);
});

test("a patch that writes a stale resourceVersion is a Conflict", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const c = await cms.create({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } });
  await cms.patch("c", "merge", { data: { a: "2" } }, { namespace: "default" });
  const stale = await statusOf(cms.patch("c", "merge", { metadata: { resourceVersion: c.metadata!.resourceVersion }, data: { a: "3" } }, { namespace: "default" }));
  assert.is(stale.code, 409);
});

test("a uid in a patch is a precondition: another object of the same name refuses it as an immutable field (422)", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const old = await cms.create({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } });
  const same = await cms.patch("c", "strategic", { metadata: { uid: old.metadata!.uid }, data: { a: "2" } }, { namespace: "default" });
  assert.is(same.data!["a"], "2");
  await cms.delete("c", { namespace: "default" });
  await cms.create({ metadata: { name: "c", namespace: "default" }, data: { a: "new" } });
  const refused = await statusOf(cms.patch("c", "strategic", { metadata: { uid: old.metadata!.uid }, data: { a: "3" } }, { namespace: "default" }));
  assert.is(refused.code, 422);
  assert.is(refused.message, `ConfigMap "c" is invalid: metadata.uid: Invalid value: "${old.metadata!.uid}": field is immutable`);
  assert.equal(refused.status.details?.causes, [{ reason: "FieldValueInvalid", message: `Invalid value: "${old.metadata!.uid}": field is immutable`, field: "metadata.uid" }]);
  assert.is((await cms.get("c", { namespace: "default" })).data!["a"], "new");
});

test("server-side apply: creates with the applier as owner, conflicts between managers, force takes over", async () => {
  const { client } = await testControlPlane();
  const deploys = client.resource<Deployment>("Deployment");
  const created = await deploys.patch("web", "apply", deployment(2), { namespace: "default", fieldManager: "alice" });
  assert.is(created.spec!.replicas, 2);
  const managers = created.metadata!.managedFields!.map((m) => `${m.manager}/${m.operation}`);
  assert.equal(managers, ["alice/Apply"]);
  const conflict = await statusOf(deploys.patch("web", "apply", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 5 } }, { namespace: "default", fieldManager: "bob" }));
  assert.is(conflict.code, 409);
  assert.is(conflict.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  assert.equal(conflict.status.details!.causes!.map((c) => c.field), [".spec.replicas"]);
  const forced = await deploys.patch("web", "apply", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 5 } }, { namespace: "default", fieldManager: "bob", force: true });
  assert.is(forced.spec!.replicas, 5);
  // Same value from two appliers: shared, no conflict.
  await deploys.patch("web", "apply", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 5 } }, { namespace: "default", fieldManager: "carol" });
  const noManager = await statusOf(deploys.patch("web", "apply", deployment(), { namespace: "default" }));
  assert.is(noManager.code, 422);
  assert.is(noManager.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
});

test("server-side apply: a no-op apply changes nothing (same resourceVersion, same time); a changing one stamps the applier", async () => {
  const { client, clock } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const cm = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data });
  const created = await cms.patch("c", "apply", cm({ a: "1" }), { namespace: "default", fieldManager: "ctl" });
  await clock.advance(60_000);
  const again = await cms.patch("c", "apply", cm({ a: "1" }), { namespace: "default", fieldManager: "ctl" });
  assert.is(again.metadata!.resourceVersion, created.metadata!.resourceVersion);
  assert.equal(again.metadata!.managedFields, created.metadata!.managedFields);
  const changed = await cms.patch("c", "apply", cm({ a: "2" }), { namespace: "default", fieldManager: "ctl" });
  assert.is.not(changed.metadata!.resourceVersion, created.metadata!.resourceVersion);
  assert.is(changed.metadata!.managedFields![0]!.time, "2026-01-01T00:01:00Z");
  assert.is(created.metadata!.managedFields![0]!.time, "2026-01-01T00:00:00Z");
});

test("ordinary updates record an Update entry for their field manager", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  await cms.create({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } }, { fieldManager: "creator" });
  const patched = await cms.patch("c", "merge", { data: { b: "2" } }, { namespace: "default", fieldManager: "patcher" });
  const entries = Object.fromEntries(patched.metadata!.managedFields!.map((m) => [m.manager, JSON.stringify(m.fieldsV1)]));
  assert.match(entries["creator"]!, /"f:a"/);
  assert.match(entries["patcher"]!, /"f:b"/);
  assert.not.match(entries["patcher"]!, /"f:a"/);
});

test.run();
