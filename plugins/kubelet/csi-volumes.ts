import { createHash } from "node:crypto";
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js";
import type { CSIDriver, VolumeAttachment } from "kubernetes-types/storage/v1.js";
import { parseQuantity, unitValue } from "../../core/api/quantity.js";
import { isStatusError } from "../../core/api/status.js";
import { resizeFinishedStatus } from "../../core/volume/resize-status.js";
import { rfc3339 } from "../../core/api/time.js";
import type { Clock } from "../../core/clock/clock.js";
import type { EventRecorder } from "../../core/events/event-recorder.js";
import type { Client } from "../../core/client/client.js";
import type { HostFileSystem } from "../../core/cri/host-filesystem.js";
import { csiAccessMode } from "../../core/csi/access-modes.js";
import { isCsiError } from "../../core/csi/errors.js";
import { csiUniqueName, volumeAttachmentName } from "../../core/csi/volume-names.js";
import type { CsiNodeRegistry } from "../../core/csi/storage-drivers.js";
import type { NodeCapability, VolumeCapability } from "../../core/csi/types.js";
import { podDir } from "./volumes.js";
import { setVolumeOwnership } from "./volume-ownership.js";

/** NodeStage's path: one per volume and node (`.../csi/<driver>/<sha256(handle)>/globalmount`). */
export function stagingPath(driver: string, handle: string): string {
  return `/var/lib/kubelet/plugins/kubernetes.io/csi/${driver}/${createHash("sha256").update(handle).digest("hex")}/globalmount`;
}

/** NodePublish's path: one per pod and volume. */
export function publishPath(podUid: string, specName: string): string {
  return `${podDir(podUid)}/volumes/kubernetes.io~csi/${specName}/mount`;
}

/** How long a pod waits for its volumes before the kubelet reports them (`podAttachAndMountTimeout`). */
export const ATTACH_AND_MOUNT_TIMEOUT_MS = 2 * 60_000 + 3_000;

/** A pod volume backed by a CSI driver, resolved from its PVC/PV or inline source. */
export interface CsiVolumeSpec {
  /** The pod's name for it. */
  readonly podVolume: string;
  /** The name under kubernetes.io~csi: the PV's name, or the inline volume's. */
  readonly specName: string;
  readonly driver: string;
  readonly handle: string;
  readonly readOnly: boolean;
  readonly capability: VolumeCapability;
  readonly volumeContext: Record<string, string>;
  readonly ephemeral: boolean;
  /** The node needs a VolumeAttachment (CSIDriver attachRequired; inline volumes never). */
  readonly attachRequired: boolean;
  readonly fsGroupPolicy: string;
  /** The claim behind a PVC or generic ephemeral volume (what NodeExpandVolume updates). */
  readonly claim?: { readonly namespace: string; readonly name: string };
}

/** The outcome of one attempt to make a pod's volumes ready. */
export interface VolumeAttempt {
  /** Host paths of the volumes that are ready (pod volume name → node path). */
  readonly ready: Map<string, string>;
  /** Pod volumes still waiting, in spec order. */
  readonly unmounted: string[];
  readonly unattached: string[];
  /** Volumes whose PVC/PV could not be processed, with the errors (ends the wait at once, as upstream). */
  readonly failedToProcess: string[];
  readonly processErrors: string[];
  /** Operation failures to report now as FailedMount events (`MountVolume.SetUp failed for volume ...`). */
  readonly failures: string[];
}

interface Mounted {
  readonly spec: CsiVolumeSpec;
  readonly staged: string | undefined;
  readonly target: string;
}

/**
 * The kubelet's volume manager for CSI volumes (upstream's desired-state populator, reconciler and
 * csi plugin): resolves a pod's PVC/ephemeral/inline volumes to CSI volumes, waits for their
 * VolumeAttachment, reports them in use in the node status, NodeStages each once per node and
 * NodePublishes it per pod; on the pod's end unpublishes, and unstages when no pod on the node
 * uses it any more.
 */
