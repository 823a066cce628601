import type { Random } from "../../core/clock/random.js";
import type { Clock } from "../../core/clock/clock.js";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileSystem } from "../../core/cri/filesystem.js";
import { DirectoryFileSystem } from "../../core/cri/directory-filesystem.js";
import type { HostFileSystem } from "../../core/cri/host-filesystem.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { CsiError } from "../../core/csi/errors.js";
import { isSingleNodeMode, requireField, unsupportedCapability } from "../../core/csi/access-modes.js";
import { pageOf } from "../../core/csi/paging.js";
import { directoryUsage } from "../../core/csi/volume-usage.js";
import type { ControllerService, CsiControllerPlugin, CsiNodePlugin, IdentityService, NodeService } from "../../core/csi/services.js";
import type * as csi from "../../core/csi/types.js";

/** The driver's CSI name (CSIDriver object, StorageClass provisioner). */
export const HOSTPATH_DRIVER_NAME = "hostpath.csi.k8s.io";
/** The topology key of a node-local volume: the node's name. */
export const HOSTPATH_TOPOLOGY_KEY = "topology.hostpath.csi/node";
/** Where volumes live on each node (the plugin's `/csi-data-dir` hostPath). */
export const HOSTPATH_DATA_DIR = "/var/lib/csi-hostpath-data";
export const HOSTPATH_VERSION = "v1.15.0";

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** Tunables, as the hostpath plugin's flags. */
export interface HostPathOptions {
  /** `--capacity`: storage per node (default 100Gi, the node's ephemeral storage). */
  capacityBytes?: number;
  /** `--max-volume-size` (default 1Ti). */
  maxVolumeSize?: number;
  /** `--maxvolumespernode` (default 0: no limit). */
  maxVolumesPerNode?: number;
}

/** What `state.json` holds (upstream's hostpath keeps the same in `/csi-data-dir/state.json`). */
interface PersistedState {
  volumes: { id: string; name: string; size: number; node: string; ephemeral: boolean; contentSource?: csi.VolumeContentSource; attached: [string, boolean][] }[];
  snapshots: { id: string; name: string; sourceVolumeId: string; node: string; size: number; creationTime: number }[];
}

interface HostPathVolume {
  readonly id: string;
  readonly name: string;
  size: number;
  readonly node: string;
  readonly path: string;
  readonly ephemeral: boolean;
  readonly contentSource?: csi.VolumeContentSource;
  /** Node ids it is ControllerPublished to, with the readonly flag. */
  readonly attached: Map<string, boolean>;
  readonly staged: Set<string>;
  /** Target path → readonly. */
  readonly published: Map<string, boolean>;
  /** The capability of the first stage/publish (incompatible later ones are ALREADY_EXISTS). */
  mode?: csi.CsiAccessMode;
}

interface HostPathSnapshot {
  readonly id: string;
  readonly name: string;
  readonly sourceVolumeId: string;
  readonly node: string;
  readonly size: number;
  readonly creationTime: number;
  /** The files of the source volume when it was taken (the `.snap` archive). */
  readonly files: ReadonlyMap<string, string>;
}

const SUPPORTED_MODES: readonly csi.CsiAccessMode[] = ["SINGLE_NODE_WRITER", "SINGLE_NODE_READER_ONLY", "SINGLE_NODE_SINGLE_WRITER", "SINGLE_NODE_MULTI_WRITER"];

/**
 * kubernetes-csi/csi-driver-host-path as one state shared by its controller and node halves:
 * volumes are directories under {@link HOSTPATH_DATA_DIR} on one node's filesystem (node-local,
 * topology `topology.hostpath.csi/node=<node>`), snapshots are copies of a volume's files kept
 * with it, clones and restores copy files on the same node. A node's volumes can only be created
 * once that node's plugin is running (its kubelet registered it).
 */
export class HostPathDriver {
  private readonly volumes = new Map<string, HostPathVolume>();
  private readonly snapshots = new Map<string, HostPathSnapshot>();
  private readonly nodes = new Map<string, HostFileSystem>();
  private readonly capacity: number;
  private readonly maxVolumeSize: number;
  private readonly maxVolumesPerNode: number;

