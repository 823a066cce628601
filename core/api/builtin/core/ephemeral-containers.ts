import type { Container, EphemeralContainer, Pod } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import type { KubeObject } from "../../object.js";
import type { SubresourceUpdate } from "../../strategy.js";
import { writable } from "./writable.js";
import { validateContainer } from "./container-validation.js";
import { defaultPodSpec } from "./pod-spec-defaults.js";

/** The fields an ephemeral container may set (allowedEphemeralContainerFields); the others are refused. */
const ALLOWED = new Set(["name", "image", "command", "args", "workingDir", "env", "envFrom", "volumeMounts", "volumeDevices", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty", "targetContainerName"]);

/** Go's zero value of a field (what validateFieldAllowList lets through): unset, empty, false, 0. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.values(v as object).every(isZero);
}

/**
 * Checks of the ephemeral containers a pods/ephemeralcontainers update leaves (validation's
 * validateEphemeralContainers and ValidatePodEphemeralContainersUpdate): none on a static pod's
 * mirror, none removed or changed, names unique across every container of the pod, a
 * `targetContainerName` naming one of the pod's containers, only the allowed fields, no subPath
 * mounts, and each container's own checks.
 */
export function validateEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  if (old.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined) return [fieldError.forbidden("", "static pods do not support ephemeral containers")];
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const path = "spec.ephemeralContainers";
  const eph = pod.spec?.ephemeralContainers ?? [];
  const others = new Set([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name));
  const volumes = new Set((pod.spec?.volumes ?? []).map((v) => v.name));
  const names = new Set<string>();
  eph.forEach((ec, i) => {
    const at = `${path}[${i}]`;
    for (const e of validateContainer(ec as Container, at, { volumes, names, init: false })) errs.push(e);
    if (ec.name && others.has(ec.name)) errs.push(fieldError.duplicate(`${at}.name`, ec.name));
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) errs.push(fieldError.notFound(`${at}.targetContainerName`, ec.targetContainerName));
    for (const key of Object.keys(ec)) if (!ALLOWED.has(key) && !isZero((ec as unknown as Record<string, unknown>)[key])) errs.push(fieldError.forbidden(`${at}.${key}`, "cannot be set for an Ephemeral Container"));
    (ec.volumeMounts ?? []).forEach((vm, j) => {
      if (vm.subPath) errs.push(fieldError.forbidden(`${at}.volumeMounts[${j}].subPath`, "cannot be set for an Ephemeral Container"));
      if (vm.subPathExpr) errs.push(fieldError.forbidden(`${at}.volumeMounts[${j}].subPathExpr`, "cannot be set for an Ephemeral Container"));
    });
  });
  const byName = new Map(eph.map((ec) => [ec.name, ec]));
  for (const before of old.spec?.ephemeralContainers ?? []) {
    const now = byName.get(before.name);
    if (!now) errs.push(fieldError.forbidden(path, `existing ephemeral containers "${before.name}" may not be removed\n`));
    else if (!semanticEqual(before, now)) errs.push(fieldError.forbidden(`${path}[${before.name}]`, `existing ephemeral containers "${before.name}" may not be changed\n`));
  }
  return errs;
}

/**
 * pods/ephemeralcontainers (podEphemeralContainersStrategy): an update changes nothing but
 * `spec.ephemeralContainers` (the new ones defaulted as a pod's containers are): the rest of the
 * spec, the metadata and the status stay as stored.
 */
export const EPHEMERAL_CONTAINERS_UPDATE: SubresourceUpdate<Pod & KubeObject> = {
  prepare(pod, old, _ctx, sent) {
    const wanted = (sent?.spec as Pod["spec"] | undefined)?.ephemeralContainers;
    const ephemeralContainers: EphemeralContainer[] | undefined = wanted ? wanted.map((c) => ({ ...c })) : undefined;
    if (ephemeralContainers) defaultPodSpec({ containers: [], ephemeralContainers, hostNetwork: old.spec?.hostNetwork ?? false });
    const spec = { ...old.spec! };
    if (ephemeralContainers?.length) spec.ephemeralContainers = ephemeralContainers;
    else delete spec.ephemeralContainers;
    pod.spec = spec;
    writable(pod).status = old.status;
    // Labels, annotations and the rest of the metadata stay as stored (dropNonEphemeralContainerUpdates).
    pod.metadata = { ...old.metadata, ...(pod.metadata?.resourceVersion !== undefined ? { resourceVersion: pod.metadata.resourceVersion } : {}) };
  },
  validate: (pod, old) => validateEphemeralContainersUpdate(pod, old),
};
