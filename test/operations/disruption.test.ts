import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError, type StatusError } from "../../core/api/status.js";
import { fakeKubelet, setPodStatus } from "../kube-controller-manager/helpers.js";

async function withKcm(fn: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 3, nodes: 2, plugins: ["kube-controller-manager"] });
  await cluster.start();
  const stop = fakeKubelet(cluster);
  try {
    await fn(cluster);
  } finally {
    stop();
    await cluster.stop();
  }
}

const DEPLOYMENT = (replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }
`;

const PDB = (spec: string) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web-pdb, namespace: default }
spec:
  selector: { matchLabels: { app: web } }
  ${spec}
`;

function budget(cluster: Cluster, pred: (s: NonNullable<PodDisruptionBudget["status"]>) => boolean): Promise<PodDisruptionBudget> {
  return cluster.waitFor<PodDisruptionBudget>("PodDisruptionBudget", (p) => p.metadata?.name === "web-pdb" && p.status !== undefined && (p.status.observedGeneration ?? 0) >= (p.metadata.generation ?? 1) && pred(p.status), { namespace: "default", timeout: 60_000 });
}

async function readyPods(cluster: Cluster, n: number): Promise<Pod[]> {
  for (let i = 0; i < 100; i++) {
    const pods = ((await cluster.client.resource<Pod>("Pod").list({ namespace: "default", labelSelector: "app=web" })).items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    if (pods.length >= n) return pods;
    await cluster.clock.sleep(500);
  }
  throw new Error(`fewer than ${n} ready pods`);
}

const evict = (cluster: Cluster, name: string) =>
  cluster.client.resource<Pod>("Pod").createSubresource(name, "eviction", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" } } as never, { namespace: "default" });

async function refused(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error("eviction was allowed");
}

test("minAvailable (integer): status counts pods, DisruptionAllowed condition follows", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(DEPLOYMENT(3));
    await readyPods(cluster, 3);
    await cluster.apply(PDB("minAvailable: 2"));
    const pdb = await budget(cluster, (s) => s.currentHealthy === 3);
    assert.equal({ ...pdb.status, conditions: undefined }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1, conditions: undefined });
    const cond = pdb.status!.conditions!.find((c) => c.type === "DisruptionAllowed")!;
    assert.equal([cond.status, cond.reason], ["True", "SufficientPods"]);
    await cluster.client.resource("PodDisruptionBudget").patch("web-pdb", "merge", { spec: { minAvailable: 3 } }, { namespace: "default" });
    const tight = await budget(cluster, (s) => s.desiredHealthy === 3);
    assert.is(tight.status!.disruptionsAllowed, 0);
    assert.equal(tight.status!.conditions!.map((c) => [c.type, c.status, c.reason]), [["DisruptionAllowed", "False", "InsufficientPods"]]);
  });
});

test("maxUnavailable and percentages count the controllers' scale (Deployment through its ReplicaSet), rounding up", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(DEPLOYMENT(4));
    await readyPods(cluster, 4);
    await cluster.apply(PDB('maxUnavailable: "30%"'));
    // 30% of 4 rounds up to 2 unavailable: desiredHealthy 2.
    let pdb = await budget(cluster, (s) => s.expectedPods === 4 && s.currentHealthy === 4);
    assert.is(pdb.status!.desiredHealthy, 2);
    assert.is(pdb.status!.disruptionsAllowed, 2);
    await cluster.client.resource("PodDisruptionBudget").patch("web-pdb", "merge", { spec: { maxUnavailable: null, minAvailable: "60%" } }, { namespace: "default" });
    // 60% of 4 = 2.4 rounds up to 3.
    pdb = await budget(cluster, (s) => s.desiredHealthy === 3);
    assert.is(pdb.status!.disruptionsAllowed, 1);
    // Scaling the Deployment to 6 while only 4 run: expected follows the scale.
    await cluster.client.resource("Deployment").patch("web", "merge", { spec: { replicas: 6 } }, { namespace: "default" });
    pdb = await budget(cluster, (s) => s.expectedPods === 6 && s.currentHealthy === 6);
    assert.is(pdb.status!.desiredHealthy, 4);
  });
});

