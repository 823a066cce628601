import { MemoryFileSystem } from "../../core/cri/filesystem.js";
import { CsiError } from "../../core/csi/errors.js";
import { requireField, unsupportedCapability } from "../../core/csi/access-modes.js";
import { pageOf } from "../../core/csi/paging.js";
import { directoryUsage } from "../../core/csi/volume-usage.js";
import type { HostFileSystem } from "../../core/cri/host-filesystem.js";
import type { ControllerService, CsiControllerPlugin, CsiNodePlugin, IdentityService, NodeService } from "../../core/csi/services.js";
import type * as csi from "../../core/csi/types.js";

export const NFS_DRIVER_NAME = "nfs.csi.k8s.io";
export const NFS_VERSION = "v4.9.0";
/** The simulated server's address and export, as a StorageClass's `server` / `share` parameters name them. */
export const NFS_SERVER = "nfs-server.default.svc.cluster.local";
export const NFS_SHARE = "/";

const ALL_MODES: readonly csi.CsiAccessMode[] = ["SINGLE_NODE_WRITER", "SINGLE_NODE_READER_ONLY", "SINGLE_NODE_SINGLE_WRITER", "SINGLE_NODE_MULTI_WRITER", "MULTI_NODE_READER_ONLY", "MULTI_NODE_SINGLE_WRITER", "MULTI_NODE_MULTI_WRITER"];

interface NfsVolume {
  readonly id: string;
  readonly name: string;
  size: number;
  /** The directory on the server's export. */
  readonly dir: string;
}

/**
 * kubernetes-csi/csi-driver-nfs with one simulated NFS server: a volume is a subdirectory of the
 * server's export (`<share>/<pv name>`), its id `<server>#<share>#<subdir>#` as the real driver
 * forms it; NodePublish mounts it on any node (no topology, no attach, every access mode, so
 * ReadWriteMany works across nodes). Sizes are recorded, not enforced (NFS has no quotas).
 */
export class NfsDriver {
  /** The server's disk. */
  readonly server = new MemoryFileSystem();
  private readonly volumes = new Map<string, NfsVolume>();
  /** Per node: target path → volume id. */
  private readonly mounts = new Map<string, Map<string, { id: string; readonly: boolean }>>();

  readonly identity: IdentityService = {
    getPluginInfo: async () => ({ name: NFS_DRIVER_NAME, vendorVersion: NFS_VERSION }),
    getPluginCapabilities: async () => ({ capabilities: [{ service: { type: "CONTROLLER_SERVICE" } }] }),
    probe: async () => ({ ready: true }),
  };

  controllerPlugin(): CsiControllerPlugin {
    return { identity: this.identity, controller: this.controller };
  }

  nodePlugin(nodeName: string, hostFs: HostFileSystem): CsiNodePlugin {
    return { identity: this.identity, node: this.nodeService(nodeName, hostFs) };
  }

