import type { Pod, PodStatus } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateNodeName, validatePodName } from "../../validation/names.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { defaultPodOnlyFields, defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import { validatePodSpecUpdate } from "./pod-update-validation.js";
import { podQOSClass } from "./qos.js";
import { EPHEMERAL_CONTAINERS_UPDATE } from "./ephemeral-containers.js";
import { writable } from "./writable.js";
import { isValidIP } from "../../validation/ip-address.js";

export const POD_DESCRIPTOR = coreDescriptor({
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  subresources: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"],
});

/** Pods: SetDefaults_Pod, podStrategy and podStatusStrategy of pkg/registry/core/pod. */
export const POD_TYPE = typeRegistration<Pod>(POD_DESCRIPTOR, {
  returnDeletedObject: true,
  defaults(pod) {
    pod.spec ??= { containers: [] };
    defaultPodSpec(pod.spec);
    defaultPodOnlyFields(pod.spec);
    // spec.priority and spec.preemptionPolicy come from the Priority admission plugin.
  },
  prepareForCreate(pod) {
    const status: PodStatus = { phase: "Pending", qosClass: podQOSClass(pod.spec ?? { containers: [] }) };
    writable(pod).status = status;
    if (pod.spec?.schedulingGates?.length) {
      status.conditions = [{ type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" }];
    }
  },
  prepareForUpdate(pod, old) {
    writable(pod).status = old.status;
  },
  prepareForStatusUpdate(pod, old) {
    pod.spec = old.spec;
    if (pod.metadata && old.metadata) {
      writable(pod.metadata).deletionTimestamp = old.metadata.deletionTimestamp;
      pod.metadata.ownerReferences = old.metadata.ownerReferences;
    }
  },
  validate(pod) {
    const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameValidator: validatePodName });
    errs.push(...validatePodSpec(pod.spec, "spec"));
    if (pod.spec?.ephemeralContainers?.length) errs.push(fieldError.forbidden("spec.ephemeralContainers", "cannot be set on create"));
    return errs;
  },
  validateUpdate(pod, old) {
    const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
    if (pod.spec && old.spec) errs.push(...validatePodSpecUpdate(pod.spec, old.spec));
    return errs;
  },
  validateStatusUpdate(pod, old) {
    const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
    errs.push(...validatePodStatus(pod));
    return errs;
  },
  subresourceUpdates: { ephemeralcontainers: EPHEMERAL_CONTAINERS_UPDATE },
  fieldSelectors: {
    "spec.nodeName": (p) => p.spec?.nodeName ?? "",
    "spec.restartPolicy": (p) => p.spec?.restartPolicy ?? "",
    "spec.schedulerName": (p) => p.spec?.schedulerName ?? "",
    "spec.serviceAccountName": (p) => p.spec?.serviceAccountName ?? "",
    "spec.hostNetwork": (p) => String(p.spec?.hostNetwork === true),
    "status.phase": (p) => p.status?.phase ?? "",
    "status.podIP": (p) => p.status?.podIPs?.[0]?.ip ?? p.status?.podIP ?? "",
    "status.podIPs": (p) => p.status?.podIPs?.[0]?.ip ?? p.status?.podIP ?? "",
    "status.nominatedNodeName": (p) => p.status?.nominatedNodeName ?? "",
  },
});

/** The checks ValidatePodStatusUpdate makes on status fields. */
function validatePodStatus(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = pod.status;
  if (!status) return errs;
  if (status.nominatedNodeName) {
    for (const m of validateNodeName(status.nominatedNodeName, false)) errs.push(fieldError.invalid("status.nominatedNodeName", status.nominatedNodeName, m));
  }
  const podIPs = status.podIPs ?? [];
  for (let i = 0; i < podIPs.length; i++) {
    const ip = podIPs[i]!.ip;
    if (!ip || !isValidIP(ip)) errs.push(fieldError.invalid(`status.podIPs[${i}]`, ip ?? "", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  if (status.podIP && podIPs.length > 0 && podIPs[0]!.ip !== status.podIP) {
    errs.push(fieldError.invalid("status.podIPs[0]", podIPs[0]!.ip, "must match status.podIP"));
  }
  if (status.hostIP && !isValidIP(status.hostIP)) errs.push(fieldError.invalid("status.hostIP", status.hostIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  return errs;
}