test("a pod without a controller under a percentage budget: SyncFailed, no disruptions", async () => {
  await withKcm(async (cluster) => {
    await cluster.client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "lonely", namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    await cluster.apply(PDB('maxUnavailable: "50%"'));
    const pdb = await budget(cluster, (s) => s.conditions?.some((c) => c.reason === "SyncFailed") ?? false);
    const cond = pdb.status!.conditions!.find((c) => c.type === "DisruptionAllowed")!;
    assert.is(cond.message, 'found no controller ref for pod "lonely"');
    assert.is(pdb.status!.disruptionsAllowed, 0);
  });
});

test("eviction: 429 with upstream's message when the budget forbids it; allowed evictions take from disruptionsAllowed and mark the pod", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(DEPLOYMENT(2));
    const pods = await readyPods(cluster, 2);
    await cluster.apply(PDB("minAvailable: 2"));
    await budget(cluster, (s) => s.currentHealthy === 2);
    const err = await refused(evict(cluster, pods[0]!.metadata!.name!));
    assert.is(err.code, 429);
    assert.is(err.status.reason, "TooManyRequests");
    assert.is(err.status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(err.status.details?.causes, [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently" }]);

    await cluster.client.resource("PodDisruptionBudget").patch("web-pdb", "merge", { spec: { minAvailable: 1 } }, { namespace: "default" });
    await budget(cluster, (s) => s.disruptionsAllowed === 1);
    // Watch the pod as the fake kubelet sees it before it completes the deletion.
    const marked = cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === pods[0]!.metadata!.name && !!p.metadata?.deletionTimestamp, { namespace: "default" });
    const res = await evict(cluster, pods[0]!.metadata!.name!);
    assert.is((res as { status?: string }).status, "Success");
    const evicted = await marked;
    assert.equal(
      (({ type, status, reason, message }) => ({ type, status, reason, message }))(evicted.status!.conditions!.find((c) => c.type === "DisruptionTarget")!),
      { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" },
    );
    // The second eviction right after is refused until the replacement is ready.
    const second = await refused(evict(cluster, pods[1]!.metadata!.name!));
    assert.is(second.code, 429);
    await readyPods(cluster, 2);
    await budget(cluster, (s) => s.disruptionsAllowed === 1 && s.currentHealthy === 2);
    await evict(cluster, pods[1]!.metadata!.name!);
  });
});

test("eviction of unready pods follows unhealthyPodEvictionPolicy; two budgets for one pod are refused", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(DEPLOYMENT(2));
    const pods = await readyPods(cluster, 2);
    await cluster.apply(PDB("minAvailable: 2"));
    await budget(cluster, (s) => s.currentHealthy === 2);
    // One pod turns unready: IfHealthyBudget (default) refuses while the budget is not healthy.
    await setPodStatus(cluster, pods[0]!, { ready: false });
    await budget(cluster, (s) => s.currentHealthy === 1);
    assert.is((await refused(evict(cluster, pods[0]!.metadata!.name!))).code, 429);
    await cluster.client.resource("PodDisruptionBudget").patch("web-pdb", "merge", { spec: { unhealthyPodEvictionPolicy: "AlwaysAllow" } }, { namespace: "default" });
    await budget(cluster, () => true);
    await evict(cluster, pods[0]!.metadata!.name!);

    await cluster.apply(PDB("minAvailable: 0").replace("web-pdb", "second"));
    await cluster.waitFor<PodDisruptionBudget>("PodDisruptionBudget", (p) => p.metadata?.name === "second" && p.status?.observedGeneration === 1, { namespace: "default" });
    const err = await refused(evict(cluster, pods[1]!.metadata!.name!));
    assert.is(err.code, 500);
    assert.is(err.status.message, "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
  });
});

test("a pod no budget selects is evicted straight away", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(DEPLOYMENT(1));
    const [pod] = await readyPods(cluster, 1);
    await evict(cluster, pod!.metadata!.name!);
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === pod!.metadata!.name && !!p.metadata?.deletionTimestamp, { namespace: "default" }).catch(() => undefined);
    try {
      const p = await cluster.client.resource<Pod>("Pod").get(pod!.metadata!.name!, { namespace: "default" });
      assert.ok(p.metadata?.deletionTimestamp, "being deleted");
    } catch (err) {
      assert.ok(isStatusError(err, "NotFound"));
    }
  });
});

test.run();
