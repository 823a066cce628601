import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import { HOSTPATH_DRIVER_NAME, HOSTPATH_NAMESPACE, HOSTPATH_NODE_DAEMONSET } from "../../plugins/csi-hostpath/index.js";
import { PLUGINS_REGISTRY_DIR } from "../../core/csi/plugin-registration.js";
import { UnixSockets } from "../../core/net/unix-sockets.js";
import { storageCluster } from "./harness.js";

const running = (p: Pod): boolean => p.status?.containerStatuses?.every((c) => c.state?.running) === true && (p.status?.containerStatuses?.length ?? 0) > 0;

/**
 * csi-hostpath runs as a real cluster runs it: node DaemonSet pods (driver + node-driver-registrar)
 * register the driver with each kubelet through the plugin registration socket; the controller
 * StatefulSet's pod serves the controller service to its sidecars. Without its node pod, a node
 * has no driver: the kubelet deregisters it when the registrar's socket goes.
 */
test("the driver's pods run; the registrar's socket registers the driver with the kubelet (CSINode, node id); it is deregistered when its node pod goes", async () => {
  const k = await storageCluster();
  const { cluster } = k;
  try {
    const pods = (await cluster.client.resource<Pod>("Pod").list({ namespace: HOSTPATH_NAMESPACE })).items as Pod[];
    const nodePods = pods.filter((p) => p.metadata?.name?.startsWith(`${HOSTPATH_NODE_DAEMONSET}-`));
    assert.equal(nodePods.map((p) => p.spec?.nodeName).sort(), ["node-1", "node-2"], "one node pod per node");
    assert.equal(nodePods[0]!.spec?.containers.map((c) => c.name), ["hostpath", "node-driver-registrar"]);
    const controller = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "csi-hostpath-controller-0" && running(p), { namespace: HOSTPATH_NAMESPACE, timeout: 600_000 });
    assert.equal(controller.spec?.containers.map((c) => c.name), ["hostpath", "csi-provisioner", "csi-attacher", "csi-resizer", "csi-snapshotter"]);

    // The registration socket in the kubelet's registry directory, the driver's socket where the registrar said.
    const kubelet = k.kubeletOf("node-1");
    const sockets = cluster.resolve(UnixSockets);
    assert.equal(kubelet.hostFs.list(PLUGINS_REGISTRY_DIR), [`${HOSTPATH_DRIVER_NAME}-reg.sock`]);
    assert.ok(sockets.isSocket(kubelet.hostFs, "/var/lib/kubelet/plugins/csi-hostpath/csi.sock"));
    const csiNode = await cluster.client.resource<CSINode>("CSINode").get("node-1");
    assert.equal(csiNode.spec?.drivers, [{ name: HOSTPATH_DRIVER_NAME, nodeID: "node-1", topologyKeys: ["topology.hostpath.csi/node"] }]);

    // Node-1's pod leaves (the DaemonSet no longer selects node-1): the registrar removes its socket, the kubelet deregisters.
    await cluster.client.resource<DaemonSet>("DaemonSet").patch(HOSTPATH_NODE_DAEMONSET, "merge", { spec: { template: { spec: { nodeSelector: { "kubernetes.io/hostname": "node-2" } } } } }, { namespace: HOSTPATH_NAMESPACE });
    const gone = await cluster.waitFor<CSINode>("CSINode", (c) => c.metadata?.name === "node-1" && !(c.spec?.drivers ?? []).some((d) => d.name === HOSTPATH_DRIVER_NAME), { timeout: 600_000 });
    assert.equal(gone.spec?.drivers, []);
    assert.equal(kubelet.hostFs.list(PLUGINS_REGISTRY_DIR), []);
    const node1 = await cluster.client.resource<Node>("Node").get("node-1");
    assert.is(node1.metadata?.annotations?.["csi.volume.kubernetes.io/nodeid"], undefined, "the node id annotation goes with the driver");
    assert.equal((await cluster.client.resource<CSINode>("CSINode").get("node-2")).spec?.drivers?.map((d) => d.name), [HOSTPATH_DRIVER_NAME], "node-2 keeps its driver");

    // Back on node-1: registered again.
    await cluster.client.resource<DaemonSet>("DaemonSet").patch(HOSTPATH_NODE_DAEMONSET, "json", [{ op: "remove", path: "/spec/template/spec/nodeSelector" }] as never, { namespace: HOSTPATH_NAMESPACE });
    const back = await cluster.waitFor<CSINode>("CSINode", (c) => c.metadata?.name === "node-1" && (c.spec?.drivers ?? []).some((d) => d.name === HOSTPATH_DRIVER_NAME), { timeout: 600_000 });
    assert.is(back.spec?.drivers?.[0]?.nodeID, "node-1");
  } finally {
    await cluster.stop();
  }
});

test.run();
