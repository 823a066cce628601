/**
 * The CSI spec's messages (container-storage-interface/spec `csi.proto`, v1.x) as TypeScript, in
 * the proto's JSON mapping (camelCase fields, oneofs as optional fields, enums as their names).
 * Sizes are bytes as JS numbers (exact to 8 PiB); times are epoch milliseconds. `secrets` fields
 * are kept for shape compatibility and never logged.
 */

/** `VolumeCapability.AccessMode.Mode`. */
export type CsiAccessMode =
  | "UNKNOWN"
  | "SINGLE_NODE_WRITER"
  | "SINGLE_NODE_READER_ONLY"
  | "MULTI_NODE_READER_ONLY"
  | "MULTI_NODE_SINGLE_WRITER"
  | "MULTI_NODE_MULTI_WRITER"
  | "SINGLE_NODE_SINGLE_WRITER"
  | "SINGLE_NODE_MULTI_WRITER";

/** How a volume is used: exactly one of `block` or `mount`, plus the access mode. */
export interface VolumeCapability {
  block?: Record<string, never>;
  mount?: { fsType?: string; mountFlags?: string[]; volumeMountGroup?: string };
  accessMode: { mode: CsiAccessMode };
}

export interface CapacityRange {
  requiredBytes?: number;
  limitBytes?: number;
}

/** A topology segment set, e.g. `{ "topology.hostpath.csi/node": "kind-worker" }`. */
export interface Topology {
  segments: Record<string, string>;
}

export interface TopologyRequirement {
  /** The volume must be accessible from at least one of these. */
  requisite?: Topology[];
  /** Try these first, in order (the scheduler's selected node comes first). */
  preferred?: Topology[];
}

/** What a new volume is pre-populated from (restore from a snapshot, clone of a volume). */
export interface VolumeContentSource {
  snapshot?: { snapshotId: string };
  volume?: { volumeId: string };
}

export interface Volume {
  capacityBytes: number;
  volumeId: string;
  /** Opaque to Kubernetes; handed back on every node call (`volumeAttributes` of the PV). */
  volumeContext?: Record<string, string>;
  contentSource?: VolumeContentSource;
  /** Where the volume can be used from; empty = everywhere. */
  accessibleTopology?: Topology[];
}

export interface VolumeCondition {
  abnormal: boolean;
  message: string;
}

export interface Snapshot {
  sizeBytes: number;
  snapshotId: string;
  sourceVolumeId: string;
  /** Epoch milliseconds. */
  creationTime: number;
  readyToUse: boolean;
  groupSnapshotId?: string;
}

// ---- Identity ----

export interface GetPluginInfoResponse {
  /** The driver name, DNS-subdomain-like (`hostpath.csi.k8s.io`); the CSIDriver object's name. */
  name: string;
  vendorVersion: string;
  manifest?: Record<string, string>;
}

export type PluginCapability =
  | { service: { type: "CONTROLLER_SERVICE" | "VOLUME_ACCESSIBILITY_CONSTRAINTS" | "GROUP_CONTROLLER_SERVICE" } }
  | { volumeExpansion: { type: "ONLINE" | "OFFLINE" } };

export interface GetPluginCapabilitiesResponse {
  capabilities: PluginCapability[];
}

export interface ProbeResponse {
  /** Undefined or true: ready. False: still initialising (callers retry). */
  ready?: boolean;
}

// ---- Controller ----

export interface CreateVolumeRequest {
  /** Idempotency key chosen by the CO (external-provisioner: `pvc-<pvc uid>`). Required. */
  name: string;
  capacityRange?: CapacityRange;
  /** Required, non-empty. */
  volumeCapabilities: VolumeCapability[];
  /** The StorageClass's parameters (minus `csi.storage.k8s.io/*` keys). */
  parameters?: Record<string, string>;
  secrets?: Record<string, string>;
  volumeContentSource?: VolumeContentSource;
  accessibilityRequirements?: TopologyRequirement;
  mutableParameters?: Record<string, string>;
}

export interface CreateVolumeResponse {
  volume: Volume;
}

export interface DeleteVolumeRequest {
  volumeId: string;
  secrets?: Record<string, string>;
}

export interface ControllerPublishVolumeRequest {
  volumeId: string;
  /** `NodeGetInfoResponse.nodeId` of the node to attach to. */
  nodeId: string;
  volumeCapability: VolumeCapability;
  readonly: boolean;
  secrets?: Record<string, string>;
  volumeContext?: Record<string, string>;
}

export interface ControllerPublishVolumeResponse {
  /** Handed to NodeStage/NodePublish on that node (VolumeAttachment `status.attachmentMetadata`). */
  publishContext?: Record<string, string>;
}

export interface ControllerUnpublishVolumeRequest {
  volumeId: string;
  /** Empty: unpublish from every node. */
  nodeId?: string;
  secrets?: Record<string, string>;
}

export interface ValidateVolumeCapabilitiesRequest {
  volumeId: string;
  volumeContext?: Record<string, string>;
  volumeCapabilities: VolumeCapability[];
  parameters?: Record<string, string>;
  secrets?: Record<string, string>;
}

export interface ValidateVolumeCapabilitiesResponse {
  /** Set only when every requested capability is supported. */
  confirmed?: { volumeContext?: Record<string, string>; volumeCapabilities: VolumeCapability[]; parameters?: Record<string, string> };
  /** Why not, when `confirmed` is unset. */
  message?: string;
}

export interface PagingRequest {
  /** 0 or unset: no limit. Negative: INVALID_ARGUMENT. */
  maxEntries?: number;
  /** A `nextToken` from an earlier answer; an unknown one is ABORTED. */
  startingToken?: string;
}

