import * as apps from "./apps-printers.js";
import * as batch from "./batch-printers.js";
import * as core from "./core-printers.js";
import * as networking from "./networking-printers.js";
import * as storage from "./storage-printers.js";
import * as other from "./access-and-scheduling-printers.js";
import { podPrinter } from "./pod-printer.js";
import { apiServicePrinter } from "./api-service-printer.js";
import { componentStatusPrinter } from "./component-status-printer.js";
import * as admission from "./admission-printers.js";
import type { TablePrinter } from "./printer.js";

/**
 * kube-apiserver's table printers by `group/Kind` (core group: `/Pod`). Kinds not listed are
 * printed by the default table convertor (Name, Created At), as upstream does for Roles,
 * ClusterRoles, LimitRanges and CustomResourceDefinitions.
 */
export const BUILT_IN_PRINTERS: ReadonlyMap<string, TablePrinter> = new Map<string, TablePrinter>([
  ["/Pod", podPrinter],
  ["/PodTemplate", core.podTemplatePrinter],
  ["/Service", core.servicePrinter],
  ["/Node", core.nodePrinter],
  ["/Namespace", core.namespacePrinter],
  ["/ConfigMap", core.configMapPrinter],
  ["/Secret", core.secretPrinter],
  ["/ServiceAccount", core.serviceAccountPrinter],
  ["/Event", core.eventPrinter],
  ["/Endpoints", core.endpointsPrinter],
  ["/PersistentVolume", core.persistentVolumePrinter],
  ["/PersistentVolumeClaim", core.persistentVolumeClaimPrinter],
  ["/ResourceQuota", core.resourceQuotaPrinter],
  ["/ReplicationController", core.replicationControllerPrinter],
  ["apps/Deployment", apps.deploymentPrinter],
  ["apps/ReplicaSet", apps.replicaSetPrinter],
  ["apps/DaemonSet", apps.daemonSetPrinter],
  ["apps/StatefulSet", apps.statefulSetPrinter],
  ["apps/ControllerRevision", apps.controllerRevisionPrinter],
  ["batch/Job", batch.jobPrinter],
  ["batch/CronJob", batch.cronJobPrinter],
  ["networking.k8s.io/Ingress", networking.ingressPrinter],
  ["networking.k8s.io/IngressClass", networking.ingressClassPrinter],
  ["networking.k8s.io/NetworkPolicy", networking.networkPolicyPrinter],
  ["discovery.k8s.io/EndpointSlice", networking.endpointSlicePrinter],
  ["storage.k8s.io/StorageClass", storage.storageClassPrinter],
  ["storage.k8s.io/CSIDriver", storage.csiDriverPrinter],
  ["storage.k8s.io/CSINode", storage.csiNodePrinter],
  ["storage.k8s.io/CSIStorageCapacity", storage.csiStorageCapacityPrinter],
  ["storage.k8s.io/VolumeAttachment", storage.volumeAttachmentPrinter],
  ["coordination.k8s.io/Lease", other.leasePrinter],
  ["autoscaling/HorizontalPodAutoscaler", other.horizontalPodAutoscalerPrinter],
  ["policy/PodDisruptionBudget", other.podDisruptionBudgetPrinter],
  ["rbac.authorization.k8s.io/RoleBinding", other.roleBindingPrinter],
  ["rbac.authorization.k8s.io/ClusterRoleBinding", other.clusterRoleBindingPrinter],
  ["scheduling.k8s.io/PriorityClass", other.priorityClassPrinter],
  ["node.k8s.io/RuntimeClass", other.runtimeClassPrinter],
  ["certificates.k8s.io/CertificateSigningRequest", other.certificateSigningRequestPrinter],
  ["apiregistration.k8s.io/APIService", apiServicePrinter],
  ["/ComponentStatus", componentStatusPrinter],
  ["admissionregistration.k8s.io/MutatingWebhookConfiguration", admission.mutatingWebhookConfigurationPrinter],
  ["admissionregistration.k8s.io/ValidatingWebhookConfiguration", admission.validatingWebhookConfigurationPrinter],
  ["admissionregistration.k8s.io/ValidatingAdmissionPolicy", admission.validatingAdmissionPolicyPrinter],
  ["admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding", admission.validatingAdmissionPolicyBindingPrinter],
]);
