import type { Node } from "kubernetes-types/core/v1.js";
import { bool, conditionSamples, family, one, optional, unixSeconds } from "../family.js";
import type { ResourceMetrics } from "../metrics-store.js";
import { resourceSamples } from "./resources.js";
import { labelsFamily } from "./workloads.js";

const ROLE_PREFIX = "node-role.kubernetes.io/";

/** kube-state-metrics' node families (internal/store/node.go). */
export const nodeMetrics: ResourceMetrics<Node> = {
  resource: "nodes",
  kind: "Node",
  defaultKeys: ["node"],
  defaultValues: (n) => [n.metadata?.name ?? ""],
  families: [
    family<Node>("kube_node_deletion_timestamp", "Unix deletion timestamp", (n) => optional(unixSeconds(n.metadata?.deletionTimestamp)), { stable: false }),
    family<Node>("kube_node_created", "Unix creation timestamp", (n) => optional(unixSeconds(n.metadata?.creationTimestamp))),
    family<Node>("kube_node_status_addresses", "Node address information.", (n) => (n.status?.addresses ?? []).map((a) => ({ keys: ["type", "address"], values: [a.type, a.address], value: 1 })), { stable: false }),
    family<Node>("kube_node_info", "Information about a cluster node.", (n) => {
      const info = n.status?.nodeInfo;
      const internalIP = [...(n.status?.addresses ?? [])].reverse().find((a) => a.type === "InternalIP")?.address ?? "";
      return [
        {
          keys: ["kernel_version", "os_image", "container_runtime_version", "kubelet_version", "kubeproxy_version", "provider_id", "pod_cidr", "system_uuid", "internal_ip"],
          values: [info?.kernelVersion ?? "", info?.osImage ?? "", info?.containerRuntimeVersion ?? "", info?.kubeletVersion ?? "", "deprecated", n.spec?.providerID ?? "", n.spec?.podCIDR ?? "", info?.systemUUID ?? "", internalIP],
          value: 1,
        },
      ];
    }),
    labelsFamily<Node>("kube_node"),
    family<Node>("kube_node_role", "The role of a cluster node.", (n) => Object.keys(n.metadata?.labels ?? {}).filter((l) => l.startsWith(ROLE_PREFIX)).map((l) => ({ keys: ["role"], values: [l.slice(ROLE_PREFIX.length)], value: 1 })), { stable: false }),
    family<Node>("kube_node_spec_pod_cidrs", "The pod CIDRs of a cluster node.", (n) => (n.spec?.podCIDRs ?? []).map((c) => ({ keys: ["pod_cidr"], values: [c], value: 1 })), { stable: false }),
    family<Node>("kube_node_spec_taint", "The taint of a cluster node.", (n) => (n.spec?.taints ?? []).map((t) => ({ keys: ["key", "value", "effect"], values: [t.key, t.value ?? "", t.effect], value: 1 }))),
    family<Node>("kube_node_spec_unschedulable", "Whether a node can schedule new pods.", (n) => one(bool(n.spec?.unschedulable ?? false))),
    family<Node>("kube_node_status_allocatable", "The allocatable for different resources of a node that are available for scheduling.", (n) => resourceSamples(n.status?.allocatable)),
    family<Node>("kube_node_status_capacity", "The capacity for different resources of a node.", (n) => resourceSamples(n.status?.capacity)),
    family<Node>("kube_node_status_condition", "The condition of a cluster node.", (n) => (n.status?.conditions ?? []).flatMap((c) => conditionSamples(c.status, ["condition"], [c.type]))),
  ],
};