  /**
   * With `stateDir` (the plugin's state directory on a durable cluster) volumes outlive the
   * process: each node's data directory is `<stateDir>/nodes/<node>/` on disk, mounted at
   * {@link HOSTPATH_DATA_DIR} on the node, and the volumes' and snapshots' records are
   * `<stateDir>/state.json` (snapshot contents `<stateDir>/snapshots/<id>.snap`). Without it they
   * live in the nodes' in-memory filesystems.
   */
  constructor(
    private readonly deps: { clock: Clock; random: Random; stateDir?: string | undefined },
    options: HostPathOptions = {},
  ) {
    this.capacity = options.capacityBytes ?? 100 * GiB;
    this.maxVolumeSize = options.maxVolumeSize ?? TiB;
    this.maxVolumesPerNode = options.maxVolumesPerNode ?? 0;
    if (deps.stateDir) this.load(deps.stateDir);
  }

  readonly identity: IdentityService = {
    getPluginInfo: async () => ({ name: HOSTPATH_DRIVER_NAME, vendorVersion: HOSTPATH_VERSION }),
    getPluginCapabilities: async () => ({
      capabilities: [{ service: { type: "CONTROLLER_SERVICE" } }, { service: { type: "VOLUME_ACCESSIBILITY_CONSTRAINTS" } }, { volumeExpansion: { type: "ONLINE" } }],
    }),
    probe: async () => ({ ready: true }),
  };

  /** The controller plugin (one per cluster). */
  controllerPlugin(): CsiControllerPlugin {
    return { identity: this.identity, controller: this.controller };
  }

  /** The node plugin of `nodeName`, working on that node's filesystem. */
  nodePlugin(nodeName: string, hostFs: HostFileSystem): CsiNodePlugin {
    const dir = this.deps.stateDir;
    if (dir && !hostFs.isMountPoint(HOSTPATH_DATA_DIR)) {
      hostFs.mount(HOSTPATH_DATA_DIR, new DirectoryFileSystem(join(dir, "nodes", nodeName)), "/", { device: join(dir, "nodes", nodeName), fsType: "ext4" });
    }
    this.nodes.set(nodeName, hostFs);
    return { identity: this.identity, node: this.nodeService(nodeName, hostFs) };
  }

  /** Forgets a node's plugin (the node went away); its volumes stay in the state, unreachable. */
  nodeGone(nodeName: string): void {
    this.nodes.delete(nodeName);
  }

  // ---- controller ----

