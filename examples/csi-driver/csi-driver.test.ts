import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import images from "../../plugins/images/index.js";
import kubelet, { NodeKubelet } from "../../plugins/kubelet/index.js";
import type { Kubelet } from "../../plugins/kubelet/kubelet.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import cniPlugins from "../../plugins/cni-plugins/index.js";
import kindnet from "../../plugins/cni-kindnet/index.js";
import greeting, { DRIVER_NAME } from "./index.js";

test("the third-party CSI driver registers on the node and its inline volume shows the greeting in the container", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 9, nodes: [{ name: "node-1" }], plugins: [cniPlugins, kindnet, images, runtime, kubelet, greeting] });
  await cluster.start();
  try {
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "hello", namespace: "default" },
      spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "g", mountPath: "/etc/greeting" }] }], volumes: [{ name: "g", csi: { driver: DRIVER_NAME, volumeAttributes: { greeting: "hello from CSI" } } }] },
    });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "hello" && p.status?.phase === "Running");
    const k = cluster.nodes.get("node-1")!.scope.resolve<Kubelet>(NodeKubelet);
    const out = await k.runtime.runtime.execSync(k.worker("default", "hello")!.slots[0]!.id!, ["cat", "/etc/greeting/greeting"], 5);
    assert.is(out.stdout, "hello from CSI\n");
    const csiNode = await cluster.client.resource("CSINode").get("node-1");
    assert.equal((csiNode as { spec?: { drivers?: { name: string; nodeID: string }[] } }).spec?.drivers?.map((d) => [d.name, d.nodeID]), [[DRIVER_NAME, "node-1"]]);
  } finally {
    await cluster.stop();
  }
});

test.run();
