import type { Namespace, PersistentVolumeClaim, Service } from "kubernetes-types/core/v1.js";
import { bool, family, one, optional, unixSeconds } from "../family.js";
import type { ResourceMetrics } from "../metrics-store.js";
import { resourceSamples } from "./resources.js";
import { createdFamily, labelsFamily } from "./workloads.js";

/** kube-state-metrics' service families (internal/store/service.go). */
export const serviceMetrics: ResourceMetrics<Service> = {
  resource: "services",
  kind: "Service",
  defaultKeys: ["namespace", "service", "uid"],
  defaultValues: (s) => [s.metadata?.namespace ?? "", s.metadata?.name ?? "", s.metadata?.uid ?? ""],
  families: [
    family<Service>("kube_service_info", "Information about service.", (s) => [{ keys: ["cluster_ip", "external_name", "load_balancer_ip", "external_traffic_policy"], values: [s.spec?.clusterIP ?? "", s.spec?.externalName ?? "", s.spec?.loadBalancerIP ?? "", s.spec?.externalTrafficPolicy ?? ""], value: 1 }]),
    createdFamily<Service>("kube_service"),
    family<Service>("kube_service_spec_type", "Type about service.", (s) => [{ keys: ["type"], values: [s.spec?.type ?? "ClusterIP"], value: 1 }]),
    labelsFamily<Service>("kube_service"),
    family<Service>("kube_service_spec_external_ip", "Service external ips. One series for each ip", (s) => (s.spec?.externalIPs ?? []).map((ip) => ({ keys: ["external_ip"], values: [ip], value: 1 }))),
    family<Service>("kube_service_status_load_balancer_ingress", "Service load balancer ingress status", (s) => (s.status?.loadBalancer?.ingress ?? []).map((i) => ({ keys: ["ip", "hostname"], values: [i.ip ?? "", i.hostname ?? ""], value: 1 }))),
  ],
};

/** kube-state-metrics' namespace families (internal/store/namespace.go). */
export const namespaceMetrics: ResourceMetrics<Namespace> = {
  resource: "namespaces",
  kind: "Namespace",
  defaultKeys: ["namespace"],
  defaultValues: (n) => [n.metadata?.name ?? ""],
  families: [
    createdFamily<Namespace>("kube_namespace"),
    labelsFamily<Namespace>("kube_namespace"),
    family<Namespace>("kube_namespace_status_phase", "kubernetes namespace status phase.", (n) => ["Active", "Terminating"].map((p) => ({ keys: ["phase"], values: [p], value: bool((n.status?.phase ?? "Active") === p) }))),
  ],
};

/** kube-state-metrics' persistentvolumeclaim families (internal/store/persistentvolumeclaim.go). */
export const persistentVolumeClaimMetrics: ResourceMetrics<PersistentVolumeClaim> = {
  resource: "persistentvolumeclaims",
  kind: "PersistentVolumeClaim",
  defaultKeys: ["namespace", "persistentvolumeclaim"],
  defaultValues: (c) => [c.metadata?.namespace ?? "", c.metadata?.name ?? ""],
  families: [
    labelsFamily<PersistentVolumeClaim>("kube_persistentvolumeclaim"),
    family<PersistentVolumeClaim>("kube_persistentvolumeclaim_info", "Information about persistent volume claim.", (c) => [
      { keys: ["storageclass", "volumename", "volumemode"], values: [c.spec?.storageClassName ?? c.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? "", c.spec?.volumeName ?? "", c.spec?.volumeMode ?? ""], value: 1 },
    ]),
    family<PersistentVolumeClaim>("kube_persistentvolumeclaim_status_phase", "The phase the persistent volume claim is currently in.", (c) => (c.status?.phase ? ["Lost", "Bound", "Pending"].map((p) => ({ keys: ["phase"], values: [p], value: bool(c.status!.phase === p) })) : [])),
    family<PersistentVolumeClaim>("kube_persistentvolumeclaim_resource_requests_storage_bytes", "The capacity of storage requested by the persistent volume claim.", (c) => {
      const s = resourceSamples(c.spec?.resources?.requests ? { storage: c.spec.resources.requests["storage"] ?? "0" } : undefined)[0];
      return s ? one(s.value) : [];
    }),
    family<PersistentVolumeClaim>("kube_persistentvolumeclaim_access_mode", "The access mode(s) specified by the persistent volume claim.", (c) => (c.spec?.accessModes ?? []).map((m) => ({ keys: ["access_mode"], values: [m], value: 1 }))),
    createdFamily<PersistentVolumeClaim>("kube_persistentvolumeclaim", false),
    family<PersistentVolumeClaim>("kube_persistentvolumeclaim_deletion_timestamp", "Unix deletion timestamp", (c) => optional(unixSeconds(c.metadata?.deletionTimestamp)), { stable: false }),
  ],
};