  private readonly controller: ControllerService = {
    getCapabilities: async () => ({ capabilities: (["CREATE_DELETE_VOLUME", "SINGLE_NODE_MULTI_WRITER", "CLONE_VOLUME", "EXPAND_VOLUME", "LIST_VOLUMES", "GET_VOLUME"] as const).map((type) => ({ rpc: { type } })) }),
    createVolume: async (req) => {
      requireField(req.name, "CreateVolume name");
      requireField(req.volumeCapabilities, "CreateVolume Volume capabilities");
      const unsupported = unsupportedCapability(req.volumeCapabilities, { modes: ALL_MODES, block: false });
      if (unsupported) throw new CsiError("INVALID_ARGUMENT", unsupported);
      const server = req.parameters?.["server"] ?? NFS_SERVER;
      if (server !== NFS_SERVER) throw new CsiError("INVALID_ARGUMENT", `failed to mount nfs server: ${server} is not reachable (kubesim simulates ${NFS_SERVER})`);
      const size = req.capacityRange?.requiredBytes ?? 0;
      const share = req.parameters?.["share"] ?? NFS_SHARE;
      const id = `${server}#${share.replace(/^\/+|\/+$/g, "")}#${req.name}#`;
      const existing = this.volumes.get(id);
      if (existing) {
        if (existing.size !== size) throw new CsiError("ALREADY_EXISTS", `volume ${req.name} already exists with size ${existing.size}`);
        return { volume: this.csiVolume(existing) };
      }
      const vol: NfsVolume = { id, name: req.name, size, dir: `${share === "/" ? "" : share}/${req.name}` };
      if (req.volumeContentSource?.volume) {
        const src = this.volumes.get(req.volumeContentSource.volume.volumeId);
        if (!src) throw new CsiError("NOT_FOUND", `source volume ${req.volumeContentSource.volume.volumeId} not found`);
        copy(this.server, src.dir, vol.dir);
      } else if (req.volumeContentSource?.snapshot) throw new CsiError("INVALID_ARGUMENT", "snapshots are not supported by this driver");
      this.server.mkdir(vol.dir);
      this.volumes.set(id, vol);
      return { volume: this.csiVolume(vol) };
    },
    deleteVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) return;
      this.server.remove(vol.dir);
      this.volumes.delete(vol.id);
    },
    validateVolumeCapabilities: async (req) => {
      requireField(req.volumeId, "Volume ID");
      requireField(req.volumeCapabilities, "Volume capabilities");
      if (!this.volumes.has(req.volumeId)) throw new CsiError("NOT_FOUND", `volume ${req.volumeId} not found`);
      const unsupported = unsupportedCapability(req.volumeCapabilities, { modes: ALL_MODES, block: false });
      return unsupported ? { message: unsupported } : { confirmed: { volumeCapabilities: req.volumeCapabilities } };
    },
    listVolumes: async (req) => {
      const page = pageOf([...this.volumes.values()].sort((a, b) => a.id.localeCompare(b.id)), req);
      return { entries: page.entries.map((v) => ({ volume: this.csiVolume(v) })), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    controllerExpandVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) throw new CsiError("NOT_FOUND", `volume ${req.volumeId} not found`);
      vol.size = Math.max(vol.size, req.capacityRange?.requiredBytes ?? 0);
      return { capacityBytes: vol.size, nodeExpansionRequired: false };
    },
    controllerGetVolume: async (req) => {
      requireField(req.volumeId, "Volume ID");
      const vol = this.volumes.get(req.volumeId);
      if (!vol) throw new CsiError("NOT_FOUND", `volume ${req.volumeId} not found`);
      const nodes = [...this.mounts].filter(([, m]) => [...m.values()].some((x) => x.id === vol.id)).map(([n]) => n);
      return { volume: this.csiVolume(vol), status: { publishedNodeIds: nodes } };
    },
  };

  private nodeService(nodeName: string, hostFs: HostFileSystem): NodeService {
    const mine = new Map<string, { id: string; readonly: boolean }>();
    this.mounts.set(nodeName, mine);
    return {
      getCapabilities: async () => ({ capabilities: (["SINGLE_NODE_MULTI_WRITER", "GET_VOLUME_STATS"] as const).map((type) => ({ rpc: { type } })) }),
      getInfo: async () => ({ nodeId: nodeName }),
      nodePublishVolume: async (req) => {
        requireField(req.volumeCapability, "Volume capability");
        requireField(req.volumeId, "Volume ID");
        requireField(req.targetPath, "Target path");
        const unsupported = unsupportedCapability([req.volumeCapability], { modes: ALL_MODES, block: false });
        if (unsupported) throw new CsiError("INVALID_ARGUMENT", unsupported);
        const vol = this.volumes.get(req.volumeId);
        if (!vol) throw new CsiError("NOT_FOUND", `volume ${req.volumeId} not found on the server: mount failed: exit status 32`);
        const was = mine.get(req.targetPath);
        if (was) {
          if (was.id !== vol.id || was.readonly !== req.readonly) throw new CsiError("ALREADY_EXISTS", `${req.targetPath} is already mounted with other options`);
          return;
        }
        hostFs.mount(req.targetPath, this.server, vol.dir, { readonly: req.readonly, device: `${NFS_SERVER}:${vol.dir}`, fsType: "nfs4" });
        mine.set(req.targetPath, { id: vol.id, readonly: req.readonly });
      },
      nodeUnpublishVolume: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.targetPath, "Target path");
        if (!mine.has(req.targetPath)) return;
        hostFs.unmount(req.targetPath);
        mine.delete(req.targetPath);
      },
      nodeGetVolumeStats: async (req) => {
        requireField(req.volumeId, "Volume ID");
        requireField(req.volumePath, "Volume Path");
        const m = mine.get(req.volumePath);
        if (!m || m.id !== req.volumeId) throw new CsiError("NOT_FOUND", `path ${req.volumePath} does not exist`);
        const vol = this.volumes.get(m.id)!;
        const usage = directoryUsage(this.server, vol.dir);
        return { usage: [{ unit: "BYTES", used: usage.bytes, ...(vol.size ? { total: vol.size, available: Math.max(0, vol.size - usage.bytes) } : {}) }, { unit: "INODES", used: usage.inodes }] };
      },
    };
  }

  private csiVolume(v: NfsVolume): csi.Volume {
    const [server, share, subDir] = v.id.split("#");
    return { volumeId: v.id, capacityBytes: v.size, volumeContext: { server: server!, share: `/${share}`, subdir: subDir! } };
  }
}

function copy(fs: MemoryFileSystem, from: string, to: string): void {
  for (const name of fs.list(from) ?? []) {
    const data = fs.read(`${from}/${name}`);
    if (data !== undefined) fs.write(`${to}/${name}`, data);
    else copy(fs, `${from}/${name}`, `${to}/${name}`);
  }
}
