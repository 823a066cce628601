import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validatePersistentVolumeClaimName } from "../../validation/names.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { parseQuantity } from "./quantity.js";
import { validateAccessModes, validateStorageQuantity } from "./volume-claim-validation.js";
import { writable } from "./writable.js";

export const PERSISTENT_VOLUME_CLAIM_DESCRIPTOR = coreDescriptor({
  kind: "PersistentVolumeClaim",
  plural: "persistentvolumeclaims",
  namespaced: true,
  shortNames: ["pvc"],
  subresources: ["status"],
});

const SUPPORTED_VOLUME_MODES = ["Block", "Filesystem"] as const;
const SPEC_IMMUTABLE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

function validatePVCSpec(spec: PersistentVolumeClaimSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec ?? {};
  errs.push(...validateAccessModes(s.accessModes, "spec.accessModes"));
  if (s.selector) errs.push(...validateLabelSelector(s.selector, "spec.selector"));
  const storage = s.resources?.requests?.["storage"];
  if (storage === undefined) errs.push(fieldError.required("spec.resources[storage]"));
  else errs.push(...validateStorageQuantity(storage, "spec.resources[storage]"));
  if (s.volumeMode && !(SUPPORTED_VOLUME_MODES as readonly string[]).includes(s.volumeMode)) errs.push(fieldError.notSupported("spec.volumeMode", s.volumeMode, SUPPORTED_VOLUME_MODES));
  return errs;
}

/** PersistentVolumeClaims: SetDefaults_PersistentVolumeClaim(Spec) and persistentvolumeclaimStrategy. */
export const PERSISTENT_VOLUME_CLAIM_TYPE = typeRegistration<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIM_DESCRIPTOR, {
  defaults(pvc) {
    const spec = (pvc.spec ??= {});
    spec.volumeMode ||= "Filesystem";
  },
  prepareForCreate(pvc) {
    writable(pvc).status = { phase: "Pending" };
  },
  prepareForUpdate(pvc, old) {
    writable(pvc).status = old.status;
  },
  prepareForStatusUpdate(pvc, old) {
    pvc.spec = old.spec;
  },
  validate(pvc) {
    const errs = validateObjectMeta(pvc.metadata, { namespaced: true, nameValidator: validatePersistentVolumeClaimName });
    errs.push(...validatePVCSpec(pvc.spec));
    return errs;
  },
  validateUpdate(pvc, old) {
    const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata);
    errs.push(...validatePVCSpec(pvc.spec));
    const spec = pvc.spec ?? {};
    const oldSpec = old.spec ?? {};
    // What may change: requests (growing, once bound), the volume attributes class, and volumeName from unset.
    const bound = old.status?.phase === "Bound";
    const munged: PersistentVolumeClaimSpec = { ...spec, volumeAttributesClassName: oldSpec.volumeAttributesClassName };
    if (bound) munged.resources = oldSpec.resources;
    if (!oldSpec.volumeName) munged.volumeName = oldSpec.volumeName;
    if (!semanticEqual(munged, oldSpec)) errs.push(fieldError.forbidden("spec", SPEC_IMMUTABLE));
    const newStorage = parseQuantity(spec.resources?.requests?.["storage"]);
    const oldStorage = parseQuantity(oldSpec.resources?.requests?.["storage"]);
    if (bound && newStorage !== undefined && oldStorage !== undefined && newStorage < oldStorage) {
      errs.push(fieldError.forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
    }
    return errs;
  },
  validateStatusUpdate(pvc, old) {
    return validateObjectMetaUpdate(pvc.metadata, old.metadata);
  },
});
