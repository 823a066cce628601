import type { PersistentVolume } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validatePersistentVolumeName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { validateAccessModes, validateStorageQuantity } from "./volume-claim-validation.js";
import { writable } from "./writable.js";

export const PERSISTENT_VOLUME_DESCRIPTOR = coreDescriptor({ kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false, shortNames: ["pv"], subresources: ["status"] });

const SUPPORTED_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"] as const;
const SUPPORTED_VOLUME_MODES = ["Block", "Filesystem"] as const;
const PV_SOURCE_FIELDS = [
  "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume",
  "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi",
] as const;

function sourceOf(pv: PersistentVolume): Record<string, unknown> {
  const spec = (pv.spec ?? {}) as Record<string, unknown>;
  const source: Record<string, unknown> = {};
  for (const f of PV_SOURCE_FIELDS) if (spec[f] !== undefined) source[f] = spec[f];
  return source;
}

function validatePVSpec(pv: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pv.spec ?? {};
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  const storage = spec.capacity?.["storage"];
  if (!spec.capacity || Object.keys(spec.capacity).length === 0) errs.push(fieldError.required("spec.capacity"));
  else if (storage === undefined || Object.keys(spec.capacity).length !== 1) errs.push(fieldError.notSupported("spec.capacity", Object.keys(spec.capacity), ["storage"]));
  else errs.push(...validateStorageQuantity(storage, "spec.capacity[storage]"));
  const sources = Object.keys(sourceOf(pv));
  if (sources.length === 0) errs.push(fieldError.required("spec", "must specify a volume type"));
  else if (sources.length > 1) errs.push(fieldError.forbidden(`spec.${sources[1]}`, "may not specify more than 1 volume type"));
  if (spec.persistentVolumeReclaimPolicy && !(SUPPORTED_RECLAIM_POLICIES as readonly string[]).includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(fieldError.notSupported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, SUPPORTED_RECLAIM_POLICIES));
  }
  if (spec.volumeMode && !(SUPPORTED_VOLUME_MODES as readonly string[]).includes(spec.volumeMode)) {
    errs.push(fieldError.notSupported("spec.volumeMode", spec.volumeMode, SUPPORTED_VOLUME_MODES));
  }
  if (spec.hostPath && spec.persistentVolumeReclaimPolicy === "Recycle" && (spec.hostPath.path === "/" || spec.hostPath.path === "/*")) {
    errs.push(fieldError.forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"));
  }
  return errs;
}

/** PersistentVolumes: SetDefaults_PersistentVolume and persistentvolumeStrategy. */
export const PERSISTENT_VOLUME_TYPE = typeRegistration<PersistentVolume>(PERSISTENT_VOLUME_DESCRIPTOR, {
  defaults(pv) {
    const spec = (pv.spec ??= {});
    spec.persistentVolumeReclaimPolicy ||= "Retain";
    spec.volumeMode ||= "Filesystem";
  },
  prepareForCreate(pv) {
    writable(pv).status = { phase: "Pending" };
  },
  prepareForUpdate(pv, old) {
    writable(pv).status = old.status;
  },
  prepareForStatusUpdate(pv, old) {
    pv.spec = old.spec;
  },
  validate(pv) {
    const errs = validateObjectMeta(pv.metadata, { namespaced: false, nameValidator: validatePersistentVolumeName });
    errs.push(...validatePVSpec(pv));
    return errs;
  },
  validateUpdate(pv, old) {
    const errs = validateObjectMetaUpdate(pv.metadata, old.metadata);
    errs.push(...validatePVSpec(pv));
    if (!semanticEqual(sourceOf(pv), sourceOf(old))) errs.push(fieldError.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
    if ((pv.spec?.volumeMode ?? "") !== (old.spec?.volumeMode ?? "")) errs.push(fieldError.immutable("spec.volumeMode", pv.spec?.volumeMode));
    return errs;
  },
  validateStatusUpdate(pv, old) {
    return validateObjectMetaUpdate(pv.metadata, old.metadata);
  },
});
