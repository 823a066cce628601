import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import kubeSchedulerPlugin from "../../plugins/kube-scheduler/index.js";
import type { NodeSpec } from "../../core/cluster/node-spec.js";

function pod(name: string, cpu: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu } } }], ...spec } } as Pod;
}

async function start(nodes: NodeSpec[]): Promise<Cluster> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  await cluster.apply({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 } as never);
  return cluster;
}

/** Creates `pod` and waits until it is bound, returning its node. */
async function place(cluster: Cluster, p: Pod): Promise<string> {
  await cluster.client.resource<Pod>("Pod").create(p);
  return (await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === p.metadata!.name && !!x.spec?.nodeName, { namespace: "default" })).spec!.nodeName!;
}

/** A PDB over `app=<app>` whose status allows `allowed` disruptions (as the disruption controller would write it). */
async function budget(cluster: Cluster, app: string, allowed: number): Promise<void> {
  const pdbs = cluster.client.resource<PodDisruptionBudget>("PodDisruptionBudget");
  const created = await pdbs.create({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: `pdb-${app}`, namespace: "default" }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
  await pdbs.updateStatus({ ...created, status: { disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, observedGeneration: created.metadata!.generation! } }, { namespace: "default" });
  await cluster.clock.sleep(10);
}

/** Names of the pods the scheduler marked for deletion. */
async function preempted(cluster: Cluster): Promise<string[]> {
  await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === "high" && !!x.status?.nominatedNodeName, { namespace: "default" });
  const pods = (await cluster.client.resource<Pod>("Pod").list({ namespace: "default" } as never)).items as Pod[];
  return pods.filter((p) => p.metadata!.deletionTimestamp).map((p) => p.metadata!.name!).sort();
}

for (const protectedNode of ["w1", "w2"]) {
  test(`PDBs: the node whose victims violate no budget is chosen (budget on ${protectedNode}'s pod)`, async () => {
    const cluster = await start([
      { name: "w1", capacity: { cpu: "2" } },
      { name: "w2", capacity: { cpu: "2" } },
    ]);
    try {
      const where = new Map<string, string>();
      for (const name of ["a", "b"]) where.set(await place(cluster, pod(name, "1500m", { app: name })), name);
      await budget(cluster, where.get(protectedNode)!, 0);
      await cluster.client.resource<Pod>("Pod").create(pod("high", "1500m", {}, { priorityClassName: "high" }));
      const other = protectedNode === "w1" ? "w2" : "w1";
      assert.equal(await preempted(cluster), [where.get(other)!]);
      const high = await cluster.client.resource<Pod>("Pod").get("high", { namespace: "default" } as never);
      assert.is(high.status?.nominatedNodeName, other);
    } finally {
      await cluster.stop();
    }
  });
}

test("PDBs: on one node, the pod a budget protects is reprieved first; a budget with room does not protect", async () => {
  const cluster = await start([{ name: "w1", capacity: { cpu: "3" } }]);
  try {
    await place(cluster, pod("older", "1000m", { app: "older" }));
    await cluster.clock.sleep(2000);
    await place(cluster, pod("newer", "1000m", { app: "newer" }));
    // Without budgets the older (more important) pod would be given back and the newer evicted.
    await budget(cluster, "newer", 0);
    await budget(cluster, "older", 1);
    await cluster.client.resource<Pod>("Pod").create(pod("high", "1500m", {}, { priorityClassName: "high" }));
    assert.equal(await preempted(cluster), ["older"]);
  } finally {
    await cluster.stop();
  }
});

test("PDBs are respected where possible: a protected pod is still preempted when nothing else makes room", async () => {
  const cluster = await start([{ name: "w1", capacity: { cpu: "2" } }]);
  try {
    await place(cluster, pod("guarded", "1500m", { app: "guarded" }));
    await budget(cluster, "guarded", 0);
    await cluster.client.resource<Pod>("Pod").create(pod("high", "1500m", {}, { priorityClassName: "high" }));
    assert.equal(await preempted(cluster), ["guarded"]);
  } finally {
    await cluster.stop();
  }
});

