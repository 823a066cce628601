import type * as m from "./types.js";

/**
 * The three CSI services (spec.md "RPC Interface") as async TypeScript. Every failed call rejects
 * with a {@link CsiError}; the codes below are the spec's. Rules that hold for every call:
 * - Required fields missing or empty (`volumeId`, `name`, `nodeId`, `targetPath`,
 *   `stagingTargetPath`, `volumeCapabilities`/`volumeCapability`) → INVALID_ARGUMENT.
 * - Calls are idempotent: repeating a call that succeeded succeeds again with the same answer and
 *   no further effect. The CO may repeat any call after a timeout or a crash.
 * - ABORTED: another call for the same volume is in flight; the CO retries later.
 * - A method marked "(capability X)" exists iff the driver advertises X; callers check the
 *   capability first and treat a missing method as UNIMPLEMENTED.
 */

/** Identity: served by both the controller plugin and every node plugin. */
export interface IdentityService {
  getPluginInfo(): Promise<m.GetPluginInfoResponse>;
  getPluginCapabilities(): Promise<m.GetPluginCapabilitiesResponse>;
  /** Healthy? FAILED_PRECONDITION when a dependency is missing; `ready: false` while starting. */
  probe(): Promise<m.ProbeResponse>;
}

/** Controller: volume lifecycle independent of any node (external-provisioner, -attacher, -snapshotter, -resizer call it). */
export interface ControllerService {
  getCapabilities(): Promise<m.ControllerGetCapabilitiesResponse>;
  /**
   * (CREATE_DELETE_VOLUME) Idempotent by `name`: the same name with a compatible capacity,
   * capabilities and source returns the existing volume; the same name with an incompatible
   * request → ALREADY_EXISTS. Capacity out of what the driver offers → OUT_OF_RANGE; unsupported
   * capabilities → INVALID_ARGUMENT; no space or no segment of `accessibilityRequirements`
   * can hold it → RESOURCE_EXHAUSTED; unknown source snapshot/volume → NOT_FOUND.
   */
  createVolume?(req: m.CreateVolumeRequest): Promise<m.CreateVolumeResponse>;
  /** (CREATE_DELETE_VOLUME) Unknown id → success (already deleted). Still in use → FAILED_PRECONDITION. */
  deleteVolume?(req: m.DeleteVolumeRequest): Promise<void>;
  /**
   * (PUBLISH_UNPUBLISH_VOLUME) Makes the volume available on the node ("attach"). Unknown
   * volume or node → NOT_FOUND. Published already with compatible capability → success with the
   * same context; with an incompatible one → ALREADY_EXISTS. Published elsewhere while the mode
   * allows a single node → FAILED_PRECONDITION. The node's `maxVolumesPerNode` reached →
   * RESOURCE_EXHAUSTED.
   */
  controllerPublishVolume?(req: m.ControllerPublishVolumeRequest): Promise<m.ControllerPublishVolumeResponse>;
  /** (PUBLISH_UNPUBLISH_VOLUME) Not published (or unknown volume/node) → success. */
  controllerUnpublishVolume?(req: m.ControllerUnpublishVolumeRequest): Promise<void>;
  /** Unknown volume → NOT_FOUND. Answers `confirmed` only when every capability is supported. */
  validateVolumeCapabilities(req: m.ValidateVolumeCapabilitiesRequest): Promise<m.ValidateVolumeCapabilitiesResponse>;
  /** (LIST_VOLUMES) Paged by `maxEntries` / `nextToken`; an invalid `startingToken` → ABORTED. */
  listVolumes?(req: m.PagingRequest): Promise<m.ListVolumesResponse>;
  /** (GET_CAPACITY) Space left for new volumes, per `accessibleTopology` segment when given (CSIStorageCapacity). */
  getCapacity?(req: m.GetCapacityRequest): Promise<m.GetCapacityResponse>;
  /**
   * (CREATE_DELETE_SNAPSHOT) Idempotent by `name`; the same name for another source →
   * ALREADY_EXISTS; unknown source → NOT_FOUND.
   */
  createSnapshot?(req: m.CreateSnapshotRequest): Promise<m.CreateSnapshotResponse>;
  /** (CREATE_DELETE_SNAPSHOT) Unknown id → success. */
  deleteSnapshot?(req: m.DeleteSnapshotRequest): Promise<void>;
  /** (LIST_SNAPSHOTS) Filtered by `snapshotId` / `sourceVolumeId` (no match: empty list, not an error); paged. */
  listSnapshots?(req: m.ListSnapshotsRequest): Promise<m.ListSnapshotsResponse>;
  /**
   * (EXPAND_VOLUME) Grows the volume to at least `requiredBytes`; a volume already that big →
   * success (idempotent). Unknown → NOT_FOUND; beyond `limitBytes` or the driver's maximum →
   * OUT_OF_RANGE; shrinking is not supported (the CO never asks).
   */
  controllerExpandVolume?(req: m.ControllerExpandVolumeRequest): Promise<m.ControllerExpandVolumeResponse>;
  /** (GET_VOLUME) Unknown → NOT_FOUND. */
  controllerGetVolume?(req: { volumeId: string }): Promise<m.ControllerGetVolumeResponse>;
}

