import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { kubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { computeZoneState, minTolerationSeconds } from "../../plugins/kube-controller-manager/controllers/nodelifecycle/index.js";
import { FakeNodes, boundPod, readyOf, taintOf } from "./node-harness.js";

const UNREACHABLE = "node.kubernetes.io/unreachable";
const NOT_READY = "node.kubernetes.io/not-ready";

/** A cluster with only kube-controller-manager and hand-made nodes whose kubelets the test plays. */
async function withNodes(names: string[], fn: (cluster: Cluster, nodes: FakeNodes) => Promise<void>, labels: (name: string) => Record<string, string> = () => ({})): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: [kubeControllerManager({ controllers: "*,-serviceaccount", leaderElect: false })] });
  await cluster.start();
  const nodes = new FakeNodes(cluster);
  try {
    for (const n of names) await nodes.add(n, labels(n));
    await fn(cluster, nodes);
  } finally {
    nodes.stopAll();
    await cluster.stop();
  }
}

const nodeNamed = (cluster: Cluster, name: string, pred: (n: Node) => boolean, timeout = 600_000) => cluster.waitFor<Node>("Node", (n) => n.metadata?.name === name && pred(n), { timeout });

test("a node whose Lease stops being renewed goes Ready=Unknown after the 50 s grace period and gets the unreachable taints", async () => {
  await withNodes(["a", "b", "c"], async (cluster, nodes) => {
    await cluster.clock.sleep(20_000);
    nodes.kill("a");
    const last = nodes.lastRenewal.get("a")!;
    const unknown = await nodeNamed(cluster, "a", (n) => readyOf(n) === "Unknown");
    const after = cluster.clock.now() - last;
    // The controller counts from when it saw the renewal (it looks every 5 s): 50 s plus up to two periods.
    assert.ok(after > 50_000 && after <= 60_000, `Unknown ${after} ms after the last renewal (want 50-60 s)`);
    const ready = unknown.status!.conditions!.find((c) => c.type === "Ready")!;
    assert.is(ready.reason, "NodeStatusUnknown");
    assert.is(ready.message, "Kubelet stopped posting node status.");
    for (const type of ["MemoryPressure", "DiskPressure", "PIDPressure"]) assert.is(unknown.status!.conditions!.find((c) => c.type === type)!.status, "Unknown", type);
    const tainted = await nodeNamed(cluster, "a", (n) => !!taintOf(n, UNREACHABLE, "NoExecute") && !!taintOf(n, UNREACHABLE, "NoSchedule"));
    assert.ok(taintOf(tainted, UNREACHABLE, "NoExecute")!.timeAdded, "NoExecute taint has timeAdded");
    // The others keep reporting and stay untainted.
    const b = await cluster.client.resource<Node>("Node").get("b");
    assert.is(readyOf(b), "True");
    assert.is(b.spec?.taints, undefined);
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items;
    assert.ok(events.some((e) => e.reason === "NodeNotReady" && e.message === "Node a status is now: NodeNotReady"), "NodeNotReady event");
    assert.ok(events.some((e) => e.reason === "RegisteredNode" && e.message === "Node b event: Registered Node b in Controller"), "RegisteredNode event");
  });
});