test("a pod whose earlier victims still terminate on its nominated node does not preempt again", async () => {
  const cluster = await start([{ name: "w1", capacity: { cpu: "3" } }]);
  try {
    await place(cluster, pod("first", "1500m"));
    await cluster.clock.sleep(2000);
    await place(cluster, pod("second", "1000m"));
    await cluster.client.resource<Pod>("Pod").create(pod("high", "1500m", {}, { priorityClassName: "high" }));
    assert.equal(await preempted(cluster), ["second"]);
    // No kubelet: the victim stays Terminating. A new (too small) node retries the pod.
    await cluster.client.resource<Node>("Node").create({ apiVersion: "v1", kind: "Node", metadata: { name: "tiny", labels: { "kubernetes.io/hostname": "tiny" } }, status: { allocatable: { cpu: "1", memory: "1Gi", pods: "10" }, capacity: { cpu: "1", memory: "1Gi", pods: "10" }, conditions: [{ type: "Ready", status: "True" }] } } as Node);
    const msg = "preemption: not eligible due to a terminating pod on the nominated node.";
    await cluster.waitFor<Event>("Event", (e) => e.involvedObject.name === "high" && e.reason === "FailedScheduling" && (e.message ?? "").includes(msg), { namespace: "default" });
    const first = await cluster.client.resource<Pod>("Pod").get("first", { namespace: "default" } as never);
    assert.is(first.metadata?.deletionTimestamp, undefined, "no second victim");
    // Once the victim is gone, the pod is bound to its nominated node.
    await cluster.client.resource<Pod>("Pod").delete("second", { namespace: "default", gracePeriodSeconds: 0 } as never);
    const high = await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === "high" && !!x.spec?.nodeName, { namespace: "default" });
    assert.is(high.spec!.nodeName, "w1");
  } finally {
    await cluster.stop();
  }
});

test("with the disruption controller: the budget it keeps (no room while pods are not Ready) steers preemption to the unprotected node", async () => {
  const cluster = new Cluster({
    clock: "virtual",
    seed: 1,
    nodes: [
      { name: "w1", capacity: { cpu: "2" } },
      { name: "w2", capacity: { cpu: "2" } },
    ],
    plugins: ["kube-controller-manager", kubeSchedulerPlugin],
  });
  await cluster.start();
  try {
    await cluster.apply({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 } as never);
    // a on w1, the node preemption would pick on a tie: only the budget sends it to w2.
    assert.is(await place(cluster, pod("a", "1500m", { app: "a" }, { nodeSelector: { "kubernetes.io/hostname": "w1" } })), "w1");
    assert.is(await place(cluster, pod("b", "1500m", { app: "b" }, { nodeSelector: { "kubernetes.io/hostname": "w2" } })), "w2");
    await cluster.apply({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb-a", namespace: "default" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "a" } } } } as never);
    const pdb = await cluster.waitFor<PodDisruptionBudget>("PodDisruptionBudget", (p) => p.metadata!.name === "pdb-a" && p.status?.observedGeneration === p.metadata!.generation && p.status?.expectedPods === 1, { namespace: "default" });
    assert.is(pdb.status!.disruptionsAllowed, 0, "no kubelet: the pod is not Ready, so no disruption is allowed");
    await cluster.clock.sleep(10);
    await cluster.client.resource<Pod>("Pod").create(pod("high", "1500m", {}, { priorityClassName: "high" }));
    assert.equal(await preempted(cluster), ["b"]);
    const high = await cluster.client.resource<Pod>("Pod").get("high", { namespace: "default" } as never);
    assert.is(high.status?.nominatedNodeName, "w2");
  } finally {
    await cluster.stop();
  }
});

test.run();
