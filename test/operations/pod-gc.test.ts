import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { kubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { FakeNodes, boundPod } from "./node-harness.js";

async function withGc(fn: (cluster: Cluster, nodes: FakeNodes) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 5, nodes: 0, plugins: [kubeControllerManager({ controllers: "*,-serviceaccount", leaderElect: false, terminatedPodGcThreshold: 2 })] });
  await cluster.start();
  const nodes = new FakeNodes(cluster);
  try {
    await fn(cluster, nodes);
  } finally {
    nodes.stopAll();
    await cluster.stop();
  }
}

const gone = (cluster: Cluster, name: string) =>
  cluster.client.resource<Pod>("Pod").get(name, { namespace: "default" }).then(() => false, () => true);

test("pods of a deleted Node are marked Failed (DeletionByPodGC) and removed after the 40 s quarantine", async () => {
  await withGc(async (cluster, nodes) => {
    await nodes.add("a");
    await nodes.add("b");
    await boundPod(cluster, "orphan", "a");
    await boundPod(cluster, "kept", "b");
    const failed = cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "orphan" && p.status?.phase === "Failed", { namespace: "default", timeout: 120_000 });
    nodes.kill("a");
    const deletedAt = cluster.clock.now();
    await cluster.client.resource("Node").delete("a");
    const pod = await failed;
    const cond = pod.status!.conditions!.find((c) => c.type === "DisruptionTarget")!;
    assert.equal([cond.reason, cond.message], ["DeletionByPodGC", "PodGC: node no longer exists"]);
    assert.ok(cluster.clock.now() - deletedAt >= 40_000, "after the quarantine");
    await cluster.clock.sleep(1_000);
    assert.ok(await gone(cluster, "orphan"));
    assert.not.ok(await gone(cluster, "kept"));
  });
});

test("terminated pods beyond --terminated-pod-gc-threshold are deleted, oldest first", async () => {
  await withGc(async (cluster, nodes) => {
    await nodes.add("a");
    const api = cluster.client.resource<Pod>("Pod");
    for (const name of ["t1", "t2", "t3", "t4"]) {
      const p = await boundPod(cluster, name, "a");
      await api.updateStatus({ ...p, status: { phase: "Succeeded" } });
      await cluster.clock.sleep(2_000);
    }
    await boundPod(cluster, "running", "a");
    await cluster.clock.sleep(25_000);
    assert.equal(await Promise.all(["t1", "t2", "t3", "t4", "running"].map((n) => gone(cluster, n))), [true, true, false, false, false]);
  });
});

test.run();
