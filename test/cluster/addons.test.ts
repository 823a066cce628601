import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { NodeHost } from "../../core/cluster/node-host.js";
import { createLogger } from "../../core/log/logger.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";

const kindnetDaemonSet = async (cluster: Cluster): Promise<DaemonSet | undefined> =>
  cluster.client.resource<DaemonSet>("DaemonSet").get("kindnet", { namespace: "kube-system" }).catch(() => undefined);

test("a cluster installs a network plugin's add-on objects; a node's own process (NodeHost) leaves them to the cluster's installer", async () => {
  const withPlugin = new Cluster({ clock: "virtual", seed: 1, nodes: 1, plugins: ["cni-plugins", "cni-kindnet"] });
  await withPlugin.start();
  try {
    assert.ok(await kindnetDaemonSet(withPlugin), "the cluster created kindnet's DaemonSet");
  } finally {
    await withPlugin.stop();
  }

  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: [] });
  await cluster.start();
  const skipped: string[] = [];
  const log = createLogger("kubelet", { level: "debug", sink: (record) => void skipped.push(record.msg) });
  const node = new NodeHost({ client: cluster.client, nodeName: "node-a", mode: "register", plugins: ["cni-plugins", "cni-kindnet"], log, clock: cluster.clock });
  try {
    const { podCidr } = await node.start();
    assert.is(await kindnetDaemonSet(cluster), undefined, "the node process created no DaemonSet");
    // The node half still runs: kindnet's CNI config for the node's pod CIDR.
    const conflist = node.scope.resolve<NodeFileSystem>(NodeFiles).read("/etc/cni/net.d/10-kindnet.conflist");
    assert.ok(conflist?.includes(podCidr), conflist);
    assert.ok(skipped.some((l) => l.includes("left to the cluster's installer")), skipped.join("\n"));
  } finally {
    await node.stop();
    await cluster.stop();
  }
});

test.run();
