import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode, CSINodeDriver } from "kubernetes-types/storage/v1.js";
import { isStatusError } from "../../core/api/status.js";
import type { Client } from "../../core/client/client.js";
import type { CsiNodePlugin } from "../../core/csi/services.js";

/** The Node annotation mapping driver names to their node ids (`csi.volume.kubernetes.io/nodeid`). */
export const ANN_CSI_NODE_ID = "csi.volume.kubernetes.io/nodeid";

/**
 * The kubelet's CSI node info manager: at start it creates the node's CSINode object (owned by
 * the Node); when a driver registers (the node-driver-registrar's call), it asks the driver's
 * NodeGetInfo and records it — the CSINode `drivers[]` entry (nodeID, topologyKeys, allocatable
 * count), the node-id annotation, and the topology segments as Node labels.
 */
export async function registerCsiDrivers(client: Client, nodeName: string, plugins: ReadonlyMap<string, CsiNodePlugin>): Promise<void> {
  const nodes = client.resource<Node>("Node");
  const node = await nodes.get(nodeName);
  const entries: CSINodeDriver[] = [];
  const ids: Record<string, string> = JSON.parse(node.metadata?.annotations?.[ANN_CSI_NODE_ID] ?? "{}") as Record<string, string>;
  const labels: Record<string, string> = {};
  for (const [name, plugin] of plugins) {
    const info = await plugin.node.getInfo();
    const segments = info.accessibleTopology?.segments ?? {};
    ids[name] = info.nodeId;
    Object.assign(labels, segments);
    entries.push({ name, nodeID: info.nodeId, topologyKeys: Object.keys(segments).length ? Object.keys(segments).sort() : null, ...(info.maxVolumesPerNode ? { allocatable: { count: info.maxVolumesPerNode } } : {}) } as CSINodeDriver);
  }
  if (plugins.size > 0) {
    await nodes.patch(nodeName, "merge", { metadata: { annotations: { [ANN_CSI_NODE_ID]: JSON.stringify(ids) }, labels } }, { fieldManager: "kubelet" });
  }
  const csiNodes = client.resource<CSINode>("CSINode");
  const owner = { apiVersion: "v1", kind: "Node", name: nodeName, uid: node.metadata?.uid ?? "" };
  const desired: CSINode = {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSINode",
    metadata: { name: nodeName, ownerReferences: [owner], annotations: { "storage.alpha.kubernetes.io/migrated-plugins": "kubernetes.io/aws-ebs,kubernetes.io/azure-disk,kubernetes.io/azure-file,kubernetes.io/cinder,kubernetes.io/gce-pd,kubernetes.io/portworx-volume,kubernetes.io/vsphere-volume" } },
    spec: { drivers: entries },
  };
  try {
    await csiNodes.create(desired, { fieldManager: "kubelet" });
  } catch (err) {
    if (!isStatusError(err) || err.code !== 409) throw err;
    const current = await csiNodes.get(nodeName);
    const others = (current.spec?.drivers ?? []).filter((d) => !plugins.has(d.name));
    await csiNodes.update({ ...current, spec: { drivers: [...others, ...entries] } }, { fieldManager: "kubelet" });
  }
}

/**
 * Undoes a driver's registration (its registration socket went away): the CSINode entry and the
 * node-id annotation go; the topology labels stay, as upstream's UninstallCSIDriver leaves them.
 */
export async function deregisterCsiDriver(client: Client, nodeName: string, driverName: string): Promise<void> {
  const nodes = client.resource<Node>("Node");
  const node = await nodes.get(nodeName);
  const ids = JSON.parse(node.metadata?.annotations?.[ANN_CSI_NODE_ID] ?? "{}") as Record<string, string>;
  if (driverName in ids) {
    delete ids[driverName];
    await nodes.patch(nodeName, "merge", { metadata: { annotations: { [ANN_CSI_NODE_ID]: Object.keys(ids).length ? JSON.stringify(ids) : null } } }, { fieldManager: "kubelet" });
  }
  const csiNodes = client.resource<CSINode>("CSINode");
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await csiNodes.get(nodeName).catch(() => undefined);
    if (!current || !(current.spec?.drivers ?? []).some((d) => d.name === driverName)) return;
    try {
      await csiNodes.update({ ...current, spec: { drivers: (current.spec?.drivers ?? []).filter((d) => d.name !== driverName) } }, { fieldManager: "kubelet" });
      return;
    } catch (err) {
      if (!isStatusError(err) || err.code !== 409) throw err;
    }
  }
}
