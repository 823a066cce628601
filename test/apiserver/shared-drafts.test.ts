/**
 * Writes share what they do not change with the stored object (status drafts copy only what
 * differs; an update's draft is re-shared with the stored object after its hooks), while stored
 * objects stay immutable: the test runner deep-freezes everything the store keeps, so a hook
 * writing into a shared subtree would throw here, and a caller's body is never shared.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, PodStatus } from "kubernetes-types/core/v1.js";
import { testControlPlane } from "../support/control-plane.js";

const pod = (name: string): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { app: "web" } },
  spec: { nodeName: "n1", containers: [{ name: "main", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] },
});

const running = (ready: boolean, restarts = 0): PodStatus => ({
  phase: "Running", hostIP: "172.18.0.2", podIP: "10.244.1.5", podIPs: [{ ip: "10.244.1.5" }], startTime: "2026-01-01T00:00:00Z",
  conditions: [
    { type: "Initialized", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" },
    { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2026-01-01T00:00:00Z" },
  ],
  containerStatuses: [{ name: "main", ready, restartCount: restarts, image: "nginx:1.25", imageID: "sha256:abc", started: true, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } }],
});

test("a status update stores what it changed and shares the rest with the previous version; the caller's body stays its own", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  const created = await pods.create(pod("a"));
  assert.ok(Object.isFrozen(created.spec), "the store freezes what it keeps in tests");
  const first = await pods.updateStatus({ ...created, status: running(false) });
  const body = { ...first, status: running(true) };
  const second = await pods.updateStatus(body);
  assert.is(second.status!.conditions![1]!.status, "True");
  assert.is.not(second.metadata!.resourceVersion, first.metadata!.resourceVersion);
  assert.is(second.status!.conditions![0], first.status!.conditions![0], "an unchanged condition is the stored one");
  assert.is(second.status!.podIPs, first.status!.podIPs);
  assert.is.not(second.status!.containerStatuses, first.status!.containerStatuses);
  assert.is(second.status!.containerStatuses![0]!.state, first.status!.containerStatuses![0]!.state);
  assert.is(second.spec, first.spec);
  assert.is(second.metadata!.labels, first.metadata!.labels, "metadata members the write left alone are the stored ones");
  // The body was copied where it differs, never frozen or shared.
  assert.not.ok(Object.isFrozen(body.status.conditions![1]));
  assert.is.not(second.status!.conditions![1], body.status.conditions![1]);
  body.status.conditions![1]!.status = "Unknown";
  assert.is((await pods.get("a", { namespace: "default" })).status!.conditions![1]!.status, "True");
  // Equal to what is stored: a no-op that keeps the resourceVersion.
  const again = await pods.updateStatus({ ...second, status: running(true) });
  assert.is(again.metadata!.resourceVersion, second.metadata!.resourceVersion);
  // Labels sent with a status write are the body's, copied: the caller's object stays its own.
  const labels = { app: "web", tier: "front" };
  const relabelled = await pods.updateStatus({ ...again, metadata: { ...again.metadata, labels } });
  assert.equal(relabelled.metadata!.labels, labels);
  assert.is.not(relabelled.metadata!.labels, labels);
  labels.tier = "back";
  assert.is((await pods.get("a", { namespace: "default" })).metadata!.labels!["tier"], "front");
});

test("a status patch shares the untouched members; managedFields follow the change only", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  await pods.create(pod("b"));
  const before = await pods.patch("b", "merge", { status: running(false) }, { namespace: "default", subresource: "status", fieldManager: "kubelet" });
  const after = await pods.patch("b", "strategic", { status: { conditions: [{ type: "Ready", status: "True" }] } }, { namespace: "default", subresource: "status", fieldManager: "probe" });
  assert.is(after.status!.conditions![1]!.status, "True");
  assert.is(after.status!.conditions![0], before.status!.conditions![0]);
  assert.is(after.status!.containerStatuses, before.status!.containerStatuses);
  assert.is(after.metadata!.labels, before.metadata!.labels);
  const probe = after.metadata!.managedFields!.find((m) => m.manager === "probe")!;
  assert.equal(probe.fieldsV1, { "f:status": { "f:conditions": { 'k:{"type":"Ready"}': { "f:status": {} } } } });
  const kubelet = after.metadata!.managedFields!.find((m) => m.manager === "kubelet")!;
  assert.ok(JSON.stringify(kubelet.fieldsV1).includes('"f:podIP"'));
  assert.not.ok(JSON.stringify((kubelet.fieldsV1 as Record<string, Record<string, Record<string, Record<string, unknown>>>>)["f:status"]!["f:conditions"]!['k:{"type":"Ready"}']).includes('"f:status"'));
});

test("an update re-shares the unchanged fields with the stored object after its hooks ran", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  const created = await pods.create(pod("c"));
  // A body decoded afresh (as over HTTP): nothing in it is the stored object's.
  const fresh = JSON.parse(JSON.stringify(created)) as Pod;
  fresh.metadata!.labels = { app: "web", tier: "front" };
  const updated = await pods.update(fresh);
  assert.equal(updated.metadata!.labels, { app: "web", tier: "front" });
  assert.is(updated.spec, created.spec, "the defaulted spec equal to the stored one is the stored one");
  assert.is(updated.status, created.status);
  assert.is(updated.metadata!.generation, created.metadata!.generation);
  // A spec change bumps the generation and shares the containers it did not change.
  const withImage = JSON.parse(JSON.stringify(updated)) as Pod;
  withImage.spec!.containers[0]!.image = "nginx:1.27";
  const rolled = await pods.update(withImage);
  assert.is(rolled.spec!.containers[0]!.image, "nginx:1.27");
  assert.is(rolled.spec!.containers[0]!.ports, created.spec!.containers[0]!.ports);
  assert.is(rolled.spec!.tolerations, created.spec!.tolerations);
  assert.is(rolled.metadata!.generation, (created.metadata!.generation ?? 1) + 1);
});

test.run();
