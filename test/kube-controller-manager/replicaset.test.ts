import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, ReplicationController, Event } from "kubernetes-types/core/v1.js";
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { deleteFirst, podsToDelete } from "../../plugins/kube-controller-manager/controllers/workload/pod-deletion-ranking.js";
import { slowStartBatch } from "../../plugins/kube-controller-manager/controllers/workload/slow-start.js";
import { podsOf, setPodStatus, stamp, withCluster } from "./helpers.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: number; created?: number; restarts?: number; cost?: string; uid?: string } = {}): Pod => ({
  metadata: { name, uid: o.uid ?? name, creationTimestamp: stamp(o.created ?? NOW - 3_600_000), ...(o.cost ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": o.cost } } : {}) },
  spec: { containers: [{ name: "c" }], ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: o.phase ?? "Running",
    conditions: [{ type: "Ready", status: o.ready ? "True" : "False", ...(o.ready ? { lastTransitionTime: stamp(o.readySince ?? NOW - 3_600_000) } : {}) }],
    containerStatuses: [{ name: "c", image: "x", imageID: "", ready: !!o.ready, restartCount: o.restarts ?? 0 }],
  },
});

test("deletion ranking follows upstream's ActivePodsWithRanks (table)", () => {
  // [description, deleted first, kept, rank of first, rank of second]
  const cases: [string, Pod, Pod, number?, number?][] = [
    ["unassigned before assigned", pod("a", { phase: "Pending" }), pod("b", { node: "n1", phase: "Pending" })],
    ["pending before running", pod("a", { node: "n1", phase: "Pending" }), pod("b", { node: "n1", phase: "Running" })],
    ["unknown before running", pod("a", { node: "n1", phase: "Unknown" }), pod("b", { node: "n1", phase: "Running" })],
    ["not ready before ready", pod("a", { node: "n1" }), pod("b", { node: "n1", ready: true })],
    ["lower deletion cost first", pod("a", { node: "n1", ready: true, cost: "-5" }), pod("b", { node: "n1", ready: true, cost: "10" })],
    ["more pods on the node first", pod("a", { node: "n1", ready: true }), pod("b", { node: "n2", ready: true }), 3, 1],
    ["ready more recently first (different log buckets)", pod("a", { node: "n1", ready: true, readySince: NOW - 10_000 }), pod("b", { node: "n1", ready: true, readySince: NOW - 3_600_000 })],
    ["more restarts first", pod("a", { node: "n1", restarts: 5 }), pod("b", { node: "n1", restarts: 1 })],
    ["newer first", pod("a", { node: "n1", created: NOW - 60_000 }), pod("b", { node: "n1", created: NOW - 86_400_000 })],
    ["same bucket: uid order", pod("a", { node: "n1", ready: true, readySince: NOW - 1000, uid: "1" }), pod("b", { node: "n1", ready: true, readySince: NOW - 1001, uid: "2" })],
  ];
  for (const [what, first, second, r1, r2] of cases) {
    assert.ok(deleteFirst(first, r1 ?? 0, second, r2 ?? 0, NOW), what);
    assert.not.ok(deleteFirst(second, r2 ?? 0, first, r1 ?? 0, NOW), `${what} (reversed)`);
  }
  const all = [pod("ready-old", { node: "n1", ready: true }), pod("pending", { phase: "Pending" }), pod("notready", { node: "n2" }), pod("ready-new", { node: "n2", ready: true, readySince: NOW - 5000 })];
  assert.equal(podsToDelete(all, all, 3, NOW).map((p) => p.metadata!.name), ["pending", "notready", "ready-new"]);
});

test("podsToDelete picks what a full sort by the ranking would, for every count (random pods, ties in input order)", () => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let round = 0; round < 20; round++) {
    const pods = Array.from({ length: 40 }, (_, i) =>
      pod(`p${i}`, {
        ...(rnd(5) > 0 ? { node: `n${rnd(4)}` } : {}),
        phase: ["Pending", "Running", "Running", "Unknown"][rnd(4)]!,
        ready: rnd(2) === 0,
        readySince: NOW - 1000 * 2 ** rnd(12),
        created: NOW - 1000 * 2 ** rnd(12),
        restarts: rnd(3),
        uid: `u${rnd(10)}`,
        ...(rnd(6) === 0 ? { cost: String(rnd(3) - 1) } : {}),
      }),
    );
    const onNode = new Map<string, number>();
    for (const p of pods) onNode.set(p.spec?.nodeName ?? "", (onNode.get(p.spec?.nodeName ?? "") ?? 0) + 1);
    const rank = (p: Pod): number => onNode.get(p.spec?.nodeName ?? "") ?? 0;
    const sorted = [...pods].sort((a, b) => (deleteFirst(a, rank(a), b, rank(b), NOW) ? -1 : deleteFirst(b, rank(b), a, rank(a), NOW) ? 1 : 0));
    for (const count of [0, 1, 2, 5, 17, 39, 40, 41]) {
      const want = sorted.slice(0, count).map((p) => p.metadata!.name);
      const got = podsToDelete(pods, pods, count, NOW).map((p) => p.metadata!.name);
      assert.equal(count >= pods.length ? [...got].sort() : got, count >= pods.length ? [...want].sort() : want, `round ${round}, count ${count}`);
    }
  }
});