export class CsiVolumeManager {
  /** Per pod uid: what was published for it. */
  private readonly byPod = new Map<string, Map<string, Mounted>>();
  /** Unique names of volumes reported in `volumesInUse`. */
  private readonly inUse = new Set<string>();
  private inUsePosted = "";

  constructor(
    private readonly deps: {
      nodeName: string;
      client: Client;
      hostFs: HostFileSystem;
      plugins: CsiNodeRegistry;
      recorder: EventRecorder;
      clock: Clock;
    },
  ) {}

  /** Whether the pod has any volume this manager handles. */
  static handles(pod: Pod): boolean {
    return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim || v.ephemeral || v.csi);
  }

  /** One attempt: resolve, check attachment, stage and publish what is ready. Never throws for volume problems. */
  async setUp(pod: Pod): Promise<VolumeAttempt> {
    const out: VolumeAttempt = { ready: new Map(), unmounted: [], unattached: [], failedToProcess: [], processErrors: [], failures: [] };
    const uid = pod.metadata?.uid ?? "";
    const mine = this.byPod.get(uid) ?? new Map<string, Mounted>();
    this.byPod.set(uid, mine);
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.persistentVolumeClaim && !v.ephemeral && !v.csi) continue;
      const done = mine.get(v.name);
      if (done) {
        out.ready.set(v.name, done.target);
        continue;
      }
      let resolved: CsiVolumeSpec | { hostPath: string } | undefined;
      try {
        resolved = await this.resolve(pod, v);
      } catch (err) {
        if (!(err instanceof ProcessError)) throw err;
        out.failedToProcess.push(v.name);
        out.unmounted.push(v.name);
        out.processErrors.push(err.message);
        continue;
      }
      if ("hostPath" in resolved) {
        this.deps.hostFs.mkdir(resolved.hostPath);
        out.ready.set(v.name, resolved.hostPath);
        continue;
      }
      const spec = resolved;
      const plugin = this.deps.plugins.get(spec.driver);
      if (!plugin) {
        out.unmounted.push(v.name);
        out.failures.push(`MountVolume.${spec.ephemeral ? "SetUp" : "MountDevice"} failed for volume "${spec.specName}" : kubernetes.io/csi: ${spec.ephemeral ? "mounter.SetUpAt" : "attacher.MountDevice"} failed to create newCsiDriverClient: driver name ${spec.driver} not found in the list of registered CSI drivers`);
        continue;
      }
      let publishContext: Record<string, string> = {};
      if (spec.attachRequired) {
        const attached = await this.attachment(spec);
        if (attached === undefined) {
          out.unattached.push(v.name);
          out.unmounted.push(v.name);
          continue;
        }
        publishContext = attached;
      }
      try {
        const caps = new Set<NodeCapability>((await plugin.node.getCapabilities()).capabilities.map((c) => c.rpc.type));
        const capability = this.withMountGroup(spec, pod, caps);
        let staged: string | undefined;
        if (caps.has("STAGE_UNSTAGE_VOLUME") && !spec.ephemeral && plugin.node.nodeStageVolume) {
          staged = stagingPath(spec.driver, spec.handle);
          await this.reportInUse(csiUniqueName(spec.driver, spec.handle));
          try {
            await plugin.node.nodeStageVolume({ volumeId: spec.handle, publishContext, stagingTargetPath: staged, volumeCapability: capability, volumeContext: spec.volumeContext });
          } catch (err) {
            out.unmounted.push(v.name);
            out.failures.push(`MountVolume.MountDevice failed for volume "${spec.specName}" : ${message(err)}`);
            continue;
          }
        } else if (!spec.ephemeral) await this.reportInUse(csiUniqueName(spec.driver, spec.handle));
        const target = publishPath(uid, spec.specName);
        // A claim grown while no pod used it: the filesystem is grown as the volume is mounted (offline expansion).
        if (staged) await this.expand(pod, spec, staged, staged, caps);
        try {
          await plugin.node.nodePublishVolume({
            volumeId: spec.handle,
            publishContext,
            ...(staged ? { stagingTargetPath: staged } : {}),
            targetPath: target,
            volumeCapability: capability,
            readonly: spec.readOnly,
            volumeContext: { ...spec.volumeContext, ...(await this.podInfo(pod, spec)) },
          });
        } catch (err) {
          out.unmounted.push(v.name);
          out.failures.push(`MountVolume.SetUp failed for volume "${spec.specName}" : ${message(err)}`);
          continue;
        }
        // fsGroup: the kubelet applies it unless the driver mounts with the group itself (VOLUME_MOUNT_GROUP).
        const fsGroup = pod.spec?.securityContext?.fsGroup;
        if (fsGroup !== undefined && !spec.readOnly && !capability.mount?.volumeMountGroup && supportsFsGroup(spec)) {
          setVolumeOwnership(this.deps.hostFs, target, fsGroup, { readOnly: spec.readOnly, ...(pod.spec?.securityContext?.fsGroupChangePolicy ? { changePolicy: pod.spec.securityContext.fsGroupChangePolicy } : {}) });
        }
        this.deps.hostFs.write(`${podDir(uid)}/volumes/kubernetes.io~csi/${spec.specName}/vol_data.json`, JSON.stringify({ attachmentID: spec.attachRequired ? volumeAttachmentName(spec.handle, spec.driver, this.deps.nodeName) : "", driverName: spec.driver, nodeName: this.deps.nodeName, specVolID: spec.specName, volumeHandle: spec.handle, volumeLifecycleMode: spec.ephemeral ? "Ephemeral" : "Persistent" }));
        mine.set(v.name, { spec, staged, target });
        if (!staged) await this.expand(pod, spec, target, undefined, caps);
        out.ready.set(v.name, target);
      } catch (err) {
        if (!isCsiError(err)) throw err;
        out.unmounted.push(v.name);
        out.failures.push(`MountVolume.SetUp failed for volume "${spec.specName}" : ${err.message}`);
      }
    }
    return out;
  }

  /** Unpublishes the pod's volumes, and unstages those no other pod on the node uses. Errors are returned, the rest still torn down. */
  async tearDown(podUid: string): Promise<string[]> {
    const mine = this.byPod.get(podUid);
    this.byPod.delete(podUid);
    const errors: string[] = [];
    for (const m of mine?.values() ?? []) {
      const plugin = this.deps.plugins.get(m.spec.driver);
      if (!plugin) continue;
      try {
        await plugin.node.nodeUnpublishVolume({ volumeId: m.spec.handle, targetPath: m.target });
      } catch (err) {
        if (!isCsiError(err, "NOT_FOUND")) {
          errors.push(`UnmountVolume.TearDown failed for volume "${m.spec.specName}" (UniqueName: "${csiUniqueName(m.spec.driver, m.spec.handle)}") pod "${podUid}" (UID: "${podUid}") : ${message(err)}`);
          continue;
        }
      }
      if (m.spec.ephemeral) continue;
      const stillUsed = [...this.byPod.values()].some((p) => [...p.values()].some((o) => o.spec.driver === m.spec.driver && o.spec.handle === m.spec.handle));
      if (stillUsed) continue;
      if (m.staged && plugin.node.nodeUnstageVolume) {
        try {
          await plugin.node.nodeUnstageVolume({ volumeId: m.spec.handle, stagingTargetPath: m.staged });
        } catch (err) {
          if (!isCsiError(err, "NOT_FOUND")) {
            errors.push(`UnmountDevice failed for volume "${m.spec.specName}" : ${message(err)}`);
            continue;
          }
        }
      }
      this.inUse.delete(csiUniqueName(m.spec.driver, m.spec.handle));
    }
    await this.postInUse();
    return errors;
  }

  /**
   * The volume manager's periodic check of a running pod's mounted claims: NodeExpandVolume for
   * each whose volume the resizer grew (online expansion). Errors are reported as events.
   */
  async expandMounted(pod: Pod): Promise<void> {
    for (const m of this.byPod.get(pod.metadata?.uid ?? "")?.values() ?? []) {
      const plugin = this.deps.plugins.get(m.spec.driver);
      if (!m.spec.claim || !plugin) continue;
      const caps = new Set<NodeCapability>((await plugin.node.getCapabilities()).capabilities.map((c) => c.rpc.type));
      await this.expand(pod, m.spec, m.target, m.staged, caps);
    }
  }

  /**
   * The node expander: when the claim's PV is larger than its `status.capacity` and the resizer
   * left `allocatedResourceStatuses.storage` NodeResizePending (or an attempt NodeResizeInProgress),
   * marks NodeResizeInProgress, calls NodeExpandVolume (drivers without the node EXPAND_VOLUME
   * capability have nothing to grow), then sets the claim's capacity to the PV's and clears the
   * resize conditions and status, with `FileSystemResizeSuccessful` events on the pod and the
   * claim. A failure is a `FileSystemResizeFailed` event and the `NodeResizeError` condition
   * (`NodeResizeInfeasible` for an error the driver would repeat); the mount goes on either way.
   */
  private async expand(pod: Pod, spec: CsiVolumeSpec, volumePath: string, stagingTargetPath: string | undefined, caps: Set<NodeCapability>): Promise<void> {
    if (!spec.claim) return;
    const pvcs = this.deps.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    const ns = { namespace: spec.claim.namespace };
    let pvc: PersistentVolumeClaim;
    let pv: PersistentVolume;
    try {
      pvc = await pvcs.get(spec.claim.name, ns);
      pv = await this.deps.client.resource<PersistentVolume>("PersistentVolume").get(spec.specName);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return;
      throw err;
    }
    const resizeStatus = pvc.status?.allocatedResourceStatuses?.["storage"];
    const newSize = pv.spec?.capacity?.["storage"];
    if ((resizeStatus !== "NodeResizePending" && resizeStatus !== "NodeResizeInProgress") || newSize === undefined) return;
    const volumeName = spec.specName;
    pvc = await pvcs.updateStatus({ ...pvc, status: { ...pvc.status, allocatedResourceStatuses: { ...pvc.status?.allocatedResourceStatuses, storage: "NodeResizeInProgress" } } }, ns);
    const plugin = this.deps.plugins.get(spec.driver);
    if (plugin?.node.nodeExpandVolume && caps.has("EXPAND_VOLUME")) {
      try {
        await plugin.node.nodeExpandVolume({ volumeId: spec.handle, volumePath, ...(stagingTargetPath ? { stagingTargetPath } : {}), capacityRange: { requiredBytes: Number(unitValue(parseQuantity(newSize))) }, volumeCapability: spec.capability });
      } catch (err) {
        if (!isCsiError(err)) throw err;
        this.deps.recorder.event(pod, "Warning", "FileSystemResizeFailed", `MountVolume.NodeExpandVolume failed for volume "${volumeName}" : ${err.message}`);
        const infeasible = isCsiError(err, "INVALID_ARGUMENT") || isCsiError(err, "OUT_OF_RANGE") || isCsiError(err, "NOT_FOUND");
        const conditions = [...(pvc.status?.conditions ?? []).filter((c) => c.type !== "NodeResizeError"), { type: "NodeResizeError", status: "True", lastTransitionTime: rfc3339(this.deps.clock.now()), message: `failed to expand pvc with ${err.message}` }];
        await pvcs.updateStatus({ ...pvc, status: { ...pvc.status, conditions, ...(infeasible ? { allocatedResourceStatuses: { ...pvc.status?.allocatedResourceStatuses, storage: "NodeResizeInfeasible" } } : {}) } }, ns);
        return;
      }
    }
    const message = `MountVolume.NodeExpandVolume succeeded for volume "${volumeName}" ${this.deps.nodeName}`;
    this.deps.recorder.event(pod, "Normal", "FileSystemResizeSuccessful", message);
    this.deps.recorder.event(pvc, "Normal", "FileSystemResizeSuccessful", message);
    const status = resizeFinishedStatus(pvc.status, newSize);
    await pvcs.updateStatus({ ...pvc, status }, ns);
  }

  /** Published CSI volumes of a pod: pod volume name → driver, handle and target (volume stats). */
  published(podUid: string): { podVolume: string; driver: string; handle: string; target: string; staged: string | undefined }[] {
    return [...(this.byPod.get(podUid)?.values() ?? [])].map((m) => ({ podVolume: m.spec.podVolume, driver: m.spec.driver, handle: m.spec.handle, target: m.target, staged: m.staged }));
  }

  /** `volumesInUse` as the node status reports it (sorted). */
  volumesInUse(): string[] {
    return [...this.inUse].sort();
  }

  // ---- resolving ----

  private async resolve(pod: Pod, v: Volume): Promise<CsiVolumeSpec | { hostPath: string }> {
    const ns = pod.metadata?.namespace ?? "default";
    if (v.csi) {
      const driver = await this.csiDriver(v.csi.driver);
      const modes = driver?.spec?.volumeLifecycleModes ?? ["Persistent"];
      if (!modes.includes("Ephemeral")) throw new ProcessError(`volume mode "Ephemeral" not supported by driver ${v.csi.driver} (only supports ${JSON.stringify(modes)})`);
      const handle = `csi-${createHash("sha256").update(`${pod.metadata?.uid}${v.name}`).digest("hex")}`;
      return {
        podVolume: v.name,
        specName: v.name,
        driver: v.csi.driver,
        handle,
        readOnly: v.csi.readOnly ?? false,
        capability: { mount: { ...(v.csi.fsType ? { fsType: v.csi.fsType } : {}) }, accessMode: { mode: "SINGLE_NODE_WRITER" } },
        volumeContext: { ...(v.csi.volumeAttributes ?? {}), "csi.storage.k8s.io/ephemeral": "true" },
        ephemeral: true,
        attachRequired: false,
        fsGroupPolicy: driver?.spec?.fsGroupPolicy ?? "ReadWriteOnceWithFSType",
      };
    }
    const claimName = v.persistentVolumeClaim?.claimName ?? `${pod.metadata?.name}-${v.name}`;
    let pvc: PersistentVolumeClaim;
    try {
      pvc = await this.deps.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get(claimName, { namespace: ns });
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw new ProcessError(`error processing PVC ${ns}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
      throw err;
    }
    if (v.ephemeral && !pvc.metadata?.ownerReferences?.some((o) => o.controller && o.uid === pod.metadata?.uid)) {
      throw new ProcessError(`error processing PVC ${ns}/${claimName}: PVC ${ns}/${claimName} was not created for pod ${ns}/${pod.metadata?.name} (pod is not owner)`);
    }
    if (pvc.metadata?.deletionTimestamp) throw new ProcessError(`error processing PVC ${ns}/${claimName}: can't start pod because PVC is being deleted`);
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== "Bound") throw new ProcessError(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
    let pv: PersistentVolume;
    try {
      pv = await this.deps.client.resource<PersistentVolume>("PersistentVolume").get(pvName);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw new ProcessError(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
      throw err;
    }
    if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== pvc.metadata?.uid) throw new ProcessError(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${pvName} from API server: The PV's claimRef does not match the PVC's UID`);
    const readOnly = (v.persistentVolumeClaim?.readOnly ?? false) || (pv.spec?.csi?.readOnly ?? false);
    if (pv.spec?.hostPath) return { hostPath: pv.spec.hostPath.path };
    if (pv.spec?.local) return { hostPath: pv.spec.local.path };
    const source = pv.spec?.csi;
    if (!source) throw new ProcessError(`error processing PVC ${ns}/${claimName}: volume ${pvName} has no CSI source (kubesim mounts CSI, hostPath and local volumes)`);
    const driver = await this.csiDriver(source.driver);
    const modes = pv.spec?.accessModes ?? ["ReadWriteOnce"];
    return {
      podVolume: v.name,
      specName: pvName,
      driver: source.driver,
      handle: source.volumeHandle,
      readOnly,
      capability: { mount: { ...(source.fsType ? { fsType: source.fsType } : {}), ...(pv.spec?.mountOptions?.length ? { mountFlags: pv.spec.mountOptions } : {}) }, accessMode: { mode: csiAccessMode(modes[0]!) } },
      volumeContext: { ...(source.volumeAttributes ?? {}) },
      ephemeral: false,
      attachRequired: driver?.spec?.attachRequired ?? true,
      fsGroupPolicy: driver?.spec?.fsGroupPolicy ?? "ReadWriteOnceWithFSType",
      claim: { namespace: ns, name: claimName },
    };
  }

  private async csiDriver(name: string): Promise<CSIDriver | undefined> {
    try {
      return await this.deps.client.resource<CSIDriver>("CSIDriver").get(name);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  /** The publish context when the VolumeAttachment says attached (and the node status lists it); undefined while not. */
  private async attachment(spec: CsiVolumeSpec): Promise<Record<string, string> | undefined> {
    let va: VolumeAttachment;
    try {
      va = await this.deps.client.resource<VolumeAttachment>("VolumeAttachment").get(volumeAttachmentName(spec.handle, spec.driver, this.deps.nodeName));
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
    if (!va.status?.attached || va.metadata?.deletionTimestamp) return undefined;
    return va.status.attachmentMetadata ?? {};
  }

  /** fsGroup: handed to drivers that mount with a group (VOLUME_MOUNT_GROUP, fsGroupPolicy File). */
  private withMountGroup(spec: CsiVolumeSpec, pod: Pod, caps: Set<NodeCapability>): VolumeCapability {
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    if (fsGroup === undefined || !caps.has("VOLUME_MOUNT_GROUP") || spec.fsGroupPolicy !== "File" || !spec.capability.mount) return spec.capability;
    return { ...spec.capability, mount: { ...spec.capability.mount, volumeMountGroup: String(fsGroup) } };
  }

  /** `podInfoOnMount` attributes. */
  private async podInfo(pod: Pod, spec: CsiVolumeSpec): Promise<Record<string, string>> {
    const driver = await this.csiDriver(spec.driver);
    if (!driver?.spec?.podInfoOnMount) return {};
    return {
      "csi.storage.k8s.io/pod.name": pod.metadata?.name ?? "",
      "csi.storage.k8s.io/pod.namespace": pod.metadata?.namespace ?? "",
      "csi.storage.k8s.io/pod.uid": pod.metadata?.uid ?? "",
      "csi.storage.k8s.io/serviceAccount.name": pod.spec?.serviceAccountName ?? "default",
      "csi.storage.k8s.io/ephemeral": spec.ephemeral ? "true" : "false",
    };
  }

  // ---- node status ----

  private async reportInUse(name: string): Promise<void> {
    if (this.inUse.has(name)) return;
    this.inUse.add(name);
    await this.postInUse();
  }

  private async postInUse(): Promise<void> {
    const list = this.volumesInUse();
    const key = list.join(",");
    if (key === this.inUsePosted) return;
    try {
      await this.deps.client.resource("Node").patch(this.deps.nodeName, "merge", { status: { volumesInUse: list.length ? list : null } }, { subresource: "status", fieldManager: "kubelet" });
      this.inUsePosted = key;
    } catch (err) {
      if (!(isStatusError(err) && err.code === 404)) throw err;
    }
  }
}

/**
 * The CSI mounter's supportsFSGroup: policy `File` always, `None` never, and the default
 * `ReadWriteOnceWithFSType` only for a volume with an fsType mounted ReadWriteOnce (inline
 * volumes count as such).
 */
function supportsFsGroup(spec: CsiVolumeSpec): boolean {
  if (spec.fsGroupPolicy === "File") return true;
  if (spec.fsGroupPolicy === "None") return false;
  if (spec.ephemeral) return true;
  return !!spec.capability.mount?.fsType && spec.capability.accessMode.mode === "SINGLE_NODE_WRITER";
}

/** A pod volume whose claim or volume could not be resolved (the populator's "failed to process volumes"). */
class ProcessError extends Error {}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