export interface VolumeStatus {
  publishedNodeIds?: string[];
  volumeCondition?: VolumeCondition;
}

export interface ListVolumesResponse {
  entries: { volume: Volume; status?: VolumeStatus }[];
  nextToken?: string;
}

export interface GetCapacityRequest {
  volumeCapabilities?: VolumeCapability[];
  parameters?: Record<string, string>;
  /** Capacity of this topology segment (a node, for node-local drivers); unset: overall. */
  accessibleTopology?: Topology;
  mutableParameters?: Record<string, string>;
}

export interface GetCapacityResponse {
  availableCapacity: number;
  maximumVolumeSize?: number;
  minimumVolumeSize?: number;
}

export type ControllerCapability =
  | "CREATE_DELETE_VOLUME"
  | "PUBLISH_UNPUBLISH_VOLUME"
  | "LIST_VOLUMES"
  | "GET_CAPACITY"
  | "CREATE_DELETE_SNAPSHOT"
  | "LIST_SNAPSHOTS"
  | "CLONE_VOLUME"
  | "PUBLISH_READONLY"
  | "EXPAND_VOLUME"
  | "LIST_VOLUMES_PUBLISHED_NODES"
  | "VOLUME_CONDITION"
  | "GET_VOLUME"
  | "SINGLE_NODE_MULTI_WRITER"
  | "MODIFY_VOLUME";

export interface ControllerGetCapabilitiesResponse {
  capabilities: { rpc: { type: ControllerCapability } }[];
}

export interface CreateSnapshotRequest {
  sourceVolumeId: string;
  /** Idempotency key (external-snapshotter: `snapshot-<VolumeSnapshot uid>`). */
  name: string;
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
}

export interface CreateSnapshotResponse {
  snapshot: Snapshot;
}

export interface DeleteSnapshotRequest {
  snapshotId: string;
  secrets?: Record<string, string>;
}

export interface ListSnapshotsRequest extends PagingRequest {
  sourceVolumeId?: string;
  snapshotId?: string;
  secrets?: Record<string, string>;
}

export interface ListSnapshotsResponse {
  entries: { snapshot: Snapshot }[];
  nextToken?: string;
}

export interface ControllerExpandVolumeRequest {
  volumeId: string;
  capacityRange: CapacityRange;
  secrets?: Record<string, string>;
  volumeCapability?: VolumeCapability;
}

export interface ControllerExpandVolumeResponse {
  capacityBytes: number;
  /** True: the kubelet must also call NodeExpandVolume (the PVC shows FileSystemResizePending). */
  nodeExpansionRequired: boolean;
}

export interface ControllerGetVolumeResponse {
  volume: Volume;
  status: VolumeStatus;
}

// ---- Node ----

export interface NodeStageVolumeRequest {
  volumeId: string;
  publishContext?: Record<string, string>;
  /** `/var/lib/kubelet/plugins/kubernetes.io/csi/<driver>/<sha256(volumeHandle)>/globalmount`. */
  stagingTargetPath: string;
  volumeCapability: VolumeCapability;
  secrets?: Record<string, string>;
  volumeContext?: Record<string, string>;
}

export interface NodeUnstageVolumeRequest {
  volumeId: string;
  stagingTargetPath: string;
}

export interface NodePublishVolumeRequest {
  volumeId: string;
  publishContext?: Record<string, string>;
  /** Set when the driver has STAGE_UNSTAGE_VOLUME. */
  stagingTargetPath?: string;
  /** `/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~csi/<volume>/mount`. */
  targetPath: string;
  volumeCapability: VolumeCapability;
  readonly: boolean;
  secrets?: Record<string, string>;
  /**
   * The PV's volumeAttributes, plus what the kubelet adds when `podInfoOnMount`
   * (`csi.storage.k8s.io/pod.name`, `.../pod.namespace`, `.../pod.uid`,
   * `.../serviceAccount.name`) and for inline volumes `csi.storage.k8s.io/ephemeral: "true"`.
   */
  volumeContext?: Record<string, string>;
}

export interface NodeUnpublishVolumeRequest {
  volumeId: string;
  targetPath: string;
}

export interface VolumeUsage {
  available?: number;
  total?: number;
  used?: number;
  unit: "BYTES" | "INODES";
}

export interface NodeGetVolumeStatsRequest {
  volumeId: string;
  volumePath: string;
  stagingTargetPath?: string;
}

export interface NodeGetVolumeStatsResponse {
  usage: VolumeUsage[];
  volumeCondition?: VolumeCondition;
}

export interface NodeExpandVolumeRequest {
  volumeId: string;
  volumePath: string;
  capacityRange?: CapacityRange;
  stagingTargetPath?: string;
  volumeCapability?: VolumeCapability;
  secrets?: Record<string, string>;
}

export interface NodeExpandVolumeResponse {
  capacityBytes?: number;
}

export type NodeCapability = "STAGE_UNSTAGE_VOLUME" | "GET_VOLUME_STATS" | "EXPAND_VOLUME" | "VOLUME_CONDITION" | "SINGLE_NODE_MULTI_WRITER" | "VOLUME_MOUNT_GROUP";

export interface NodeGetCapabilitiesResponse {
  capabilities: { rpc: { type: NodeCapability } }[];
}

export interface NodeGetInfoResponse {
  /** The node's id in the storage system (CSINode `drivers[].nodeID`, ControllerPublish's `nodeId`). */
  nodeId: string;
  /** 0 or unset: no limit (CSINode `drivers[].allocatable.count`). */
  maxVolumesPerNode?: number;
  /** The node's segments; their keys become CSINode `topologyKeys` and Node labels. */
  accessibleTopology?: Topology;
}
