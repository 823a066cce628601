import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import { binaryQuantity } from "../../plugins/kubelet/eviction.js";
import { columns, kubeletCluster, pod } from "./harness.js";

const MI = 1024 ** 2;

test("/stats/summary: per-container and per-pod working set and CPU, node memory available, image fs, rlimit", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    await pods.create(pod("hog", { containers: [{ name: "stress", image: "polinux/stress", command: ["stress"], args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"] }] }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "hog" && p.status?.phase === "Running");
    const s = await kubeletOf().statsSummary();
    assert.is(s.node.nodeName, "node-1");
    const hog = s.pods.find((p) => p.podRef.name === "hog")!;
    assert.is(hog.containers[0]!.name, "stress");
    assert.is(hog.containers[0]!.memory.workingSetBytes, 150 * MI);
    assert.is(hog.memory.workingSetBytes, 150 * MI);
    assert.is(s.node.memory.availableBytes, 8 * 1024 * MI - 150 * MI);
    assert.ok(s.node.runtime.imageFs.usedBytes >= 4_410_000);
    assert.is(s.node.fs.capacityBytes, 100 * 1024 ** 3);
    assert.ok(s.node.rlimit.curproc > 3 && s.node.rlimit.maxpid === 4_194_304);
    assert.ok(hog.containers[0]!.logs.usedBytes > 0);
  } finally {
    await cluster.stop();
  }
});

test("memory pressure: MemoryPressure=True, the pod over its request is evicted with upstream's message, then the pressure clears", async () => {
  const { cluster, pods } = await kubeletCluster({ nodes: [{ name: "node-1", capacity: { memory: "1Gi" } }] });
  try {
    await pods.create(pod("steady", { containers: [{ name: "c", image: "busybox", command: ["sleep", "infinity"], resources: { requests: { memory: "50Mi" }, limits: { memory: "50Mi" } } }] }));
    await pods.create(pod("hog", { containers: [{ name: "hog", image: "polinux/stress", command: ["stress"], args: ["--vm", "1", "--vm-bytes", "950M", "--vm-hang", "1"] }] }));
    const node = await cluster.waitFor<Node>("Node", (n) => n.status?.conditions?.some((c) => c.type === "MemoryPressure" && c.status === "True") ?? false);
    const cond = node.status!.conditions!.find((c) => c.type === "MemoryPressure")!;
    assert.is(cond.reason, "KubeletHasInsufficientMemory");
    assert.is(cond.message, "kubelet has insufficient memory available");
    const evicted = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "hog" && p.status?.reason === "Evicted");
    assert.is(evicted.status!.phase, "Failed");
    assert.is(evicted.status!.message, `The node was low on resource: memory. Threshold quantity: 100Mi, available: ${1024 - 950}Mi. Container hog was using 950Mi, request is 0, has larger consumption of memory. `);
    // kubectl 1.32 prints the killed container's reason over the pod's (as on a real cluster).
    assert.is(columns(evicted), "0/1 Error 0");
    assert.is(evicted.status!.containerStatuses![0]!.state!.terminated!.exitCode, 137);
    const disruption = evicted.status!.conditions!.find((c) => c.type === "DisruptionTarget")!;
    assert.is(disruption.reason, "TerminationByKubelet");
    await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.name === "hog" && e.reason === "Evicted" && e.type === "Warning");
    await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.kind === "Node" && e.reason === "EvictionThresholdMet" && e.message === "Attempting to reclaim memory");
    await cluster.waitFor<Node>("Node", (n) => n.status?.conditions?.some((c) => c.type === "MemoryPressure" && c.status === "False") ?? false);
    assert.is(columns(await pods.get("steady", { namespace: "default" })), "1/1 Running 0");
  } finally {
    await cluster.stop();
  }
});

test("image GC: past the high threshold, unused images go least recently used first until usage is at the low threshold", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster({ nodes: [{ name: "node-1", capacity: { "ephemeral-storage": "1Gi" }, kubeletConfig: { imageGCHighThresholdPercent: 40, imageGCLowThresholdPercent: 20 } }] });
  try {
    const images = ["kennethreitz/httpbin", "postgres:16", "mysql:8.0"];
    for (const [i, image] of images.entries()) {
      await pods.create(pod(`p${i}`, { containers: [{ name: "c", image }] }));
      await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === `p${i}` && p.status?.phase === "Running");
      await cluster.clock.sleep(1000);
      if (i < 2) {
        await pods.delete(`p${i}`, { namespace: "default" });
      }
    }
    await cluster.clock.sleep(11 * 60_000);
    const left = (await kubeletOf().runtime.images.listImages()).flatMap((i) => i.repoTags);
    assert.not.ok(left.includes("docker.io/kennethreitz/httpbin:latest"), left.join(" "));
    assert.not.ok(left.includes("docker.io/library/postgres:16"), left.join(" "));
    assert.ok(left.includes("docker.io/library/mysql:8.0"), "the image in use stays");
    assert.ok(left.includes("registry.k8s.io/pause:3.9"), "the pinned sandbox image stays");
  } finally {
    await cluster.stop();
  }
});

test("binaryQuantity prints byte counts as BinarySI quantities", () => {
  assert.is(binaryQuantity(100 * MI), "100Mi");
  assert.is(binaryQuantity(75776 * 1024), "74Mi");
  assert.is(binaryQuantity(1536), "1536");
  assert.is(binaryQuantity(3 * 1024 + 1), "3073");
  assert.is(binaryQuantity(2 * 1024 ** 3), "2Gi");
});

test.run();
