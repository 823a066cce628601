import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import { allowedLabels, bool, family, one, optional, ownerSamples, unixSeconds, type FamilyGenerator, type Sample } from "../family.js";
import type { ResourceMetrics } from "../metrics-store.js";

type Workload = Deployment | ReplicaSet | StatefulSet | DaemonSet;

/** `<prefix>_created`: the object's creation time. */
export function createdFamily<T extends { metadata?: { creationTimestamp?: string } }>(prefix: string, stable = true): FamilyGenerator<T> {
  return family<T>(`${prefix}_created`, "Unix creation timestamp", (o) => optional(unixSeconds(o.metadata?.creationTimestamp)), { stable });
}

/** `<prefix>_labels`: the object's labels the allowlist admits. */
export function labelsFamily<T extends { metadata?: { labels?: Record<string, string> } }>(prefix: string): FamilyGenerator<T> {
  return family<T>(`${prefix}_labels`, "Kubernetes labels converted to Prometheus labels.", (o, allow) => allowedLabels(o.metadata?.labels, allow));
}

const nsName = (o: Workload): readonly string[] => [o.metadata?.namespace ?? "", o.metadata?.name ?? ""];

/** An intstr scaled against `total` (`25%` of 4 → 1 rounding down, 2 rounding up), as intstr.GetScaledValueFromIntOrPercent. */
function scaled(v: string | number | undefined, total: number, roundUp: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return undefined;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** kube-state-metrics' deployment families (internal/store/deployment.go). */
export const deploymentMetrics: ResourceMetrics<Deployment> = {
  resource: "deployments",
  kind: "Deployment",
  defaultKeys: ["namespace", "deployment"],
  defaultValues: nsName,
  families: [
    family<Deployment>("kube_deployment_owner", "Information about the Deployment's owner.", (d) => (d.metadata?.ownerReferences?.length ? d.metadata.ownerReferences.map((o) => ({ keys: ["owner_kind", "owner_name"], values: [o.kind, o.name], value: 1 })) : [{ keys: ["owner_kind", "owner_name"], values: ["", ""], value: 1 }]), { stable: false }),
    createdFamily<Deployment>("kube_deployment"),
    family<Deployment>("kube_deployment_status_replicas", "The number of replicas per deployment.", (d) => one(d.status?.replicas ?? 0)),
    family<Deployment>("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment.", (d) => one(d.status?.readyReplicas ?? 0)),
    family<Deployment>("kube_deployment_status_replicas_available", "The number of available replicas per deployment.", (d) => one(d.status?.availableReplicas ?? 0)),
    family<Deployment>("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment.", (d) => one(d.status?.unavailableReplicas ?? 0)),
    family<Deployment>("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.", (d) => one(d.status?.updatedReplicas ?? 0)),
    family<Deployment>("kube_deployment_status_observed_generation", "The generation observed by the deployment controller.", (d) => one(d.status?.observedGeneration ?? 0)),
    family<Deployment>("kube_deployment_status_condition", "The current status conditions of a deployment.", (d) =>
      (d.status?.conditions ?? []).flatMap((c) => ["true", "false", "unknown"].map((s) => ({ keys: ["reason", "condition", "status"], values: [c.reason ?? "", c.type, s], value: bool(c.status.toLowerCase() === s) }))),
    ),
    family<Deployment>("kube_deployment_spec_replicas", "Number of desired pods for a deployment.", (d) => optional(d.spec?.replicas)),
    family<Deployment>("kube_deployment_spec_paused", "Whether the deployment is paused and will not be processed by the deployment controller.", (d) => one(bool(d.spec?.paused ?? false))),
    family<Deployment>("kube_deployment_spec_strategy_rollingupdate_max_unavailable", "Maximum number of unavailable replicas during a rolling update of a deployment.", (d) =>
      d.spec?.strategy?.rollingUpdate && d.spec.replicas !== undefined ? optional(scaled(d.spec.strategy.rollingUpdate.maxUnavailable, d.spec.replicas, false)) : [],
    ),
    family<Deployment>("kube_deployment_spec_strategy_rollingupdate_max_surge", "Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a deployment.", (d) =>
      d.spec?.strategy?.rollingUpdate && d.spec.replicas !== undefined ? optional(scaled(d.spec.strategy.rollingUpdate.maxSurge, d.spec.replicas, true)) : [],
    ),
    family<Deployment>("kube_deployment_metadata_generation", "Sequence number representing a specific generation of the desired state.", (d) => one(d.metadata?.generation ?? 0)),
    family<Deployment>("kube_deployment_deletion_timestamp", "Unix deletion timestamp", (d) => optional(unixSeconds(d.metadata?.deletionTimestamp)), { stable: false }),
    labelsFamily<Deployment>("kube_deployment"),
  ],
};

/** kube-state-metrics' replicaset families (internal/store/replicaset.go). */
export const replicaSetMetrics: ResourceMetrics<ReplicaSet> = {
  resource: "replicasets",
  kind: "ReplicaSet",
  defaultKeys: ["namespace", "replicaset"],
  defaultValues: nsName,
  families: [
    createdFamily<ReplicaSet>("kube_replicaset"),
    family<ReplicaSet>("kube_replicaset_status_replicas", "The number of replicas per ReplicaSet.", (r) => one(r.status?.replicas ?? 0)),
    family<ReplicaSet>("kube_replicaset_status_fully_labeled_replicas", "The number of fully labeled replicas per ReplicaSet.", (r) => one(r.status?.fullyLabeledReplicas ?? 0)),
    family<ReplicaSet>("kube_replicaset_status_ready_replicas", "The number of ready replicas per ReplicaSet.", (r) => one(r.status?.readyReplicas ?? 0)),
    family<ReplicaSet>("kube_replicaset_status_observed_generation", "The generation observed by the ReplicaSet controller.", (r) => one(r.status?.observedGeneration ?? 0)),
    family<ReplicaSet>("kube_replicaset_spec_replicas", "Number of desired pods for a ReplicaSet.", (r) => optional(r.spec?.replicas)),
    family<ReplicaSet>("kube_replicaset_metadata_generation", "Sequence number representing a specific generation of the desired state.", (r) => one(r.metadata?.generation ?? 0)),
    family<ReplicaSet>("kube_replicaset_owner", "Information about the ReplicaSet's owner.", (r) => ownerSamples(r.metadata?.ownerReferences)),
    labelsFamily<ReplicaSet>("kube_replicaset"),
  ],
};

const revision = (rev: string | undefined): Sample[] => [{ keys: ["revision"], values: [rev ?? ""], value: 1 }];

/** kube-state-metrics' statefulset families (internal/store/statefulset.go). */
export const statefulSetMetrics: ResourceMetrics<StatefulSet> = {
  resource: "statefulsets",
  kind: "StatefulSet",
  defaultKeys: ["namespace", "statefulset"],
  defaultValues: nsName,
  families: [
    createdFamily<StatefulSet>("kube_statefulset"),
    family<StatefulSet>("kube_statefulset_status_replicas", "The number of replicas per StatefulSet.", (s) => one(s.status?.replicas ?? 0)),
    family<StatefulSet>("kube_statefulset_status_replicas_available", "The number of available replicas per StatefulSet.", (s) => one(s.status?.availableReplicas ?? 0)),
    family<StatefulSet>("kube_statefulset_status_replicas_current", "The number of current replicas per StatefulSet.", (s) => one(s.status?.currentReplicas ?? 0)),
    family<StatefulSet>("kube_statefulset_status_replicas_ready", "The number of ready replicas per StatefulSet.", (s) => one(s.status?.readyReplicas ?? 0)),
    family<StatefulSet>("kube_statefulset_status_replicas_updated", "The number of updated replicas per StatefulSet.", (s) => one(s.status?.updatedReplicas ?? 0)),
    family<StatefulSet>("kube_statefulset_status_observed_generation", "The generation observed by the StatefulSet controller.", (s) => optional(s.status?.observedGeneration)),
    family<StatefulSet>("kube_statefulset_replicas", "Number of desired pods for a StatefulSet.", (s) => optional(s.spec?.replicas)),
    family<StatefulSet>("kube_statefulset_ordinals_start", "Start ordinal of the StatefulSet.", (s) => (s.spec?.ordinals ? one(s.spec.ordinals.start ?? 0) : [])),
    family<StatefulSet>("kube_statefulset_metadata_generation", "Sequence number representing a specific generation of the desired state for the StatefulSet.", (s) => one(s.metadata?.generation ?? 0)),
    labelsFamily<StatefulSet>("kube_statefulset"),
    family<StatefulSet>("kube_statefulset_status_current_revision", "Indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).", (s) => revision(s.status?.currentRevision)),
    family<StatefulSet>("kube_statefulset_status_update_revision", "Indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)", (s) => revision(s.status?.updateRevision)),
  ],
};

/** kube-state-metrics' daemonset families (internal/store/daemonset.go). */
export const daemonSetMetrics: ResourceMetrics<DaemonSet> = {
  resource: "daemonsets",
  kind: "DaemonSet",
  defaultKeys: ["namespace", "daemonset"],
  defaultValues: nsName,
  families: [
    createdFamily<DaemonSet>("kube_daemonset"),
    family<DaemonSet>("kube_daemonset_status_current_number_scheduled", "The number of nodes running at least one daemon pod and are supposed to.", (d) => one(d.status?.currentNumberScheduled ?? 0)),
    family<DaemonSet>("kube_daemonset_status_desired_number_scheduled", "The number of nodes that should be running the daemon pod.", (d) => one(d.status?.desiredNumberScheduled ?? 0)),
    family<DaemonSet>("kube_daemonset_status_number_available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available", (d) => one(d.status?.numberAvailable ?? 0)),
    family<DaemonSet>("kube_daemonset_status_number_misscheduled", "The number of nodes running a daemon pod but are not supposed to.", (d) => one(d.status?.numberMisscheduled ?? 0)),
    family<DaemonSet>("kube_daemonset_status_number_ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", (d) => one(d.status?.numberReady ?? 0)),
    family<DaemonSet>("kube_daemonset_status_number_unavailable", "The number of nodes that should be running the daemon pod and have none of the daemon pod running and available", (d) => one(d.status?.numberUnavailable ?? 0)),
    family<DaemonSet>("kube_daemonset_status_observed_generation", "The most recent generation observed by the daemon set controller.", (d) => one(d.status?.observedGeneration ?? 0)),
    family<DaemonSet>("kube_daemonset_status_updated_number_scheduled", "The total number of nodes that are running updated daemon pod", (d) => one(d.status?.updatedNumberScheduled ?? 0)),
    family<DaemonSet>("kube_daemonset_metadata_generation", "Sequence number representing a specific generation of the desired state.", (d) => one(d.metadata?.generation ?? 0)),
    family<DaemonSet>("kube_daemonset_deletion_timestamp", "Unix deletion timestamp", (d) => optional(unixSeconds(d.metadata?.deletionTimestamp)), { stable: false }),
    labelsFamily<DaemonSet>("kube_daemonset"),
  ],
};
