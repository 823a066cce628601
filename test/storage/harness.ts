import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { ClusterOptions } from "../../core/cluster/cluster.js";
import { csiControllerPlugins, type CsiControllerRegistry } from "../../core/csi/storage-drivers.js";
import type { PluginRef } from "../../core/plugins/plugin-loader.js";
import kcm from "../../plugins/kube-controller-manager/index.js";
import csiHostPath, { HOSTPATH_DRIVER_NAME } from "../../plugins/csi-hostpath/index.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import sidecars from "../../plugins/csi-sidecars/index.js";
import { kubeletCluster } from "../kubelet/harness.js";

/** Two worker nodes with kubelets, the controller manager (attach/detach), the scheduler (the driver's DaemonSet pods), csi-hostpath and the CSI sidecars (attacher, provisioner, resizer); resolves once the driver is registered on every node. */
export async function storageCluster(options: ClusterOptions & { extra?: PluginRef[] } = {}) {
  const k = await kubeletCluster({ nodes: [{ name: "node-1" }, { name: "node-2" }], ...options, extra: [kcm, csiHostPath, sidecars, ...(options.extra ?? []), ...(options.extra?.includes("kube-scheduler") ? [] : ["kube-scheduler"])] });
  const { cluster } = k;
  const controllers: CsiControllerRegistry = csiControllerPlugins({ extensions: (key) => cluster.extensions.point(key), clock: cluster.clock, random: cluster.random, log: cluster.log });
  try {
    await hostPathRegistered(cluster);
  } catch (err) {
    // The caller gets no cluster to stop: left running, its clock's timers keep the process alive.
    await cluster.stop();
    throw err;
  }
  return { ...k, controllers };
}

/** Waits until csi-hostpath's node pods have registered the driver with every node's kubelet (CSINode entries). */
export async function hostPathRegistered(cluster: Cluster): Promise<void> {
  const names = [...cluster.nodes.keys()];
  const registered = new Set<string>();
  await cluster.waitFor<CSINode>("CSINode", (c) => {
    if (c.spec?.drivers?.some((d) => d.name === HOSTPATH_DRIVER_NAME)) registered.add(c.metadata!.name!);
    return names.every((n) => registered.has(n));
  }, { timeout: 600_000 });
}

/**
 * A statically provisioned PV for `handle` pre-bound to the claim `claim` (and the claim to it);
 * returns once the PV controller has bound them.
 */
export async function preBound(cluster: Awaited<ReturnType<typeof storageCluster>>["cluster"], opts: { pv: string; claim: string; driver: string; handle: string; node?: string; accessModes?: string[]; size?: string }): Promise<void> {
  const accessModes = opts.accessModes ?? ["ReadWriteOnce"];
  const size = opts.size ?? "1Gi";
  const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const pvs = cluster.client.resource<PersistentVolume>("PersistentVolume");
  const claim = await pvcs.create({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: opts.claim, namespace: "default" }, spec: { accessModes, storageClassName: "", volumeName: opts.pv, resources: { requests: { storage: size } } } }, { namespace: "default" });
  await pvs.create({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: opts.pv },
    spec: {
      capacity: { storage: size },
      accessModes,
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "default", name: opts.claim, uid: claim.metadata!.uid! },
      csi: { driver: opts.driver, volumeHandle: opts.handle },
      ...(opts.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.hostpath.csi/node", operator: "In", values: [opts.node] }] }] } } } : {}),
    },
  });
  // The PV controller binds the pre-bound pair (claimRef on the PV, volumeName on the claim).
  await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === opts.claim && c.status?.phase === "Bound", { timeout: 60_000 });
}

/** A pod on `node` running busybox with `claim` mounted at /data. */
export function claimPod(name: string, claim: string, node: string, extra: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
      ...extra,
    },
  };
}
