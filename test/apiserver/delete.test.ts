import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const podSpec = { containers: [{ name: "c", image: "busybox" }] };

test("finalizers keep the object with a deletionTimestamp until the last one is removed", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource("ConfigMap");
  await cms.create({ metadata: { name: "f", namespace: "default", finalizers: ["example.com/hold"] } });
  const marked = await cms.delete("f", { namespace: "default" });
  assert.ok((marked as Pod).metadata!.deletionTimestamp);
  const still = await cms.get("f", { namespace: "default" });
  assert.equal(still.metadata!.finalizers, ["example.com/hold"]);
  // Adding a finalizer while deleting is forbidden.
  const err = await statusOf(cms.update({ ...still, metadata: { ...still.metadata!, finalizers: ["example.com/hold", "x.io/new"] } }));
  assert.is(err.code, 422);
  assert.match(err.message, /no new finalizers can be added if the object is being deleted/);
  await cms.update({ ...still, metadata: { ...still.metadata!, finalizers: [] } });
  assert.is((await statusOf(cms.get("f", { namespace: "default" }))).code, 404);
});

test("propagationPolicy is recorded as the garbage collector's finalizers", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource("ConfigMap");
  await cms.create({ metadata: { name: "fg", namespace: "default" } });
  await cms.create({ metadata: { name: "or", namespace: "default" } });
  await cms.create({ metadata: { name: "bg", namespace: "default" } });
  const fg = (await cms.delete("fg", { namespace: "default", propagationPolicy: "Foreground" })) as Pod;
  assert.equal(fg.metadata!.finalizers, ["foregroundDeletion"]);
  const or = (await cms.delete("or", { namespace: "default", propagationPolicy: "Orphan" })) as Pod;
  assert.equal(or.metadata!.finalizers, ["orphan"]);
  await cms.delete("bg", { namespace: "default", propagationPolicy: "Background" });
  assert.is((await statusOf(cms.get("bg", { namespace: "default" }))).code, 404);
});

test("pods: graceful deletion for scheduled pods, immediate for unscheduled or grace 0", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  await pods.create({ metadata: { name: "unscheduled", namespace: "default" }, spec: podSpec });
  await pods.delete("unscheduled", { namespace: "default" });
  assert.is((await statusOf(pods.get("unscheduled", { namespace: "default" }))).code, 404);

  await pods.create({ metadata: { name: "running", namespace: "default" }, spec: { ...podSpec, nodeName: "node-1", terminationGracePeriodSeconds: 45 } });
  const marked = (await pods.delete("running", { namespace: "default" })) as Pod;
  assert.is(marked.metadata!.deletionGracePeriodSeconds, 45);
  assert.is(marked.metadata!.deletionTimestamp, "2026-01-01T00:00:45Z");
  // A second delete with a longer grace changes nothing; a shorter one shortens it.
  const again = (await pods.delete("running", { namespace: "default", gracePeriodSeconds: 100 })) as Pod;
  assert.is(again.metadata!.resourceVersion, marked.metadata!.resourceVersion);
  const shorter = (await pods.delete("running", { namespace: "default", gracePeriodSeconds: 10 })) as Pod;
  assert.is(shorter.metadata!.deletionGracePeriodSeconds, 10);
  // The node confirms with grace 0: the pod is gone.
  await pods.delete("running", { namespace: "default", gracePeriodSeconds: 0 });
  assert.is((await statusOf(pods.get("running", { namespace: "default" }))).code, 404);
});

test("delete preconditions: uid and resourceVersion", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource("ConfigMap");
  const c = await cms.create({ metadata: { name: "p", namespace: "default" } });
  const err = await statusOf(cms.delete("p", { namespace: "default", preconditions: { uid: "other" } }));
  assert.is(err.code, 409);
  assert.is(err.message, `Operation cannot be fulfilled on configmaps "p": Precondition failed: UID in precondition: other, UID in object meta: ${c.metadata!.uid}`);
  const rv = await statusOf(cms.delete("p", { namespace: "default", preconditions: { resourceVersion: "1" } }));
  assert.is(rv.code, 409);
  await cms.delete("p", { namespace: "default", preconditions: { uid: c.metadata!.uid!, resourceVersion: c.metadata!.resourceVersion! } });
});

test("deletecollection deletes what the selector picks", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource("ConfigMap");
  for (const [n, team] of [["a", "x"], ["b", "x"], ["c", "y"]] as const) await cms.create({ metadata: { name: n, namespace: "default", labels: { team } } });
  const deleted = await cms.deleteCollection({ namespace: "default", labelSelector: "team=x" });
  assert.equal(deleted.items.map((i) => i.metadata!.name).sort(), ["a", "b"]);
  assert.equal((await cms.list({ namespace: "default" })).items.map((i) => i.metadata!.name), ["c"]);
});

test("the default, kube-system and kube-public namespaces cannot be deleted", async () => {
  const { client } = await testControlPlane();
  const err = await statusOf(client.resource("Namespace").delete("kube-system"));
  assert.is(err.code, 403);
});

test("pods/binding assigns a node once; eviction deletes", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  await pods.create({ metadata: { name: "p", namespace: "default" }, spec: podSpec });
  await pods.createSubresource("p", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "p", namespace: "default" }, target: { kind: "Node", name: "node-7" } } as never, { namespace: "default" });
  assert.is(((await pods.get("p", { namespace: "default" })) as Pod).spec!.nodeName, "node-7");
  const twice = await statusOf(pods.createSubresource("p", "binding", { metadata: { name: "p" }, target: { name: "node-8" } } as never, { namespace: "default" }));
  assert.is(twice.code, 409);
  await pods.createSubresource("p", "eviction", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p", namespace: "default" }, deleteOptions: { gracePeriodSeconds: 0 } } as never, { namespace: "default" });
  assert.is((await statusOf(pods.get("p", { namespace: "default" }))).code, 404);
});

test("dryRun validates and admits without persisting", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource("ConfigMap");
  const out = await cms.create({ metadata: { name: "dry", namespace: "default" } }, { dryRun: ["All"] });
  assert.ok(out.metadata!.uid);
  assert.is((await statusOf(cms.get("dry", { namespace: "default" }))).code, 404);
});

test.run();
