/**
 * Patch metadata of the built-in Kubernetes types: for every field whose strategic-merge-patch
 * strategy or server-side-apply list/map type differs from the defaults, the strategy and merge
 * key from the Go struct tags (`patchStrategy:"merge" patchMergeKey:"name"`) and the
 * `+listType` / `+listMapKey` / `+structType` / `+mapType` markers of k8s.io/api, transcribed
 * from k8s.io/api (core/v1, apps/v1, batch/v1, networking/v1, policy/v1, rbac/v1, storage/v1,
 * discovery/v1, coordination/v1, autoscaling/v2, scheduling/v1, node/v1, certificates/v1,
 * admissionregistration/v1) and k8s.io/apimachinery meta/v1.
 *
 * Defaults (fields not listed): objects merge field by field; lists are replaced whole by SMP and
 * atomic for server-side apply. Shared struct types (ObjectMeta, PodSpec, Container,
 * PodTemplateSpec, ...) are declared once and reused by every kind that embeds them.
 */

/** The meta of one field: its SMP strategy and its SSA list/map type. */
export interface FieldMeta {
  /** SMP `patchStrategy` tag. */
  readonly patch?: "merge" | "replace" | "retainKeys" | "merge,retainKeys";
  /** SMP `patchMergeKey` tag. */
  readonly mergeKey?: string;
  /** SSA `+listType`; when absent it is derived from `patch`/`mergeKey` as the OpenAPI converter does. */
  readonly list?: "map" | "set" | "atomic";
  /** SSA `+listMapKey`s when they differ from `[mergeKey]`. */
  readonly keys?: readonly string[];
  /** `+default` values of list-map key fields, used when an item omits the key. */
  readonly keyDefaults?: Readonly<Record<string, unknown>>;
  /** SSA `+mapType=atomic` on this field. */
  readonly atomic?: boolean;
  /** The field's struct type (for lists: the item type). */
  readonly type?: TypeMeta;
}

/** The meta of one struct type. */
export interface TypeMeta {
  /** SSA `+structType=atomic`: owned and replaced as a whole by server-side apply. */
  readonly atomic?: boolean;
  readonly fields?: Readonly<Record<string, FieldMeta>>;
}