test("slow start: batches of 1, 2, 4, ... and stop after the first failing batch", async () => {
  const sizes: number[] = [];
  let inBatch = 0;
  const ok = await slowStartBatch(10, async () => {
    inBatch++;
    await Promise.resolve();
    if (inBatch > 0) sizes.push(inBatch), (inBatch = 0);
  });
  assert.is(ok.successes, 10);
  let calls = 0;
  const failing = await slowStartBatch(100, async (i) => {
    calls++;
    if (i === 4) throw new Error("quota");
  });
  assert.is(calls, 7, "batches 1 + 2 + 4, then stop");
  assert.is(failing.successes, 6);
  assert.match(String(failing.error), "quota");
});

const rs = (replicas: number, extra: Partial<NonNullable<ReplicaSet["spec"]>> = {}): ReplicaSet => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web", namespace: "default" },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "front" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } }, ...extra },
});

test("a ReplicaSet creates its pods (owned, from the template), records SuccessfulCreate, and reports status", async () => {
  await withCluster(async (cluster) => {
    const created = (await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(3))) as ReplicaSet;
    const done = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 3 && r.status?.observedGeneration === 1, { namespace: "default" });
    assert.is(done.status!.fullyLabeledReplicas, 3);
    assert.is(done.status!.readyReplicas ?? 0, 0);
    const pods = await podsOf(cluster, "default", created.metadata!.uid!);
    assert.is(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.equal(p.metadata!.labels, { app: "web", tier: "front" });
      assert.equal(p.metadata!.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: created.metadata!.uid!, controller: true, blockOwnerDeletion: true }]);
    }
    const events = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulCreate", { namespace: "default" });
    assert.match(events.message!, /^Created pod: web-[a-z0-9]{5}$/);
    assert.is(events.source?.component, "replicaset-controller");
    // A deleted pod is replaced.
    await cluster.client.resource("Pod").delete(pods[0]!.metadata!.name!, { namespace: "default" });
    await cluster.clock.sleep(1000);
    const after = await podsOf(cluster, "default", created.metadata!.uid!);
    assert.is(after.length, 3);
    assert.not.ok(after.some((p) => p.metadata!.name === pods[0]!.metadata!.name));
  }, { seed: 7, nodes: 3 });
});

test("readyReplicas and availableReplicas follow pod readiness and minReadySeconds on the cluster clock", async () => {
  await withCluster(async (cluster) => {
    const created = (await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(2, { minReadySeconds: 30 }))) as ReplicaSet;
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 2, { namespace: "default" });
    for (const p of await podsOf(cluster, "default", created.metadata!.uid!)) await setPodStatus(cluster, p, { node: "kubesim-worker", ready: true });
    const readyAt = cluster.clock.now();
    const ready = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.readyReplicas === 2, { namespace: "default" });
    assert.is(ready.status!.availableReplicas ?? 0, 0, "not available before minReadySeconds");
    const available = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.availableReplicas === 2, { namespace: "default", timeout: 60_000 });
    assert.ok(cluster.clock.now() - readyAt >= 30_000, "available only after 30 s");
    assert.is(available.status!.readyReplicas, 2);
  }, { seed: 7, nodes: 3 });
});

test("without minReadySeconds the status comes from the owner-state index: readiness, unreadiness and a deleted pod's replacement are counted", async () => {
  await withCluster(async (cluster) => {
    const created = (await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(3))) as ReplicaSet;
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 3, { namespace: "default" });
    const owned = await podsOf(cluster, "default", created.metadata!.uid!);
    for (const p of owned.slice(0, 2)) await setPodStatus(cluster, p, { node: "kubesim-worker", ready: true });
    const two = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.readyReplicas === 2, { namespace: "default" });
    assert.equal([two.status!.replicas, two.status!.fullyLabeledReplicas, two.status!.availableReplicas], [3, 3, 2]);
    await setPodStatus(cluster, owned[0]!, { node: "kubesim-worker", ready: false });
    const one = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.readyReplicas === 1, { namespace: "default" });
    assert.is(one.status!.availableReplicas, 1);
    await cluster.client.resource("Pod").delete(owned[1]!.metadata!.name!, { namespace: "default" });
    // Counts at 0 are gone from the status (omitempty), as a real API server serves it.
    const after = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.readyReplicas === undefined && r.status?.replicas === 3, { namespace: "default" });
    assert.is(after.status!.availableReplicas, undefined);
    const names = (await podsOf(cluster, "default", created.metadata!.uid!)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name);
    assert.is(names.length, 3);
    assert.not.ok(names.includes(owned[1]!.metadata!.name), "the deleted pod was replaced");
  }, { seed: 7, nodes: 3 });
});