/**
 * Node: runs on every node, called by that node's kubelet. Paths are on the node's
 * {@link HostFileSystem}. Order per volume and node: NodeStage (once, at `stagingTargetPath`,
 * only with STAGE_UNSTAGE_VOLUME) → NodePublish (per pod, at `targetPath`) → NodeUnpublish →
 * NodeUnstage.
 */
export interface NodeService {
  getCapabilities(): Promise<m.NodeGetCapabilitiesResponse>;
  /** The node's id, volume limit and topology; what the kubelet writes into CSINode at registration. */
  getInfo(): Promise<m.NodeGetInfoResponse>;
  /**
   * (STAGE_UNSTAGE_VOLUME) Makes the volume ready on the node at `stagingTargetPath`. Unknown
   * volume → NOT_FOUND; already staged there with a compatible capability → success; staged
   * with an incompatible one → ALREADY_EXISTS; the volume is not reachable from this node
   * (topology, not attached) → FAILED_PRECONDITION.
   */
  nodeStageVolume?(req: m.NodeStageVolumeRequest): Promise<void>;
  /** (STAGE_UNSTAGE_VOLUME) Not staged → success. Still published under it → FAILED_PRECONDITION. */
  nodeUnstageVolume?(req: m.NodeUnstageVolumeRequest): Promise<void>;
  /**
   * Mounts the volume at `targetPath`. Needs a prior NodeStage at `stagingTargetPath` when the
   * driver stages (else FAILED_PRECONDITION). Unknown volume → NOT_FOUND. Published at the same
   * path with the same capability and readonly → success; different → ALREADY_EXISTS. A
   * single-node-writer volume published read-write elsewhere → FAILED_PRECONDITION.
   */
  nodePublishVolume(req: m.NodePublishVolumeRequest): Promise<void>;
  /** Unmounts `targetPath`. Not mounted → success. Unknown volume → NOT_FOUND (the kubelet treats it as done). */
  nodeUnpublishVolume(req: m.NodeUnpublishVolumeRequest): Promise<void>;
  /** (GET_VOLUME_STATS) Unknown volume → NOT_FOUND; `volumePath` not where it is published → NOT_FOUND. */
  nodeGetVolumeStats?(req: m.NodeGetVolumeStatsRequest): Promise<m.NodeGetVolumeStatsResponse>;
  /** (EXPAND_VOLUME) Grows the filesystem after ControllerExpandVolume; idempotent. Unknown → NOT_FOUND. */
  nodeExpandVolume?(req: m.NodeExpandVolumeRequest): Promise<m.NodeExpandVolumeResponse>;
}

/** What a driver's controller plugin serves (the StatefulSet/Deployment pod's CSI socket). */
export interface CsiControllerPlugin {
  readonly identity: IdentityService;
  readonly controller: ControllerService;
}

/** What a driver's node plugin serves on one node (the DaemonSet pod's CSI socket). */
export interface CsiNodePlugin {
  readonly identity: IdentityService;
  readonly node: NodeService;
}