const OwnerReference: TypeMeta = { atomic: true };
export const ObjectMeta: TypeMeta = { fields: { ownerReferences: { patch: "merge", mergeKey: "uid", list: "map", type: OwnerReference }, finalizers: { patch: "merge", list: "set" } } };
const ObjectReference: TypeMeta = { atomic: true };
const Binding: TypeMeta = { fields: { metadata: { type: ObjectMeta }, target: { type: ObjectReference } } };
const ComponentStatus: TypeMeta = { fields: { metadata: { type: ObjectMeta }, conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const ConfigMap: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const Endpoints: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const Event: TypeMeta = { fields: { metadata: { type: ObjectMeta }, involvedObject: { type: ObjectReference }, related: { type: ObjectReference } } };
const LimitRange: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const NamespaceStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const Namespace: TypeMeta = { fields: { metadata: { type: ObjectMeta }, status: { type: NamespaceStatus } } };
const NodePodPreemptionPolicy: TypeMeta = { fields: { disableResizePreemption: { list: "set" } } };
const NodeSpec: TypeMeta = { fields: { podCIDRs: { patch: "merge", list: "set" }, podPreemptionPolicy: { type: NodePodPreemptionPolicy } } };
const NodeStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" }, addresses: { patch: "merge", mergeKey: "type", list: "map" } } };
const Node: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: NodeSpec }, status: { type: NodeStatus } } };
const SecretReference: TypeMeta = { atomic: true };
const RBDPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const ISCSIPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const CinderPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const CephFSPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const FlexPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const ScaleIOPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: SecretReference } } };
const StorageOSPersistentVolumeSource: TypeMeta = { fields: { secretRef: { type: ObjectReference } } };
const CSIPersistentVolumeSource: TypeMeta = { fields: { controllerPublishSecretRef: { type: SecretReference }, nodeStageSecretRef: { type: SecretReference }, nodePublishSecretRef: { type: SecretReference }, controllerExpandSecretRef: { type: SecretReference }, nodeExpandSecretRef: { type: SecretReference } } };
const NodeSelector: TypeMeta = { atomic: true };
const VolumeNodeAffinity: TypeMeta = { fields: { required: { type: NodeSelector } } };
const PersistentVolumeSpec: TypeMeta = { fields: { rbd: { type: RBDPersistentVolumeSource }, iscsi: { type: ISCSIPersistentVolumeSource }, cinder: { type: CinderPersistentVolumeSource }, cephfs: { type: CephFSPersistentVolumeSource }, flexVolume: { type: FlexPersistentVolumeSource }, scaleIO: { type: ScaleIOPersistentVolumeSource }, storageos: { type: StorageOSPersistentVolumeSource }, csi: { type: CSIPersistentVolumeSource }, claimRef: { type: ObjectReference }, nodeAffinity: { type: VolumeNodeAffinity } } };
const PersistentVolume: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PersistentVolumeSpec } } };
const LabelSelector: TypeMeta = { atomic: true };
const TypedLocalObjectReference: TypeMeta = { atomic: true };
const PersistentVolumeClaimSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, dataSource: { type: TypedLocalObjectReference } } };
const VolumeHealthStatus: TypeMeta = { fields: { healthConditions: { patch: "merge", mergeKey: "status", list: "map", keys: ["status", "reason"] } } };
const PersistentVolumeClaimStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" }, healthStatus: { type: VolumeHealthStatus } } };
const PersistentVolumeClaim: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PersistentVolumeClaimSpec }, status: { type: PersistentVolumeClaimStatus } } };
const LocalObjectReference: TypeMeta = { atomic: true };
const ISCSIVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const RBDVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const FlexVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const CinderVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const CephFSVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const ScaleIOVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const StorageOSVolumeSource: TypeMeta = { fields: { secretRef: { type: LocalObjectReference } } };
const CSIVolumeSource: TypeMeta = { fields: { nodePublishSecretRef: { type: LocalObjectReference } } };
const PersistentVolumeClaimTemplate: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PersistentVolumeClaimSpec } } };
const EphemeralVolumeSource: TypeMeta = { fields: { volumeClaimTemplate: { type: PersistentVolumeClaimTemplate } } };
const Volume: TypeMeta = { fields: { iscsi: { type: ISCSIVolumeSource }, rbd: { type: RBDVolumeSource }, flexVolume: { type: FlexVolumeSource }, cinder: { type: CinderVolumeSource }, cephfs: { type: CephFSVolumeSource }, scaleIO: { type: ScaleIOVolumeSource }, storageos: { type: StorageOSVolumeSource }, csi: { type: CSIVolumeSource }, ephemeral: { type: EphemeralVolumeSource } } };
const ObjectFieldSelector: TypeMeta = { atomic: true };
const ResourceFieldSelector: TypeMeta = { atomic: true };
const ConfigMapKeySelector: TypeMeta = { atomic: true };
const SecretKeySelector: TypeMeta = { atomic: true };
const FileKeySelector: TypeMeta = { atomic: true };
const EnvVarSource: TypeMeta = { fields: { fieldRef: { type: ObjectFieldSelector }, resourceFieldRef: { type: ResourceFieldSelector }, configMapKeyRef: { type: ConfigMapKeySelector }, secretKeyRef: { type: SecretKeySelector }, fileKeyRef: { type: FileKeySelector } } };
const EnvVar: TypeMeta = { fields: { valueFrom: { type: EnvVarSource } } };
const ResourceRequirements: TypeMeta = { fields: { claims: { list: "map", keys: ["name"] } } };
const VolumeMount: TypeMeta = { fields: { bindMountOptions: { list: "set" } } };
const Container: TypeMeta = { fields: { ports: { patch: "merge", mergeKey: "containerPort", list: "map", keys: ["containerPort", "protocol"], keyDefaults: {protocol: "TCP"} }, env: { patch: "merge", mergeKey: "name", list: "map", type: EnvVar }, resources: { type: ResourceRequirements }, volumeMounts: { patch: "merge", mergeKey: "mountPath", list: "map", type: VolumeMount }, volumeDevices: { patch: "merge", mergeKey: "devicePath", list: "map" } } };
const EphemeralContainer: TypeMeta = { fields: { ports: { patch: "merge", mergeKey: "containerPort", list: "map", keys: ["containerPort", "protocol"], keyDefaults: {protocol: "TCP"} }, env: { patch: "merge", mergeKey: "name", list: "map", type: EnvVar }, resources: { type: ResourceRequirements }, volumeMounts: { patch: "merge", mergeKey: "mountPath", list: "map", type: VolumeMount }, volumeDevices: { patch: "merge", mergeKey: "devicePath", list: "map" } } };
const NodeAffinity: TypeMeta = { fields: { requiredDuringSchedulingIgnoredDuringExecution: { type: NodeSelector } } };
const Affinity: TypeMeta = { fields: { nodeAffinity: { type: NodeAffinity } } };
const TopologySpreadConstraint: TypeMeta = { fields: { labelSelector: { type: LabelSelector } } };
const EvictionResponder: TypeMeta = { atomic: true };
const PodSpec: TypeMeta = { fields: { volumes: { patch: "merge,retainKeys", mergeKey: "name", list: "map", type: Volume }, initContainers: { patch: "merge", mergeKey: "name", list: "map", type: Container }, containers: { patch: "merge", mergeKey: "name", list: "map", type: Container }, ephemeralContainers: { patch: "merge", mergeKey: "name", list: "map", type: EphemeralContainer }, nodeSelector: { atomic: true }, imagePullSecrets: { patch: "merge", mergeKey: "name", list: "map", keyDefaults: {name: ""}, type: LocalObjectReference }, affinity: { type: Affinity }, hostAliases: { patch: "merge", mergeKey: "ip", list: "map" }, topologySpreadConstraints: { patch: "merge", mergeKey: "topologyKey", list: "map", keys: ["topologyKey", "whenUnsatisfiable"], type: TopologySpreadConstraint }, schedulingGates: { patch: "merge", mergeKey: "name", list: "map" }, resourceClaims: { patch: "merge,retainKeys", mergeKey: "name", list: "map" }, resources: { type: ResourceRequirements }, evictionResponders: { patch: "merge", mergeKey: "name", list: "map", type: EvictionResponder } } };
const NodeAllocatableResourceClaimStatus: TypeMeta = { fields: { containers: { list: "set" }, mapping: { patch: "merge", mergeKey: "name", list: "map" }, overhead: { patch: "merge", mergeKey: "name", list: "map" } } };
const PodVolumeHealth: TypeMeta = { fields: { healthConditions: { patch: "merge", mergeKey: "status", list: "map", keys: ["status", "reason"] } } };
const PodStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" }, hostIPs: { patch: "merge", mergeKey: "ip", list: "atomic" }, podIPs: { patch: "merge", mergeKey: "ip", list: "map" }, resourceClaimStatuses: { patch: "merge,retainKeys", mergeKey: "name", list: "map" }, resources: { type: ResourceRequirements }, nodeAllocatableResourceClaimStatuses: { patch: "merge", mergeKey: "resourceClaimName", list: "map", type: NodeAllocatableResourceClaimStatus }, volumeHealth: { list: "map", keys: ["name"], type: PodVolumeHealth } } };
const Pod: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PodSpec }, status: { type: PodStatus } } };
const PodTemplateSpec: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PodSpec } } };
const PodTemplate: TypeMeta = { fields: { metadata: { type: ObjectMeta }, template: { type: PodTemplateSpec } } };
const ReplicationControllerSpec: TypeMeta = { fields: { selector: { atomic: true }, template: { type: PodTemplateSpec } } };
const ReplicationControllerStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const ReplicationController: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ReplicationControllerSpec }, status: { type: ReplicationControllerStatus } } };
const ScopeSelector: TypeMeta = { atomic: true };
const ResourceQuotaSpec: TypeMeta = { fields: { scopeSelector: { type: ScopeSelector } } };
const ResourceQuota: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ResourceQuotaSpec } } };
const Secret: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const ServiceSpec: TypeMeta = { fields: { ports: { patch: "merge", mergeKey: "port", list: "map", keys: ["port", "protocol"], keyDefaults: {protocol: "TCP"} }, selector: { atomic: true } } };
const ServiceStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const Service: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ServiceSpec }, status: { type: ServiceStatus } } };
const ServiceAccount: TypeMeta = { fields: { metadata: { type: ObjectMeta }, secrets: { patch: "merge", mergeKey: "name", list: "map", type: ObjectReference } } };
const ParamKind: TypeMeta = { atomic: true };
const MatchResources: TypeMeta = { atomic: true, fields: { namespaceSelector: { type: LabelSelector }, objectSelector: { type: LabelSelector } } };
const MutatingAdmissionPolicySpec: TypeMeta = { fields: { paramKind: { type: ParamKind }, matchConstraints: { type: MatchResources }, matchConditions: { patch: "merge", mergeKey: "name", list: "map" } } };
const MutatingAdmissionPolicy: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: MutatingAdmissionPolicySpec } } };
const ParamRef: TypeMeta = { atomic: true, fields: { selector: { type: LabelSelector } } };
const MutatingAdmissionPolicyBindingSpec: TypeMeta = { fields: { paramRef: { type: ParamRef }, matchResources: { type: MatchResources } } };
const MutatingAdmissionPolicyBinding: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: MutatingAdmissionPolicyBindingSpec } } };
const MutatingWebhook: TypeMeta = { fields: { namespaceSelector: { type: LabelSelector }, objectSelector: { type: LabelSelector }, matchConditions: { patch: "merge", mergeKey: "name", list: "map" } } };
const MutatingWebhookConfiguration: TypeMeta = { fields: { metadata: { type: ObjectMeta }, webhooks: { patch: "merge", mergeKey: "name", list: "map", type: MutatingWebhook } } };
const Variable: TypeMeta = { atomic: true };
const ValidatingAdmissionPolicySpec: TypeMeta = { fields: { paramKind: { type: ParamKind }, matchConstraints: { type: MatchResources }, matchConditions: { patch: "merge", mergeKey: "name", list: "map" }, variables: { patch: "merge", mergeKey: "name", list: "map", type: Variable } } };
const ValidatingAdmissionPolicyStatus: TypeMeta = { fields: { conditions: { list: "map", keys: ["type"] } } };
const ValidatingAdmissionPolicy: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ValidatingAdmissionPolicySpec }, status: { type: ValidatingAdmissionPolicyStatus } } };
const ValidatingAdmissionPolicyBindingSpec: TypeMeta = { fields: { paramRef: { type: ParamRef }, matchResources: { type: MatchResources }, validationActions: { list: "set" } } };
const ValidatingAdmissionPolicyBinding: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ValidatingAdmissionPolicyBindingSpec } } };
const ValidatingWebhook: TypeMeta = { fields: { namespaceSelector: { type: LabelSelector }, objectSelector: { type: LabelSelector }, matchConditions: { patch: "merge", mergeKey: "name", list: "map" } } };
const ValidatingWebhookConfiguration: TypeMeta = { fields: { metadata: { type: ObjectMeta }, webhooks: { patch: "merge", mergeKey: "name", list: "map", type: ValidatingWebhook } } };
const ControllerRevision: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const DaemonSetSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, template: { type: PodTemplateSpec } } };
const DaemonSetStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const DaemonSet: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: DaemonSetSpec }, status: { type: DaemonSetStatus } } };
const DeploymentSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, template: { type: PodTemplateSpec }, strategy: { patch: "retainKeys" } } };
const DeploymentStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const Deployment: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: DeploymentSpec }, status: { type: DeploymentStatus } } };
const ReplicaSetSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, template: { type: PodTemplateSpec } } };
const ReplicaSetStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const ReplicaSet: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: ReplicaSetSpec }, status: { type: ReplicaSetStatus } } };
const StatefulSetSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, template: { type: PodTemplateSpec } } };
const StatefulSetStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const StatefulSet: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: StatefulSetSpec }, status: { type: StatefulSetStatus } } };
const HorizontalPodAutoscalerStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const HorizontalPodAutoscaler: TypeMeta = { fields: { metadata: { type: ObjectMeta }, status: { type: HorizontalPodAutoscalerStatus } } };
const JobSchedulingConfiguration: TypeMeta = { fields: { resourceClaims: { patch: "merge", mergeKey: "name", list: "map" } } };
const JobSpec: TypeMeta = { fields: { selector: { type: LabelSelector }, template: { type: PodTemplateSpec }, scheduling: { type: JobSchedulingConfiguration } } };
const JobTemplateSpec: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: JobSpec } } };
const CronJobSpec: TypeMeta = { fields: { jobTemplate: { type: JobTemplateSpec } } };
const CronJob: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: CronJobSpec } } };
const UncountedTerminatedPods: TypeMeta = { fields: { succeeded: { list: "set" }, failed: { list: "set" } } };
const JobStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "atomic" }, uncountedTerminatedPods: { type: UncountedTerminatedPods } } };
const Job: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: JobSpec }, status: { type: JobStatus } } };
const CertificateSigningRequestStatus: TypeMeta = { fields: { conditions: { list: "map", keys: ["type"] } } };
const CertificateSigningRequest: TypeMeta = { fields: { metadata: { type: ObjectMeta }, status: { type: CertificateSigningRequestStatus } } };
const ClusterTrustBundle: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const PodCertificateRequestStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const PodCertificateRequest: TypeMeta = { fields: { metadata: { type: ObjectMeta }, status: { type: PodCertificateRequestStatus } } };
const Lease: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const EndpointSlice: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const IPAddress: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const ServiceBackendPort: TypeMeta = { atomic: true };
const IngressServiceBackend: TypeMeta = { fields: { port: { type: ServiceBackendPort } } };
const IngressBackend: TypeMeta = { fields: { service: { type: IngressServiceBackend }, resource: { type: TypedLocalObjectReference } } };
const IngressSpec: TypeMeta = { fields: { defaultBackend: { type: IngressBackend } } };
const Ingress: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: IngressSpec } } };
const IngressClass: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const NetworkPolicySpec: TypeMeta = { fields: { podSelector: { type: LabelSelector } } };
const NetworkPolicy: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: NetworkPolicySpec } } };
const ServiceCIDRStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const ServiceCIDR: TypeMeta = { fields: { metadata: { type: ObjectMeta }, status: { type: ServiceCIDRStatus } } };
const Scheduling: TypeMeta = { fields: { nodeSelector: { atomic: true } } };
const RuntimeClass: TypeMeta = { fields: { metadata: { type: ObjectMeta }, scheduling: { type: Scheduling } } };
const Eviction: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const PodDisruptionBudgetSpec: TypeMeta = { fields: { selector: { patch: "replace", type: LabelSelector } } };
const PodDisruptionBudgetStatus: TypeMeta = { fields: { conditions: { patch: "merge", mergeKey: "type", list: "map" } } };
const PodDisruptionBudget: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: PodDisruptionBudgetSpec }, status: { type: PodDisruptionBudgetStatus } } };
const ClusterRole: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const RoleRef: TypeMeta = { atomic: true };
const ClusterRoleBinding: TypeMeta = { fields: { metadata: { type: ObjectMeta }, roleRef: { type: RoleRef } } };
const Role: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const RoleBinding: TypeMeta = { fields: { metadata: { type: ObjectMeta }, roleRef: { type: RoleRef } } };
const PriorityClass: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const CSIDriverSpec: TypeMeta = { fields: { volumeLifecycleModes: { list: "set" } } };
const CSIDriver: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: CSIDriverSpec } } };
const CSINodeSpec: TypeMeta = { fields: { drivers: { patch: "merge", mergeKey: "name", list: "map" } } };
const CSINodeStatus: TypeMeta = { fields: { storageHealth: { patch: "merge", mergeKey: "name", list: "map" } } };
const CSINode: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: CSINodeSpec }, status: { type: CSINodeStatus } } };
const CSIStorageCapacity: TypeMeta = { fields: { metadata: { type: ObjectMeta }, nodeTopology: { type: LabelSelector } } };
const StorageClass: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const VolumeAttachmentSource: TypeMeta = { fields: { inlineVolumeSpec: { type: PersistentVolumeSpec } } };
const VolumeAttachmentSpec: TypeMeta = { fields: { source: { type: VolumeAttachmentSource } } };
const VolumeAttachment: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: VolumeAttachmentSpec } } };
const VolumeAttributesClass: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
const CustomResourceDefinitionStatus: TypeMeta = { fields: { conditions: { list: "map", keys: ["type"] } } };
const CustomResourceDefinitionSpec: TypeMeta = { fields: { versions: { list: "map", keys: ["name"] } } };
const CustomResourceDefinition: TypeMeta = { fields: { metadata: { type: ObjectMeta }, spec: { type: CustomResourceDefinitionSpec }, status: { type: CustomResourceDefinitionStatus } } };