test("taint-based eviction honours tolerationSeconds counted from the taint (300 s default from admission)", async () => {
  await withNodes(["a", "b", "c"], async (cluster, nodes) => {
    const pods = cluster.client.resource<Pod>("Pod");
    const dflt = await boundPod(cluster, "default-tolerations", "a");
    assert.equal(dflt.spec!.tolerations!.find((t) => t.key === UNREACHABLE), { key: UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    await boundPod(cluster, "short", "a", [{ key: UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]);
    await boundPod(cluster, "forever", "a", [{ key: UNREACHABLE, operator: "Exists", effect: "NoExecute" }]);
    await boundPod(cluster, "elsewhere", "b");
    nodes.kill("a");
    const tainted = await nodeNamed(cluster, "a", (n) => !!taintOf(n, UNREACHABLE, "NoExecute"));
    const taintedAt = cluster.clock.now();
    assert.ok(tainted);
    const deleted = (name: string) => cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === name && !!p.metadata.deletionTimestamp, { namespace: "default", timeout: 600_000 });
    const short = await deleted("short");
    assert.is(Math.round((cluster.clock.now() - taintedAt) / 1000), 60);
    assert.equal(
      (({ type, status, reason, message }) => ({ type, status, reason, message }))(short.status!.conditions!.find((c) => c.type === "DisruptionTarget")!),
      { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" },
    );
    await deleted("default-tolerations");
    assert.is(Math.round((cluster.clock.now() - taintedAt) / 1000), 300);
    await cluster.clock.sleep(600_000);
    assert.not.ok((await pods.get("forever", { namespace: "default" })).metadata?.deletionTimestamp, "a pod tolerating forever stays");
    assert.not.ok((await pods.get("elsewhere", { namespace: "default" })).metadata?.deletionTimestamp, "pods on healthy nodes stay");
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default", fieldSelector: "involvedObject.name=short" })).items;
    assert.ok(events.some((e) => e.reason === "TaintManagerEviction" && e.message === "Marking for deletion Pod default/short"), "TaintManagerEviction event");
  });
});

test("a pod that does not tolerate a NoExecute taint is evicted at once", async () => {
  await withNodes(["a", "b"], async (cluster) => {
    await boundPod(cluster, "intolerant", "a");
    const nodesApi = cluster.client.resource<Node>("Node");
    await nodesApi.patch("a", "merge", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
    const start = cluster.clock.now();
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "intolerant" && !!p.metadata.deletionTimestamp, { namespace: "default" });
    assert.ok(cluster.clock.now() - start < 1000);
  });
});

test("a node that comes back is untainted and pending evictions are cancelled", async () => {
  await withNodes(["a", "b", "c"], async (cluster, nodes) => {
    await boundPod(cluster, "web", "a");
    nodes.kill("a");
    await nodeNamed(cluster, "a", (n) => !!taintOf(n, UNREACHABLE, "NoExecute"));
    await cluster.clock.sleep(100_000);
    await nodes.revive("a");
    const back = await nodeNamed(cluster, "a", (n) => readyOf(n) === "True" && !(n.spec?.taints ?? []).some((t) => t.key === UNREACHABLE || t.key === NOT_READY));
    assert.ok(back);
    await cluster.clock.sleep(400_000);
    const pod = await cluster.client.resource<Pod>("Pod").get("web", { namespace: "default" });
    assert.not.ok(pod.metadata?.deletionTimestamp, "eviction cancelled");
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default", fieldSelector: "involvedObject.name=web" })).items;
    assert.ok(events.some((e) => e.reason === "TaintManagerEviction" && e.message === "Cancelling deletion of Pod default/web"));
  });
});

test("a NotReady node (kubelet reports Ready=False) gets the not-ready taints instead", async () => {
  await withNodes(["a", "b"], async (cluster) => {
    const nodesApi = cluster.client.resource<Node>("Node");
    const a = await nodesApi.get("a");
    await nodesApi.patch("a", "merge", { status: { conditions: a.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "False", reason: "KubeletNotReady" } : c)) } }, { subresource: "status" });
    const tainted = await nodeNamed(cluster, "a", (n) => !!taintOf(n, NOT_READY, "NoExecute") && !!taintOf(n, NOT_READY, "NoSchedule"));
    assert.not.ok(taintOf(tainted, UNREACHABLE, "NoExecute"));
  });
});

test("NoSchedule condition taints follow the conditions and spec.unschedulable", async () => {
  await withNodes(["a"], async (cluster) => {
    const nodesApi = cluster.client.resource<Node>("Node");
    await nodesApi.patch("a", "merge", { spec: { unschedulable: true } });
    await nodeNamed(cluster, "a", (n) => !!taintOf(n, "node.kubernetes.io/unschedulable", "NoSchedule"));
    const a = await nodesApi.get("a");
    await nodesApi.patch("a", "merge", { status: { conditions: a.status!.conditions!.map((c) => (c.type === "MemoryPressure" || c.type === "DiskPressure" ? { ...c, status: "True" } : c)) } }, { subresource: "status" });
    await nodeNamed(cluster, "a", (n) => !!taintOf(n, "node.kubernetes.io/memory-pressure", "NoSchedule") && !!taintOf(n, "node.kubernetes.io/disk-pressure", "NoSchedule"));
    await nodesApi.patch("a", "merge", { spec: { unschedulable: null } });
    const uncordoned = await nodeNamed(cluster, "a", (n) => !taintOf(n, "node.kubernetes.io/unschedulable", "NoSchedule"));
    assert.ok(taintOf(uncordoned, "node.kubernetes.io/memory-pressure", "NoSchedule"), "other condition taints stay");
  });
});

