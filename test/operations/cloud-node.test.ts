/** cloud-controller-manager's node controllers: initialising Nodes registered with the uninitialized taint, and the cloud node lifecycle. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { cloudControllerManager, KubesimInstances, SHUTDOWN_TAINT, UNINITIALIZED_TAINT } from "../../plugins/cloud-controller-manager/index.js";

const instances = new KubesimInstances();
instances.set("cloud-1", { zone: "eu-west-1a", region: "eu-west-1", instanceType: "m5.large" });
const cluster = new Cluster({ clock: "virtual", seed: 9, nodes: 0, plugins: [cloudControllerManager({ instances })] });
await cluster.start();
const nodes = cluster.client.resource<Node>("Node");

/** A Node as a kubelet with `--cloud-provider=external` registers it. */
function registered(name: string): Node {
  return {
    apiVersion: "v1", kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    spec: { taints: [{ key: UNINITIALIZED_TAINT, value: "true", effect: "NoSchedule" }, { key: "example.com/keep", effect: "NoSchedule" }] },
  };
}

async function setReady(name: string, status: "True" | "False"): Promise<void> {
  await nodes.patch(name, "merge", { status: { conditions: [{ type: "Ready", status, reason: status === "True" ? "KubeletReady" : "KubeletNotReady", lastHeartbeatTime: new Date(cluster.clock.now()).toISOString() }] } }, { subresource: "status" });
}

test("a node registered uninitialized gets the cloud's zone, region, instance type, provider ID and addresses, then loses the taint", async () => {
  await nodes.create(registered("cloud-1"));
  const node = await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "cloud-1" && !n.spec?.taints?.some((t) => t.key === UNINITIALIZED_TAINT));
  const labels = node.metadata!.labels!;
  assert.is(labels["topology.kubernetes.io/zone"], "eu-west-1a");
  assert.is(labels["topology.kubernetes.io/region"], "eu-west-1");
  assert.is(labels["node.kubernetes.io/instance-type"], "m5.large");
  assert.is(labels["failure-domain.beta.kubernetes.io/zone"], "eu-west-1a");
  assert.is(labels["beta.kubernetes.io/instance-type"], "m5.large");
  assert.is(node.spec!.providerID, "kubesim://cloud-1");
  assert.equal(node.spec!.taints, [{ key: "example.com/keep", effect: "NoSchedule" }], "only the uninitialized taint is removed");
  assert.equal(node.status!.addresses, [{ type: "Hostname", address: "cloud-1" }]);
});

test("a NotReady node whose instance is shut down gets the shutdown taint, removed once Ready; a terminated instance's Node is deleted", async () => {
  await setReady("cloud-1", "False");
  instances.shutdown("cloud-1");
  await cluster.clock.sleep(6_000);
  assert.ok((await nodes.get("cloud-1")).spec!.taints!.some((t) => t.key === SHUTDOWN_TAINT && t.effect === "NoSchedule"));
  instances.set("cloud-1", { state: "running" });
  await setReady("cloud-1", "True");
  await cluster.clock.sleep(6_000);
  assert.not.ok((await nodes.get("cloud-1")).spec!.taints!.some((t) => t.key === SHUTDOWN_TAINT));
  await setReady("cloud-1", "False");
  instances.terminate("cloud-1");
  await cluster.clock.sleep(6_000);
  const gone = await nodes.get("cloud-1").then(() => false, () => true);
  assert.ok(gone, "the Node of a terminated instance is deleted");
});

test("a Ready node whose instance vanished is kept (only NotReady nodes are checked)", async () => {
  await nodes.create({ apiVersion: "v1", kind: "Node", metadata: { name: "steady" } });
  await setReady("steady", "True");
  instances.terminate("steady");
  await cluster.clock.sleep(6_000);
  assert.is((await nodes.get("steady")).metadata!.name, "steady");
});

test.after(async () => {
  await cluster.stop();
});

test.run();
