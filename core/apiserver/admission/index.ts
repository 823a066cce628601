import type { AdmissionPlugin } from "../admission.js";
import { defaultTolerationSeconds } from "./default-toleration-seconds.js";
import { limitRanger } from "./limit-ranger.js";
import { namespaceLifecycle } from "./namespace-lifecycle.js";
import { resourceQuota } from "./resource-quota.js";
import { serviceAccountAdmission } from "./service-account.js";
import { priorityAdmission } from "./priority.js";
import { runtimeClassAdmission } from "./runtime-class.js";
import { defaultStorageClassAdmission } from "./default-storage-class.js";
import { storageObjectInUseProtection } from "./storage-object-in-use-protection.js";
import { persistentVolumeClaimResize } from "./persistent-volume-claim-resize.js";
import { nodeRestriction } from "./node-restriction.js";
import { podSecurityAdmission } from "./pod-security/index.js";

/**
 * The built-in admission plugins kubesim enables, in kube-apiserver's fixed order
 * (`AllOrderedPlugins`): NamespaceLifecycle, LimitRanger, ServiceAccount, NodeRestriction, PodSecurity, Priority,
 * DefaultTolerationSeconds, DefaultStorageClass, StorageObjectInUseProtection,
 * PersistentVolumeClaimResize, RuntimeClass, ResourceQuota. Mutating hooks of all run before validating ones.
 */
export const BUILT_IN_ADMISSION: AdmissionPlugin[] = [
  namespaceLifecycle,
  limitRanger,
  serviceAccountAdmission(),
  nodeRestriction,
  podSecurityAdmission(),
  priorityAdmission,
  defaultTolerationSeconds(),
  defaultStorageClassAdmission,
  storageObjectInUseProtection,
  persistentVolumeClaimResize,
  runtimeClassAdmission,
  resourceQuota,
];

export { namespaceLifecycle, IMMORTAL_NAMESPACES } from "./namespace-lifecycle.js";
export { limitRanger, LIMIT_RANGER_ANNOTATION } from "./limit-ranger.js";
export { serviceAccountAdmission, DEFAULT_SERVICE_ACCOUNT_NAME, type ServiceAccountAdmissionOptions } from "./service-account.js";
export { defaultTolerationSeconds, DEFAULT_TOLERATION_SECONDS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from "./default-toleration-seconds.js";
export { resourceQuota } from "./resource-quota.js";
export { objectUsage, countResourceName, quotaScopesMatch } from "./quota-usage.js";
export { priorityAdmission } from "./priority.js";
export { runtimeClassAdmission } from "./runtime-class.js";
export { defaultStorageClassAdmission } from "./default-storage-class.js";
export { storageObjectInUseProtection } from "./storage-object-in-use-protection.js";
export { persistentVolumeClaimResize } from "./persistent-volume-claim-resize.js";
export { nodeRestriction } from "./node-restriction.js";
export { podSecurityAdmission, type PodSecurityConfiguration, type PodSecurityAuditEvent } from "./pod-security/index.js";
