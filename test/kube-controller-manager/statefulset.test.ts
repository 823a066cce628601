import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { ControllerRevision, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { rollingUpdateVictims } from "../../plugins/kube-controller-manager/controllers/statefulset/stateful-set-controller.js";
import { fakeKubelet, withCluster } from "./helpers.js";

/** The controllers and the scheduler (these controllers place pods through it); the fake kubelet runs them. */
const WITH_SCHEDULER = ["kube-controller-manager", "kube-scheduler"];

const STS = (image: string, extra: Partial<NonNullable<StatefulSet["spec"]>> = {}): StatefulSet => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default" },
  spec: { replicas: 3, serviceName: "web", selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } }, ...extra },
});

const spod = (name: string, rev: string, ready: boolean, terminating = false): Pod => ({
  metadata: { name, labels: { "controller-revision-hash": rev }, ...(terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

test("rolling update order: highest ordinal first, down to the partition, within maxUnavailable (table)", () => {
  const healthy = (p: Pod): boolean => p.status?.conditions?.[0]?.status === "True";
  const names = (ps: Pod[]): string[] => ps.map((p) => p.metadata!.name!);
  const old = (i: number): Pod => spod(`web-${i}`, "old", true);
  // [description, replicas, partition, maxUnavailable, expected victims]
  const cases: [string, (Pod | undefined)[], number, number, string[]][] = [
    ["one at a time from the top", [old(0), old(1), old(2)], 0, 1, ["web-2"]],
    ["maxUnavailable 2", [old(0), old(1), old(2)], 0, 2, ["web-2", "web-1"]],
    ["partition keeps lower ordinals", [old(0), old(1), old(2)], 2, 3, ["web-2"]],
    ["updated pods are skipped", [old(0), old(1), spod("web-2", "new", true)], 0, 1, ["web-1"]],
    ["an unready updated pod uses the budget", [old(0), old(1), spod("web-2", "new", false)], 0, 1, []],
    ["a terminating pod uses the budget", [old(0), old(1), spod("web-2", "old", true, true)], 0, 1, []],
    ["a missing pod uses the budget", [old(0), old(1), undefined], 0, 2, ["web-1"]],
  ];
  for (const [what, replicas, partition, maxU, want] of cases) assert.equal(names(rollingUpdateVictims(replicas, "new", partition, maxU, healthy)), want, what);
});

const podNamed = async (cluster: Cluster, name: string): Promise<Pod | undefined> => {
  const list = await cluster.client.resource<Pod>("Pod").list({ namespace: "default" });
  return (list.items as Pod[]).find((p) => p.metadata!.name === name && !p.metadata?.deletionTimestamp);
};
const livePodNames = async (cluster: Cluster): Promise<string[]> =>
  ((await cluster.client.resource<Pod>("Pod").list({ namespace: "default" })).items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();

test("OrderedReady creates web-0, web-1, web-2 one at a time, each after its predecessor is Ready, with stable identity", async () => {
  await withCluster(async (cluster) => {
    let allowReady = new Set(["web-0"]);
    const stop = fakeKubelet(cluster, { scheduled: true, ready: (p) => allowReady.has(p.metadata!.name!) });
    await cluster.client.resource<StatefulSet>("StatefulSet").create(STS("nginx:1"));
    await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.readyReplicas === 1, { namespace: "default" });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name === "web-1", { namespace: "default" });
    await cluster.clock.sleep(5000);
    assert.equal(await livePodNames(cluster), ["web-0", "web-1"], "web-2 waits for web-1 to be Ready");
    allowReady = new Set(["web-0", "web-1", "web-2"]);
    // Nudge the kubelet stand-in: touch web-1 so it is handled again.
    await cluster.client.resource("Pod").patch("web-1", "merge", { metadata: { annotations: { nudge: "1" } } }, { namespace: "default" });
    const done = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.readyReplicas === 3, { namespace: "default", timeout: 60_000 });
    assert.equal(await livePodNames(cluster), ["web-0", "web-1", "web-2"]);
    const revs = (await cluster.client.resource<ControllerRevision>("ControllerRevision").list({ namespace: "default" })).items as ControllerRevision[];
    assert.is(revs.length, 1);
    assert.is(done.status!.currentRevision, revs[0]!.metadata!.name);
    assert.is(done.status!.updateRevision, revs[0]!.metadata!.name);
    assert.match(revs[0]!.metadata!.name!, /^web-[a-z0-9]+$/);
    assert.equal({ r: done.status!.replicas, c: done.status!.currentReplicas, u: done.status!.updatedReplicas, a: done.status!.availableReplicas, g: done.status!.observedGeneration }, { r: 3, c: 3, u: 3, a: 3, g: 1 });
    const p1 = (await podNamed(cluster, "web-1"))!;
    assert.is(p1.spec!.hostname, "web-1");
    assert.is(p1.spec!.subdomain, "web");
    assert.is(p1.metadata!.labels!["statefulset.kubernetes.io/pod-name"], "web-1");
    assert.is(p1.metadata!.labels!["apps.kubernetes.io/pod-index"], "1");
    assert.is(p1.metadata!.labels!["controller-revision-hash"], revs[0]!.metadata!.name);
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulCreate" && e.message === "create Pod web-2 in StatefulSet web successful", { namespace: "default" });
    assert.is(ev.source?.component, "statefulset-controller");

    // Ordered scale-down: highest ordinal first.
    await cluster.client.resource("StatefulSet").patch("web", "merge", { spec: { replicas: 1 } }, { namespace: "default" });
    await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.replicas === 1, { namespace: "default", timeout: 60_000 });
    const deletes = ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.reason === "SuccessfulDelete").map((e) => e.message);
    assert.equal(deletes, ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]);
    stop();
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test("a rolling update replaces pods from the highest ordinal, honours the partition, and completes the revision", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const client = cluster.client.resource<StatefulSet>("StatefulSet");
    await client.create(STS("nginx:1", { podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } }));
    const first = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.readyReplicas === 3, { namespace: "default", timeout: 60_000 });
    await client.patch("web", "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } }, { namespace: "default" });
    const partial = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 && s.status.observedGeneration === 2, { namespace: "default", timeout: 60_000 });
    assert.is(partial.status!.currentRevision, first.status!.currentRevision, "partition holds the old revision current");
    assert.is.not(partial.status!.updateRevision, first.status!.updateRevision);
    assert.is((await podNamed(cluster, "web-0"))!.spec!.containers[0]!.image, "nginx:1");
    assert.is((await podNamed(cluster, "web-2"))!.spec!.containers[0]!.image, "nginx:2");
    const deletes = ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.reason === "SuccessfulDelete").map((e) => e.message);
    assert.equal(deletes, ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]);
    await client.patch("web", "merge", { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, { namespace: "default" });
    const done = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.updatedReplicas === 3 && s.status.currentRevision === s.status.updateRevision && s.status.readyReplicas === 3, { namespace: "default", timeout: 60_000 });
    assert.is(done.status!.currentReplicas, 3);
    assert.is((await podNamed(cluster, "web-0"))!.spec!.containers[0]!.image, "nginx:2");
    const revs = ((await cluster.client.resource<ControllerRevision>("ControllerRevision").list({ namespace: "default" })).items as ControllerRevision[]).map((r) => r.revision).sort();
    assert.equal(revs, [1, 2]);
    stop();
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test("volumeClaimTemplates create <template>-<set>-<ordinal> claims; OnDelete leaves pods alone; whenDeleted Delete owns the claims", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const client = cluster.client.resource<StatefulSet>("StatefulSet");
    const created = (await client.create(
      STS("nginx:1", {
        replicas: 2,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "OnDelete" },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      }),
    )) as StatefulSet;
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name === "web-1", { namespace: "default" });
    const claims = ((await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").list({ namespace: "default" })).items as PersistentVolumeClaim[]).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    assert.equal(claims.map((c) => c.metadata!.name), ["data-web-0", "data-web-1"]);
    assert.is(claims[0]!.metadata!.labels!.app, "web");
    assert.equal(claims[0]!.metadata!.ownerReferences!.map((r) => r.uid), [created.metadata!.uid]);
    const p0 = (await podNamed(cluster, "web-0"))!;
    assert.equal(p0.spec!.volumes!.find((v) => v.name === "data")!.persistentVolumeClaim, { claimName: "data-web-0" });
    await cluster.waitFor<Event>("Event", (e) => e.message === "create Claim data-web-0 Pod web-0 in StatefulSet web success", { namespace: "default" });
    // OnDelete: a template change replaces a pod only when it is deleted.
    await client.patch("web", "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "nginx:2" }] } } } }, { namespace: "default" });
    await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.observedGeneration === 2, { namespace: "default" });
    await cluster.clock.sleep(5000);
    assert.is((await podNamed(cluster, "web-1"))!.spec!.containers[0]!.image, "nginx:1");
    await cluster.client.resource("Pod").delete("web-1", { namespace: "default" });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name === "web-1" && !p.metadata?.deletionTimestamp && p.spec!.containers[0]!.image === "nginx:2", { namespace: "default", timeout: 60_000 });
    assert.is((await podNamed(cluster, "web-0"))!.spec!.containers[0]!.image, "nginx:1");
    stop();
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test.run();