/** Patch meta per built-in kind. Kinds absent here (custom resources) have no strategic patch meta. */
const PATCH_META_BY_KIND: Readonly<Record<string, TypeMeta>> = {
  Binding,
  ComponentStatus,
  ConfigMap,
  Endpoints,
  Event,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
  MutatingAdmissionPolicy,
  MutatingAdmissionPolicyBinding,
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
  HorizontalPodAutoscaler,
  CronJob,
  Job,
  CertificateSigningRequest,
  ClusterTrustBundle,
  PodCertificateRequest,
  Lease,
  EndpointSlice,
  IPAddress,
  Ingress,
  IngressClass,
  NetworkPolicy,
  ServiceCIDR,
  RuntimeClass,
  Eviction,
  PodDisruptionBudget,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  PriorityClass,
  CSIDriver,
  CSINode,
  CSIStorageCapacity,
  StorageClass,
  VolumeAttachment,
  VolumeAttributesClass,
  CustomResourceDefinition,
};

/** The same, as a map: looked up on every tracked write (a keyed lookup in the large literal was a measurable part of each). */
const PATCH_META = new Map<string, TypeMeta>(Object.entries(PATCH_META_BY_KIND));

/** The patch meta of a built-in kind, or undefined for kinds without one (custom resources). */
export function patchMetaFor(kind: string): TypeMeta | undefined {
  return PATCH_META.get(kind);
}

/** Meta for objects of unknown kinds: ObjectMeta's own strategies only. */
export const UNKNOWN_KIND_META: TypeMeta = { fields: { metadata: { type: ObjectMeta } } };