test("NoExecute taints are rate limited per zone: one node every 10 s at --node-eviction-rate 0.1", async () => {
  const names = ["z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8"];
  await withNodes(names, async (cluster, nodes) => {
    nodes.kill("z1");
    nodes.kill("z2");
    const times: number[] = [];
    for (const n of ["z1", "z2"]) {
      await nodeNamed(cluster, n, (x) => !!taintOf(x, UNREACHABLE, "NoExecute"));
      times.push(cluster.clock.now());
    }
    // Both go Unknown in the same monitor pass; the second waits for the zone's next token.
    const gap = Math.abs(times[1]! - times[0]!);
    assert.ok(gap >= 9_000 && gap <= 11_000, `taints ${gap} ms apart`);
  });
});

test("an unhealthy zone of a small cluster is not tainted for eviction; a healthy zone is", async () => {
  const zoneOf = (name: string) => ({ "topology.kubernetes.io/zone": name.startsWith("x") ? "zone-x" : "zone-y" });
  await withNodes(["x1", "x2", "x3", "x4", "y1", "y2", "y3"], async (cluster, nodes) => {
    for (const n of ["x1", "x2", "x3", "y1"]) nodes.kill(n);
    // zone-x: 3 of 4 not ready (> 2 and >= 55%) -> PartialDisruption, rate 0 in a small cluster.
    await nodeNamed(cluster, "y1", (n) => !!taintOf(n, UNREACHABLE, "NoExecute"));
    await cluster.clock.sleep(120_000);
    for (const n of ["x1", "x2", "x3"]) {
      const node = await cluster.client.resource<Node>("Node").get(n);
      assert.is(readyOf(node), "Unknown");
      assert.ok(taintOf(node, UNREACHABLE, "NoSchedule"), `${n} NoSchedule taint`);
      assert.not.ok(taintOf(node, UNREACHABLE, "NoExecute"), `${n} not tainted for eviction`);
    }
  }, zoneOf);
});

test("when every node of every zone is down, nothing is tainted for eviction (master disruption mode)", async () => {
  await withNodes(["a", "b"], async (cluster, nodes) => {
    nodes.kill("a");
    nodes.kill("b");
    await nodeNamed(cluster, "b", (n) => readyOf(n) === "Unknown");
    await nodeNamed(cluster, "a", (n) => readyOf(n) === "Unknown");
    await cluster.clock.sleep(60_000);
    for (const n of ["a", "b"]) assert.not.ok(taintOf(await cluster.client.resource<Node>("Node").get(n), UNREACHABLE, "NoExecute"), n);
  });
});

test("zone states and toleration arithmetic as upstream", () => {
  assert.is(computeZoneState(0, 1, 0.55), "FullDisruption");
  assert.is(computeZoneState(1, 2, 0.55), "Normal");
  assert.is(computeZoneState(2, 3, 0.55), "PartialDisruption");
  assert.is(computeZoneState(5, 3, 0.55), "Normal");
  const taint = { key: UNREACHABLE, effect: "NoExecute" };
  assert.is(minTolerationSeconds([taint], []), undefined);
  assert.is(minTolerationSeconds([taint], [{ operator: "Exists" }]), Infinity);
  assert.is(minTolerationSeconds([taint], [{ key: UNREACHABLE, operator: "Exists", tolerationSeconds: 30 }, { operator: "Exists", tolerationSeconds: 10 }]), 10);
  assert.is(minTolerationSeconds([taint], [{ key: UNREACHABLE, operator: "Exists", tolerationSeconds: -5 }]), 0);
});

test.run();
