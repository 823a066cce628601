/** `kubelet --cloud-provider=external`: Nodes register with the uninitialized taint, which the cloud node controller removes once it initialises them. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { WatchEvent } from "../../core/client/client.js";
import { cloudControllerManager, KubesimInstances, UNINITIALIZED_TAINT } from "../../plugins/cloud-controller-manager/index.js";

const NODE_PLUGINS = ["images", "runtime-containerd", "kubelet", "cni-plugins", "cni-kindnet", "kube-scheduler", "kube-controller-manager"];

/** Starts a cluster without nodes, then registers one while recording every version of its Node. */
async function registerNode(ccm: Parameters<typeof cloudControllerManager>[0], spec: { cloudProvider?: "external" | "" } = {}): Promise<{ cluster: Cluster; versions: Node[] }> {
  const cluster = new Cluster({ clock: "virtual", seed: 21, nodes: 0, plugins: [...NODE_PLUGINS, cloudControllerManager(ccm)] });
  await cluster.start();
  const versions: Node[] = [];
  const watch = await cluster.client.resource<Node>("Node").watch({}, (e: WatchEvent<Node>) => {
    if (e.type === "ADDED" || e.type === "MODIFIED") versions.push(e.object);
  });
  await cluster.addNode({ name: "cloud-worker", ...spec });
  await cluster.clock.sleep(2_000);
  watch.stop();
  return { cluster, versions };
}

const uninitialized = (n: Node): boolean => (n.spec?.taints ?? []).some((t) => t.key === UNINITIALIZED_TAINT && t.value === "true" && t.effect === "NoSchedule");

test("under cloud-controller-manager a kubelet registers its Node uninitialized and without a providerID; the cloud node controller initialises it and removes the taint", async () => {
  const instances = new KubesimInstances();
  instances.set("cloud-worker", { zone: "zone-a", region: "region-1", instanceType: "sim.large" });
  const { cluster, versions } = await registerNode({ instances });
  try {
    const first = versions[0]!;
    assert.ok(uninitialized(first), "registered with node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule");
    assert.is(first.spec?.providerID, undefined, "the kubelet leaves the providerID to the cloud");
    const node = await cluster.client.resource<Node>("Node").get("cloud-worker");
    assert.not.ok(uninitialized(node), "the cloud node controller removed the taint");
    assert.is(node.spec?.providerID, "kubesim://cloud-worker");
    assert.is(node.metadata?.labels?.["topology.kubernetes.io/zone"], "zone-a");
    assert.is(node.metadata?.labels?.["node.kubernetes.io/instance-type"], "sim.large");
    // The taint is gone, so pods schedule onto the node.
    await cluster.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "p" && !!p.spec?.nodeName, { namespace: "default" });
    assert.is(pod.spec?.nodeName, "cloud-worker");
  } finally {
    await cluster.stop();
  }
});

test("a node's own --cloud-provider=\"\" overrides the cluster's external default: no taint, kind's providerID", async () => {
  const { cluster, versions } = await registerNode({}, { cloudProvider: "" });
  try {
    assert.not.ok(versions.some(uninitialized));
    assert.is(versions[0]!.spec?.providerID, "kind://docker/kubesim/cloud-worker");
  } finally {
    await cluster.stop();
  }
});

test("externalKubelets: false keeps the kubelets' own registration (no uninitialized taint)", async () => {
  const { cluster, versions } = await registerNode({ externalKubelets: false });
  try {
    assert.ok(versions.length > 0);
    assert.not.ok(versions.some(uninitialized));
  } finally {
    await cluster.stop();
  }
});

test.run();
