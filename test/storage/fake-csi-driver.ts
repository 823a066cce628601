import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { csi, CsiError, definePlugin, StorageDrivers, type CsiControllerPlugin } from "../../core/index.js";

export const FAKE_DRIVER = "fake.csi.k8s.io";
export const TOPOLOGY_KEY = "topology.fake.csi/node";

interface FakeVolume {
  id: string;
  name: string;
  bytes: number;
  node?: string;
  source?: csi.VolumeContentSource;
}

/**
 * A CSI controller plugin for tests of the sidecars (the real drivers are csi-hostpath and
 * csi-nfs): volumes in memory, node-local when `topology` (on the preferred segment's node), a
 * per-node capacity, snapshots and expansion. `calls` records every RPC.
 */
export class FakeController implements CsiControllerPlugin {
  readonly volumes = new Map<string, FakeVolume>();
  readonly snapshots = new Map<string, csi.Snapshot & { name: string }>();
  readonly calls: string[] = [];
  private next = 1;
  constructor(readonly options: { topology?: boolean; capacityPerNode?: number; expansion?: "ONLINE" | "OFFLINE" } = {}) {}

  readonly identity = {
    getPluginInfo: async () => ({ name: FAKE_DRIVER, vendorVersion: "1.0.0" }),
    getPluginCapabilities: async (): Promise<csi.GetPluginCapabilitiesResponse> => ({
      capabilities: [{ service: { type: "CONTROLLER_SERVICE" } }, ...(this.options.topology ? [{ service: { type: "VOLUME_ACCESSIBILITY_CONSTRAINTS" as const } }] : []), { volumeExpansion: { type: this.options.expansion ?? "ONLINE" } }],
    }),
    probe: async () => ({ ready: true }),
  };

  private used(node: string | undefined): number {
    let n = 0;
    for (const v of this.volumes.values()) if (v.node === node) n += v.bytes;
    return n;
  }

  readonly controller: csi.ControllerService = {
    getCapabilities: async () => ({ capabilities: (["CREATE_DELETE_VOLUME", "CREATE_DELETE_SNAPSHOT", "EXPAND_VOLUME", "GET_CAPACITY", "CLONE_VOLUME"] as const).map((type) => ({ rpc: { type } })) }),
    createVolume: async (req) => {
      this.calls.push(`CreateVolume ${req.name}`);
      const existing = [...this.volumes.values()].find((v) => v.name === req.name);
      const bytes = req.capacityRange?.requiredBytes ?? 1 << 30;
      if (existing) {
        if (existing.bytes !== bytes) throw new CsiError("ALREADY_EXISTS", `Volume with name ${req.name} already exists with a different size`);
        return { volume: this.toCsi(existing) };
      }
      let node: string | undefined;
      if (this.options.topology) {
        const seg = req.accessibilityRequirements?.preferred?.[0] ?? req.accessibilityRequirements?.requisite?.[0];
        node = seg?.segments[TOPOLOGY_KEY];
        if (!node) throw new CsiError("INVALID_ARGUMENT", "no topology given");
      }
      if (this.options.capacityPerNode !== undefined && this.used(node) + bytes > this.options.capacityPerNode) throw new CsiError("RESOURCE_EXHAUSTED", `not enough capacity on ${node}`);
      if (req.volumeContentSource?.snapshot && !this.snapshots.has(req.volumeContentSource.snapshot.snapshotId)) throw new CsiError("NOT_FOUND", `snapshot ${req.volumeContentSource.snapshot.snapshotId} not found`);
      const vol: FakeVolume = { id: `vol-${this.next++}`, name: req.name, bytes, ...(node ? { node } : {}), ...(req.volumeContentSource ? { source: req.volumeContentSource } : {}) };
      this.volumes.set(vol.id, vol);
      return { volume: this.toCsi(vol) };
    },
    deleteVolume: async (req) => {
      this.calls.push(`DeleteVolume ${req.volumeId}`);
      this.volumes.delete(req.volumeId);
    },
    validateVolumeCapabilities: async (req) => ({ confirmed: { volumeCapabilities: req.volumeCapabilities } }),
    getCapacity: async (req) => ({ availableCapacity: (this.options.capacityPerNode ?? 1 << 40) - this.used(req.accessibleTopology?.segments[TOPOLOGY_KEY]) }),
    createSnapshot: async (req) => {
      this.calls.push(`CreateSnapshot ${req.name}`);
      const src = this.volumes.get(req.sourceVolumeId);
      if (!src) throw new CsiError("NOT_FOUND", `source volume ${req.sourceVolumeId} not found`);
      const existing = [...this.snapshots.values()].find((s) => s.name === req.name);
      if (existing) return { snapshot: existing };
      const snap = { name: req.name, snapshotId: `snap-${this.next++}`, sourceVolumeId: src.id, sizeBytes: src.bytes, creationTime: 1_700_000_000_000, readyToUse: true };
      this.snapshots.set(snap.snapshotId, snap);
      return { snapshot: snap };
    },
    deleteSnapshot: async (req) => {
      this.calls.push(`DeleteSnapshot ${req.snapshotId}`);
      this.snapshots.delete(req.snapshotId);
    },
    controllerExpandVolume: async (req) => {
      this.calls.push(`ControllerExpandVolume ${req.volumeId} ${req.capacityRange.requiredBytes}`);
      const v = this.volumes.get(req.volumeId);
      if (!v) throw new CsiError("NOT_FOUND", `volume ${req.volumeId} not found`);
      v.bytes = Math.max(v.bytes, req.capacityRange.requiredBytes ?? 0);
      return { capacityBytes: v.bytes, nodeExpansionRequired: true };
    },
  };

  private toCsi(v: FakeVolume): csi.Volume {
    return { volumeId: v.id, capacityBytes: v.bytes, volumeContext: { fake: "yes" }, ...(v.source ? { contentSource: v.source } : {}), ...(v.node ? { accessibleTopology: [{ segments: { [TOPOLOGY_KEY]: v.node } }] } : {}) };
  }
}

/** The fake driver as a plugin contributing to StorageDrivers. */
export function fakeDriverPlugin(controller: FakeController) {
  return definePlugin({
    name: "csi-fake",
    setup(ctx) {
      ctx.contribute(StorageDrivers, FAKE_DRIVER, { name: FAKE_DRIVER, controller: () => controller });
    },
  });
}

/** A cluster with the controllers, the scheduler, the sidecars and the fake driver; nodes n1, n2 registered with the driver. */
export async function fakeStorageCluster(controller: FakeController, fn: (c: Cluster) => Promise<void>, nodeNames = ["n1", "n2"], extra: string[] = []): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: ["kube-controller-manager", "kube-scheduler", "csi-sidecars", ...extra] }).use(fakeDriverPlugin(controller));
  await cluster.start();
  try {
    for (const name of nodeNames) {
      await cluster.client.resource<Node>("Node").create({ metadata: { name, labels: { "kubernetes.io/hostname": name, [TOPOLOGY_KEY]: name } }, status: { conditions: [{ type: "Ready", status: "True" }], allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, capacity: { cpu: "4", memory: "8Gi", pods: "110" } } });
      await cluster.client.resource<CSINode>("csinodes.storage.k8s.io").create({ metadata: { name }, spec: { drivers: [{ name: FAKE_DRIVER, nodeID: name, topologyKeys: [TOPOLOGY_KEY] }] } });
    }
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}
