/**
 * The list and patch semantics Kubernetes declares with Go struct tags (`patchStrategy`,
 * `patchMergeKey`, `+listType`, `+listMapKey`), which kubernetes-types' .d.ts files do not carry.
 * Keyed by `<OpenAPI definition name>.<field>`. Used by the schema generator only; kubectl's
 * strategic merge patch and server-side apply read these extensions from the OpenAPI documents.
 */
export interface ListSemantics {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: "atomic" | "set" | "map";
  listMapKeys?: string[];
}

const CORE = "io.k8s.api.core.v1";
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

const byName = (key: string): ListSemantics => ({ patchStrategy: "merge", patchMergeKey: key, listType: "map", listMapKeys: [key] });
const conditions: ListSemantics = byName("type");
const atomic: ListSemantics = { listType: "atomic" };

export const LIST_SEMANTICS: Readonly<Record<string, ListSemantics>> = {
  [`${META}.ObjectMeta.finalizers`]: { patchStrategy: "merge", listType: "set" },
  [`${META}.ObjectMeta.ownerReferences`]: byName("uid"),
  [`${META}.ObjectMeta.managedFields`]: atomic,
  [`${META}.LabelSelector.matchExpressions`]: atomic,
  [`${META}.LabelSelectorRequirement.values`]: atomic,

  [`${CORE}.PodSpec.containers`]: byName("name"),
  [`${CORE}.PodSpec.initContainers`]: byName("name"),
  [`${CORE}.PodSpec.ephemeralContainers`]: byName("name"),
  [`${CORE}.PodSpec.volumes`]: { ...byName("name"), patchStrategy: "merge,retainKeys" },
  [`${CORE}.PodSpec.imagePullSecrets`]: byName("name"),
  [`${CORE}.PodSpec.hostAliases`]: byName("ip"),
  [`${CORE}.PodSpec.tolerations`]: atomic,
  [`${CORE}.PodSpec.readinessGates`]: atomic,
  [`${CORE}.PodSpec.topologySpreadConstraints`]: { patchStrategy: "merge", patchMergeKey: "topologyKey", listType: "map", listMapKeys: ["topologyKey", "whenUnsatisfiable"] },
  [`${CORE}.PodSpec.resourceClaims`]: { ...byName("name"), patchStrategy: "merge,retainKeys" },
  [`${CORE}.PodSpec.schedulingGates`]: byName("name"),
  [`${CORE}.PodStatus.conditions`]: conditions,
  [`${CORE}.PodStatus.podIPs`]: byName("ip"),
  [`${CORE}.PodStatus.hostIPs`]: byName("ip"),
  [`${CORE}.PodStatus.containerStatuses`]: atomic,
  [`${CORE}.PodStatus.initContainerStatuses`]: atomic,
  [`${CORE}.PodStatus.ephemeralContainerStatuses`]: atomic,
  ...containerLists("Container"),
  ...containerLists("EphemeralContainer"),
  [`${CORE}.ResourceRequirements.claims`]: { listType: "map", listMapKeys: ["name"] },
  [`${CORE}.ServiceSpec.ports`]: { patchStrategy: "merge", patchMergeKey: "port", listType: "map", listMapKeys: ["port", "protocol"] },
  [`${CORE}.ServiceSpec.clusterIPs`]: atomic,
  [`${CORE}.ServiceSpec.externalIPs`]: atomic,
  [`${CORE}.ServiceSpec.ipFamilies`]: atomic,
  [`${CORE}.ServiceStatus.conditions`]: conditions,
  [`${CORE}.NodeSpec.podCIDRs`]: { patchStrategy: "merge", listType: "set" },
  [`${CORE}.NodeSpec.taints`]: atomic,
  [`${CORE}.NodeStatus.conditions`]: conditions,
  [`${CORE}.NodeStatus.addresses`]: conditions,
  [`${CORE}.NodeStatus.images`]: atomic,
  [`${CORE}.NodeStatus.volumesAttached`]: atomic,
  [`${CORE}.NodeStatus.volumesInUse`]: atomic,
  [`${CORE}.NamespaceStatus.conditions`]: conditions,
  [`${CORE}.PersistentVolumeClaimStatus.conditions`]: conditions,
  [`${CORE}.ReplicationControllerStatus.conditions`]: conditions,
  [`${CORE}.ServiceAccount.secrets`]: byName("name"),
  [`${CORE}.ServiceAccount.imagePullSecrets`]: atomic,
  [`${CORE}.EndpointSubset.addresses`]: atomic,
  [`${CORE}.EndpointSubset.notReadyAddresses`]: atomic,
  [`${CORE}.EndpointSubset.ports`]: atomic,
  [`${CORE}.Endpoints.subsets`]: atomic,
  [`${CORE}.LimitRangeSpec.limits`]: atomic,

  "io.k8s.api.apps.v1.DeploymentSpec.strategy": { patchStrategy: "retainKeys" },
  "io.k8s.api.apps.v1.DeploymentStatus.conditions": conditions,
  "io.k8s.api.apps.v1.ReplicaSetStatus.conditions": conditions,
  "io.k8s.api.apps.v1.DaemonSetStatus.conditions": conditions,
  "io.k8s.api.apps.v1.StatefulSetStatus.conditions": conditions,
  "io.k8s.api.apps.v1.StatefulSetSpec.volumeClaimTemplates": atomic,
  "io.k8s.api.batch.v1.JobStatus.conditions": { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" },
  "io.k8s.api.batch.v1.CronJobStatus.active": atomic,
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec.metrics": atomic,
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.conditions": conditions,
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.currentMetrics": atomic,
  "io.k8s.api.policy.v1.PodDisruptionBudgetStatus.conditions": conditions,
  "io.k8s.api.networking.v1.NetworkPolicySpec.ingress": atomic,
  "io.k8s.api.networking.v1.NetworkPolicySpec.egress": atomic,
  "io.k8s.api.networking.v1.NetworkPolicySpec.policyTypes": atomic,
  "io.k8s.api.networking.v1.IngressSpec.rules": atomic,
  "io.k8s.api.networking.v1.IngressSpec.tls": atomic,
  "io.k8s.api.discovery.v1.EndpointSlice.endpoints": atomic,
  "io.k8s.api.discovery.v1.EndpointSlice.ports": atomic,
  "io.k8s.api.rbac.v1.Role.rules": atomic,
  "io.k8s.api.rbac.v1.ClusterRole.rules": atomic,
  "io.k8s.api.rbac.v1.RoleBinding.subjects": atomic,
  "io.k8s.api.rbac.v1.ClusterRoleBinding.subjects": atomic,
};

function containerLists(type: string): Record<string, ListSemantics> {
  return {
    [`${CORE}.${type}.ports`]: { patchStrategy: "merge", patchMergeKey: "containerPort", listType: "map", listMapKeys: ["containerPort", "protocol"] },
    [`${CORE}.${type}.env`]: byName("name"),
    [`${CORE}.${type}.envFrom`]: atomic,
    [`${CORE}.${type}.volumeMounts`]: { ...byName("mountPath") },
    [`${CORE}.${type}.volumeDevices`]: { ...byName("devicePath") },
    [`${CORE}.${type}.resizePolicy`]: atomic,
  };
}