  private readonly controller: ControllerService = {
    getCapabilities: async () => ({
      capabilities: (["CREATE_DELETE_VOLUME", "PUBLISH_UNPUBLISH_VOLUME", "CREATE_DELETE_SNAPSHOT", "LIST_SNAPSHOTS", "LIST_VOLUMES", "CLONE_VOLUME", "EXPAND_VOLUME", "VOLUME_CONDITION", "GET_VOLUME", "GET_CAPACITY", "LIST_VOLUMES_PUBLISHED_NODES", "SINGLE_NODE_MULTI_WRITER"] as const).map((type) => ({ rpc: { type } })),
    }),
    createVolume: async (req) => {
      requireField(req.name, "Name");
      requireField(req.volumeCapabilities, "Volume Capabilities");
      const unsupported = unsupportedCapability(req.volumeCapabilities, { modes: SUPPORTED_MODES, block: false });
      if (unsupported) throw new CsiError("INVALID_ARGUMENT", unsupported);
      const size = req.capacityRange?.requiredBytes ?? GiB;
      if (req.capacityRange?.limitBytes && req.capacityRange.limitBytes < size) throw new CsiError("INVALID_ARGUMENT", `Requested capacity ${size} exceeds the limit ${req.capacityRange.limitBytes}`);
      if (size > this.maxVolumeSize) throw new CsiError("OUT_OF_RANGE", `Requested capacity ${size} exceeds maximum allowed ${this.maxVolumeSize}`);
      const existing = [...this.volumes.values()].find((v) => v.name === req.name && !v.ephemeral);
      if (existing) {
        if (existing.size < size || (req.capacityRange?.limitBytes && existing.size > req.capacityRange.limitBytes)) throw new CsiError("ALREADY_EXISTS", `Volume with the same name: ${req.name} but with different size already exist`);
        if (JSON.stringify(existing.contentSource ?? null) !== JSON.stringify(req.volumeContentSource ?? null)) throw new CsiError("ALREADY_EXISTS", `Volume with the same name: ${req.name} but with different content source already exist`);
        return { volume: this.csiVolume(existing) };
      }
      let sourceNode: string | undefined;
      let files: ReadonlyMap<string, string> | undefined;
      if (req.volumeContentSource?.snapshot) {
        const snap = this.snapshots.get(req.volumeContentSource.snapshot.snapshotId);
        if (!snap) throw new CsiError("NOT_FOUND", `cannot find snapshot ${req.volumeContentSource.snapshot.snapshotId}`);
        if (snap.size > size) throw new CsiError("OUT_OF_RANGE", `snapshot ${snap.id} of size ${snap.size} does not fit into a volume of ${size}`);
        sourceNode = snap.node;
        files = snap.files;
      } else if (req.volumeContentSource?.volume) {
        const src = this.volumes.get(req.volumeContentSource.volume.volumeId);
        if (!src) throw new CsiError("NOT_FOUND", `source volume ${req.volumeContentSource.volume.volumeId} not found`);
        if (src.size > size) throw new CsiError("OUT_OF_RANGE", `source volume ${src.id} of size ${src.size} does not fit into a volume of ${size}`);
        sourceNode = src.node;
        files = this.snapshotFiles(src);
      }
      const node = this.pickNode(req.accessibilityRequirements, sourceNode, size);
      const vol = this.newVolume(req.name, size, node, false, req.volumeContentSource);
      if (files) for (const [p, d] of files) this.nodes.get(node)!.write(`${vol.path}/${p}`, d);
      this.save();
      return { volume: this.csiVolume(vol) };
    },
    deleteVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) return;
      if (vol.attached.size > 0 || vol.published.size > 0) throw new CsiError("FAILED_PRECONDITION", `volume ${vol.id} is still attached or published`);
      this.nodes.get(vol.node)?.remove(vol.path);
      this.volumes.delete(vol.id);
      this.save();
    },
    controllerPublishVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      requireField(req.nodeId, "Node ID");
      requireField(req.volumeCapability, "Volume Capability");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) throw new CsiError("NOT_FOUND", `could not get volume ${req.volumeId}: volume id ${req.volumeId} does not exist in the volumes list`);
      if (!this.nodes.has(req.nodeId)) throw new CsiError("NOT_FOUND", `Not matching Node ID ${req.nodeId} to hostpath Node ID`);
      if (vol.node !== req.nodeId) throw new CsiError("NOT_FOUND", `Not matching Node ID ${req.nodeId} to hostpath Node ID ${vol.node}`);
      const was = vol.attached.get(req.nodeId);
      if (was !== undefined) {
        if (was !== req.readonly) throw new CsiError("ALREADY_EXISTS", `Volume published but is incompatible`);
        return { publishContext: {} };
      }
      if (this.maxVolumesPerNode > 0 && [...this.volumes.values()].filter((v) => v.attached.has(req.nodeId)).length >= this.maxVolumesPerNode) {
        throw new CsiError("RESOURCE_EXHAUSTED", `Cannot attach any more volumes to this node ('${req.nodeId}')`);
      }
      vol.attached.set(req.nodeId, req.readonly);
      this.save();
      return { publishContext: {} };
    },
    controllerUnpublishVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) return;
      if (req.nodeId) vol.attached.delete(req.nodeId);
      else vol.attached.clear();
      this.save();
    },
    validateVolumeCapabilities: async (req) => {
      requireField(req.volumeId, "Volume ID");
      requireField(req.volumeCapabilities, "Volume Capabilities");
      if (!this.volumes.has(req.volumeId)) throw new CsiError("NOT_FOUND", `volume id ${req.volumeId} does not exist in the volumes list`);
      const unsupported = unsupportedCapability(req.volumeCapabilities, { modes: SUPPORTED_MODES, block: false });
      if (unsupported) return { message: unsupported };
      return { confirmed: { volumeCapabilities: req.volumeCapabilities, ...(req.volumeContext ? { volumeContext: req.volumeContext } : {}), ...(req.parameters ? { parameters: req.parameters } : {}) } };
    },
    listVolumes: async (req) => {
      const all = [...this.volumes.values()].filter((v) => !v.ephemeral).sort((a, b) => a.id.localeCompare(b.id));
      const page = pageOf(all, req);
      return { entries: page.entries.map((v) => ({ volume: this.csiVolume(v), status: this.volumeStatus(v) })), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    getCapacity: async (req) => {
      const node = req.accessibleTopology?.segments[HOSTPATH_TOPOLOGY_KEY];
      const nodes = node !== undefined ? (this.nodes.has(node) ? [node] : []) : [...this.nodes.keys()];
      const free = nodes.map((name) => Math.max(0, this.capacity - this.usedOn(name)));
      const available = free.reduce((n, f) => n + f, 0);
      // No volume can be larger than the free space of the node it lands on (upstream: min(max, available)).
      return { availableCapacity: available, maximumVolumeSize: Math.min(this.maxVolumeSize, Math.max(0, ...free)), minimumVolumeSize: 0 };
    },
    createSnapshot: async (req) => {
      requireField(req.name, "Name");
      requireField(req.sourceVolumeId, "SourceVolumeId");
      const existing = [...this.snapshots.values()].find((s) => s.name === req.name);
      if (existing) {
        if (existing.sourceVolumeId !== req.sourceVolumeId) throw new CsiError("ALREADY_EXISTS", `snapshot with the same name: ${req.name} but with different SourceVolumeId already exist`);
        return { snapshot: csiSnapshot(existing) };
      }
      const src = this.volumes.get(req.sourceVolumeId);
      if (!src) throw new CsiError("NOT_FOUND", `source volume ${req.sourceVolumeId} not found`);
      const snap: HostPathSnapshot = { id: this.deps.random.uuid(), name: req.name, sourceVolumeId: src.id, node: src.node, size: src.size, creationTime: this.deps.clock.now(), files: this.snapshotFiles(src) };
      this.snapshots.set(snap.id, snap);
      if (this.deps.stateDir) {
        mkdirSync(join(this.deps.stateDir, "snapshots"), { recursive: true });
        writeFileSync(join(this.deps.stateDir, "snapshots", `${snap.id}.snap`), JSON.stringify(Object.fromEntries(snap.files)));
      }
      this.save();
      return { snapshot: csiSnapshot(snap) };
    },
    deleteSnapshot: async (req) => {
      requireField(req.snapshotId, "Snapshot ID");
      if (!this.snapshots.delete(req.snapshotId)) return;
      if (this.deps.stateDir) rmSync(join(this.deps.stateDir, "snapshots", `${req.snapshotId}.snap`), { force: true });
      this.save();
    },
    listSnapshots: async (req) => {
      let all = [...this.snapshots.values()].sort((a, b) => a.id.localeCompare(b.id));
      if (req.snapshotId) all = all.filter((s) => s.id === req.snapshotId);
      if (req.sourceVolumeId) all = all.filter((s) => s.sourceVolumeId === req.sourceVolumeId);
      const page = pageOf(all, req);
      return { entries: page.entries.map((s) => ({ snapshot: csiSnapshot(s) })), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    controllerExpandVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      requireField(req.capacityRange, "Capacity range");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) throw new CsiError("NOT_FOUND", `Could not get volume ${req.volumeId}: volume id ${req.volumeId} does not exist in the volumes list`);
      const size = req.capacityRange.requiredBytes ?? 0;
      if (req.capacityRange.limitBytes && size > req.capacityRange.limitBytes) throw new CsiError("INVALID_ARGUMENT", `Requested capacity ${size} exceeds the limit ${req.capacityRange.limitBytes}`);
      if (size > this.maxVolumeSize) throw new CsiError("OUT_OF_RANGE", `Requested capacity ${size} exceeds maximum allowed ${this.maxVolumeSize}`);
      if (size > vol.size) {
        if (this.usedOn(vol.node) - vol.size + size > this.capacity) throw new CsiError("RESOURCE_EXHAUSTED", `requested capacity ${size} of volume ${vol.id} exceeds the node's free capacity`);
        vol.size = size;
        this.save();
      }
      return { capacityBytes: vol.size, nodeExpansionRequired: true };
    },
    controllerGetVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) throw new CsiError("NOT_FOUND", `could not get volume ${req.volumeId}: volume id ${req.volumeId} does not exist in the volumes list`);
      return { volume: this.csiVolume(vol), status: this.volumeStatus(vol) };
    },
  };

  // ---- node ----

  private nodeService(nodeName: string, hostFs: HostFileSystem): NodeService {
    const lookup = (id: string): HostPathVolume => {
      const vol = known(id);
      if (vol.node !== nodeName) throw new CsiError("FAILED_PRECONDITION", `volume ${id} is local to node ${vol.node}, not ${nodeName}`);
      return vol;
    };
    /** Any node's volume (unstage, unpublish and stats answer for volumes they hold). */
    const known = (id: string): HostPathVolume => {
      const vol = this.volumes.get(id);
      if (!vol) throw new CsiError("NOT_FOUND", `volume id ${id} does not exist in the volumes list`);
      return vol;
    };
    const checkMode = (vol: HostPathVolume, cap: csi.VolumeCapability): void => {
      const unsupported = unsupportedCapability([cap], { modes: SUPPORTED_MODES, block: false });
      if (unsupported) throw new CsiError("INVALID_ARGUMENT", unsupported);
      if (vol.mode && vol.mode !== cap.accessMode.mode) throw new CsiError("ALREADY_EXISTS", `volume ${vol.id} is in use with access mode ${vol.mode}, not ${cap.accessMode.mode}`);
    };
    return {
      getCapabilities: async () => ({ capabilities: (["STAGE_UNSTAGE_VOLUME", "GET_VOLUME_STATS", "EXPAND_VOLUME", "VOLUME_CONDITION", "SINGLE_NODE_MULTI_WRITER"] as const).map((type) => ({ rpc: { type } })) }),
      getInfo: async () => ({ nodeId: nodeName, maxVolumesPerNode: this.maxVolumesPerNode, accessibleTopology: { segments: { [HOSTPATH_TOPOLOGY_KEY]: nodeName } } }),
      nodeStageVolume: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.stagingTargetPath, "Target path");
        requireField(req.volumeCapability, "Volume Capability");
        const vol = lookup(req.volumeId);
        checkMode(vol, req.volumeCapability);
        if (!vol.attached.has(nodeName)) throw new CsiError("FAILED_PRECONDITION", `volume ${vol.id} is not attached to node ${nodeName}`);
        if (vol.staged.has(req.stagingTargetPath)) return;
        if (!hostFs.isMountPoint(req.stagingTargetPath)) hostFs.mount(req.stagingTargetPath, hostFs, vol.path, { device: vol.path, fsType: "ext4" });
        vol.staged.add(req.stagingTargetPath);
        vol.mode ??= req.volumeCapability.accessMode.mode;
      },
      nodeUnstageVolume: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.stagingTargetPath, "Target path");
        const vol = known(req.volumeId);
        if (!vol.staged.has(req.stagingTargetPath)) return;
        if (vol.published.size > 0) throw new CsiError("FAILED_PRECONDITION", `volume ${vol.id} is still published at ${[...vol.published.keys()].join(", ")}`);
        hostFs.unmount(req.stagingTargetPath);
        vol.staged.delete(req.stagingTargetPath);
        if (vol.staged.size === 0) vol.mode = undefined;
      },
      nodePublishVolume: async (req) => {
        requireField(req.volumeCapability, "Volume capability");
        requireField(req.volumeId, "Volume ID");
        requireField(req.targetPath, "Target path");
        const ephemeral = req.volumeContext?.["csi.storage.k8s.io/ephemeral"] === "true";
        let vol = this.volumes.get(req.volumeId);
        if (ephemeral && !vol) {
          const size = parseSize(req.volumeContext?.["size"]) ?? GiB;
          if (this.usedOn(nodeName) + size > this.capacity) throw new CsiError("RESOURCE_EXHAUSTED", `not enough space on node ${nodeName} for an inline volume of ${size} bytes`);
          vol = this.newVolume(req.volumeId, size, nodeName, true, undefined, req.volumeId);
          this.save();
        }
        vol = lookup(req.volumeId);
        checkMode(vol, req.volumeCapability);
        const was = vol.published.get(req.targetPath);
        if (was !== undefined) {
          if (was !== req.readonly) throw new CsiError("ALREADY_EXISTS", `volume ${vol.id} is already published at ${req.targetPath} with readonly=${was}`);
          return;
        }
        if (!vol.ephemeral) {
          requireField(req.stagingTargetPath, "Staging target path");
          if (!vol.staged.has(req.stagingTargetPath!)) throw new CsiError("FAILED_PRECONDITION", `volume ${vol.id} must be staged at ${req.stagingTargetPath} before publishing`);
        }
        if (!hostFs.isMountPoint(req.targetPath)) hostFs.mount(req.targetPath, hostFs, vol.ephemeral ? vol.path : req.stagingTargetPath!, { readonly: req.readonly });
        vol.published.set(req.targetPath, req.readonly);
        vol.mode ??= req.volumeCapability.accessMode.mode;
      },
      nodeUnpublishVolume: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.targetPath, "Target path");
        const vol = known(req.volumeId);
        if (!vol.published.has(req.targetPath)) return;
        hostFs.unmount(req.targetPath);
        vol.published.delete(req.targetPath);
        if (vol.ephemeral) {
          hostFs.remove(vol.path);
          this.volumes.delete(vol.id);
          this.save();
        } else if (vol.staged.size === 0 && vol.published.size === 0) vol.mode = undefined;
      },
      nodeGetVolumeStats: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.volumePath, "Volume Path");
        const vol = known(req.volumeId);
        if (!vol.published.has(req.volumePath) && !vol.staged.has(req.volumePath)) throw new CsiError("NOT_FOUND", `Could not get file information from ${req.volumePath}: no such file or directory`);
        const usage = directoryUsage(hostFs, vol.path);
        const inodes = Math.floor(vol.size / 16384);
        return {
          usage: [
            { unit: "BYTES", total: vol.size, used: usage.bytes, available: Math.max(0, vol.size - usage.bytes) },
            { unit: "INODES", total: inodes, used: usage.inodes, available: Math.max(0, inodes - usage.inodes) },
          ],
          volumeCondition: hostFs.isDirectory(vol.path) ? { abnormal: false, message: "volume is healthy" } : { abnormal: true, message: `The source path ${vol.path} of the volume is missing` },
        };
      },
      nodeExpandVolume: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.volumePath, "Volume path");
        const vol = this.volumes.get(req.volumeId);
        if (!vol) throw new CsiError("NOT_FOUND", `Could not get volume ${req.volumeId}: volume id ${req.volumeId} does not exist in the volumes list`);
        const want = req.capacityRange?.requiredBytes ?? vol.size;
        if (want > vol.size) throw new CsiError("INVALID_ARGUMENT", `requested capacity ${want} is larger than the volume's ${vol.size}: ControllerExpandVolume first`);
        return { capacityBytes: vol.size };
      },
    };
  }

  // ---- state ----

  /** Writes state.json (durable clusters only): a temporary file renamed into place. */
  private save(): void {
    const dir = this.deps.stateDir;
    if (!dir) return;
    const state: PersistedState = {
      volumes: [...this.volumes.values()].map((v) => ({ id: v.id, name: v.name, size: v.size, node: v.node, ephemeral: v.ephemeral, ...(v.contentSource ? { contentSource: v.contentSource } : {}), attached: [...v.attached] })),
      snapshots: [...this.snapshots.values()].map((s) => ({ id: s.id, name: s.name, sourceVolumeId: s.sourceVolumeId, node: s.node, size: s.size, creationTime: s.creationTime })),
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "state.json.tmp"), JSON.stringify(state, null, 2));
    renameSync(join(dir, "state.json.tmp"), join(dir, "state.json"));
  }

  /** Reads state.json back: volumes (attached as recorded; nothing staged or published, as after a node reboot) and snapshots. */
  private load(dir: string): void {
    let state: PersistedState;
    try {
      state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as PersistedState;
    } catch {
      return;
    }
    for (const v of state.volumes) {
      this.volumes.set(v.id, { id: v.id, name: v.name, size: v.size, node: v.node, path: `${HOSTPATH_DATA_DIR}/${v.id}`, ephemeral: v.ephemeral, ...(v.contentSource ? { contentSource: v.contentSource } : {}), attached: new Map(v.attached), staged: new Set(), published: new Map() });
    }
    for (const s of state.snapshots) {
      let files: Record<string, string> = {};
      try {
        files = JSON.parse(readFileSync(join(dir, "snapshots", `${s.id}.snap`), "utf8")) as Record<string, string>;
      } catch {
        /* an archive lost with the disk: the snapshot restores empty */
      }
      this.snapshots.set(s.id, { ...s, files: new Map(Object.entries(files)) });
    }
  }

  private newVolume(name: string, size: number, node: string, ephemeral: boolean, contentSource?: csi.VolumeContentSource, id = this.deps.random.uuid()): HostPathVolume {
    const vol: HostPathVolume = { id, name, size, node, path: `${HOSTPATH_DATA_DIR}/${id}`, ephemeral, ...(contentSource ? { contentSource } : {}), attached: new Map(), staged: new Set(), published: new Map() };
    this.nodes.get(node)!.mkdir(vol.path);
    this.volumes.set(id, vol);
    return vol;
  }

  /** The node for a new volume: the first preferred, else requisite, segment with room (or the snapshot's/source's node). */
  private pickNode(req: csi.TopologyRequirement | undefined, required: string | undefined, size: number): string {
    const fits = (n: string): boolean => this.nodes.has(n) && this.usedOn(n) + size <= this.capacity;
    const named = [...(req?.preferred ?? []), ...(req?.requisite ?? [])].map((t) => t.segments[HOSTPATH_TOPOLOGY_KEY]).filter((n): n is string => n !== undefined);
    if (required !== undefined) {
      if (named.length > 0 && !named.includes(required)) throw new CsiError("RESOURCE_EXHAUSTED", `source of the volume is on node ${required}, which the topology requirement does not allow`);
      if (!fits(required)) throw new CsiError("RESOURCE_EXHAUSTED", `requested capacity ${size} exceeds the free capacity of node ${required}`);
      return required;
    }
    const candidates = named.length > 0 ? named : [...this.nodes.keys()].sort();
    const node = candidates.find(fits);
    if (node === undefined) throw new CsiError("RESOURCE_EXHAUSTED", named.length > 0 ? `no node of ${named.join(", ")} has ${size} bytes free` : `no node has ${size} bytes free`);
    return node;
  }

  private usedOn(node: string): number {
    let used = 0;
    for (const v of this.volumes.values()) if (v.node === node) used += v.size;
    return used;
  }

  private snapshotFiles(vol: HostPathVolume): Map<string, string> {
    const fs = this.nodes.get(vol.node);
    const out = new Map<string, string>();
    if (fs) copyTree(fs, vol.path, "", out);
    return out;
  }

  private csiVolume(v: HostPathVolume): csi.Volume {
    return { volumeId: v.id, capacityBytes: v.size, volumeContext: {}, ...(v.contentSource ? { contentSource: v.contentSource } : {}), accessibleTopology: [{ segments: { [HOSTPATH_TOPOLOGY_KEY]: v.node } }] };
  }

  private volumeStatus(v: HostPathVolume): csi.VolumeStatus {
    const healthy = this.nodes.get(v.node)?.isDirectory(v.path) ?? false;
    return { publishedNodeIds: [...v.attached.keys()], volumeCondition: healthy ? { abnormal: false, message: "volume is healthy" } : { abnormal: true, message: `volume ${v.id} is not reachable on node ${v.node}` } };
  }

  /** Whether a single-node access mode is in use on this volume (tests). */
  inUseSingleNode(id: string): boolean {
    const v = this.volumes.get(id);
    return !!v?.mode && isSingleNodeMode(v.mode);
  }
}

function csiSnapshot(s: HostPathSnapshot): csi.Snapshot {
  return { snapshotId: s.id, sourceVolumeId: s.sourceVolumeId, sizeBytes: s.size, creationTime: s.creationTime, readyToUse: true };
}

function copyTree(fs: FileSystem, dir: string, prefix: string, out: Map<string, string>): void {
  for (const name of fs.list(dir) ?? []) {
    const data = fs.read(`${dir}/${name}`);
    if (data !== undefined) out.set(`${prefix}${name}`, data);
    else copyTree(fs, `${dir}/${name}`, `${prefix}${name}/`, out);
  }
}

/** An inline volume's `size` attribute (a quantity: `1Gi`, `100Mi`). */
function parseSize(text: string | undefined): number | undefined {
  if (!text) return undefined;
  try {
    return quantityToNumber(parseQuantity(text));
  } catch {
    throw new CsiError("INVALID_ARGUMENT", `invalid size ${text}`);
  }
}