test("scale down deletes in ranking order (pending and unready first) with SuccessfulDelete events", async () => {
  await withCluster(async (cluster) => {
    const created = (await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(4))) as ReplicaSet;
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 4, { namespace: "default" });
    const pods = await podsOf(cluster, "default", created.metadata!.uid!);
    await setPodStatus(cluster, pods[0]!, { node: "kubesim-worker", ready: true, readySince: cluster.clock.now() - 3_600_000 });
    await setPodStatus(cluster, pods[1]!, { node: "kubesim-worker2", ready: true, readySince: cluster.clock.now() - 3_600_000 });
    await setPodStatus(cluster, pods[2]!, { node: "kubesim-worker", ready: false });
    // pods[3] stays Pending and unassigned.
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.readyReplicas === 2, { namespace: "default" });
    await cluster.client.resource("ReplicaSet").patch("web", "merge", { spec: { replicas: 2 } }, { namespace: "default" });
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 2 && r.status?.observedGeneration === 2, { namespace: "default" });
    const left = (await podsOf(cluster, "default", created.metadata!.uid!)).filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.metadata!.name).sort();
    assert.equal(left, [pods[0]!.metadata!.name, pods[1]!.metadata!.name].sort());
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulDelete", { namespace: "default" });
    assert.match(ev.message!, /^Deleted pod: web-[a-z0-9]{5}$/);
  }, { seed: 7, nodes: 3 });
});

test("orphans matching the selector are adopted; owned pods whose labels stop matching are released and replaced", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource<Pod>("Pod").create({ metadata: { name: "stray", namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x" }] } });
    const created = (await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(2))) as ReplicaSet;
    await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 2, { namespace: "default" });
    await cluster.clock.sleep(500);
    const owned = await podsOf(cluster, "default", created.metadata!.uid!);
    assert.is(owned.length, 2);
    assert.ok(owned.some((p) => p.metadata!.name === "stray"), "the orphan was adopted");
    assert.is(owned.find((p) => p.metadata!.name === "stray")!.metadata!.labels!["tier"], undefined, "not fully labeled");
    const rsNow = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.fullyLabeledReplicas === 1, { namespace: "default" });
    assert.is(rsNow.status!.replicas, 2);
    // Relabel the adopted pod: released (no controllerRef) and replaced.
    await cluster.client.resource("Pod").patch("stray", "merge", { metadata: { labels: { app: "other" } } }, { namespace: "default" });
    await cluster.clock.sleep(1000);
    const stray = (await cluster.client.resource<Pod>("Pod").get("stray", { namespace: "default" })) as Pod;
    assert.is(stray.metadata!.ownerReferences?.length ?? 0, 0);
    const now = await podsOf(cluster, "default", created.metadata!.uid!);
    assert.is(now.length, 2);
    assert.not.ok(now.some((p) => p.metadata!.name === "stray"));
  }, { seed: 7, nodes: 3 });
});

test("ReplicaFailure when pods are refused (quota), cleared once creates succeed again", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource("ResourceQuota").create({ metadata: { name: "pods", namespace: "default" }, spec: { hard: { pods: "2" } } });
    await cluster.clock.sleep(1000);
    await cluster.client.resource<ReplicaSet>("ReplicaSet").create(rs(3));
    const failed = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => !!r.status?.conditions?.some((c) => c.type === "ReplicaFailure"), { namespace: "default" });
    const cond = failed.status!.conditions!.find((c) => c.type === "ReplicaFailure")!;
    assert.is(cond.status, "True");
    assert.is(cond.reason, "FailedCreate");
    assert.match(cond.message!, /forbidden|exceeded quota/i);
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedCreate", { namespace: "default" });
    assert.match(ev.message!, /^Error creating: /);
    await cluster.client.resource("ResourceQuota").delete("pods", { namespace: "default" });
    const ok = await cluster.waitFor<ReplicaSet>("ReplicaSet", (r) => r.status?.replicas === 3 && !r.status?.conditions?.some((c) => c.type === "ReplicaFailure"), { namespace: "default", timeout: 120_000 });
    assert.is(ok.status!.replicas, 3);
  }, { seed: 7, nodes: 3 });
});

test("a ReplicationController shares the controller: map selector, v1 owner references, its own event source", async () => {
  await withCluster(async (cluster) => {
    const rc = (await cluster.client.resource<ReplicationController>("ReplicationController").create({
      metadata: { name: "legacy", namespace: "default" },
      spec: { replicas: 2, selector: { app: "legacy" }, template: { metadata: { labels: { app: "legacy" } }, spec: { containers: [{ name: "c", image: "x" }] } } },
    })) as ReplicationController;
    await cluster.waitFor<ReplicationController>("ReplicationController", (r) => r.status?.replicas === 2, { namespace: "default" });
    const pods = await podsOf(cluster, "default", rc.metadata!.uid!);
    assert.is(pods.length, 2);
    assert.is(pods[0]!.metadata!.ownerReferences![0]!.apiVersion, "v1");
    assert.is(pods[0]!.metadata!.ownerReferences![0]!.kind, "ReplicationController");
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulCreate" && e.involvedObject.kind === "ReplicationController", { namespace: "default" });
    assert.is(ev.source?.component, "replication-controller");
  }, { seed: 7, nodes: 3 });
});

test.run();
