import type { VolumeAttachment } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { STORAGE_V1, validateCSIDriverName } from "./storage-common.js";

type VolumeAttachmentObject = VolumeAttachment & KubeObject;

function validateSpec(va: VolumeAttachment): FieldError[] {
  const spec = va.spec;
  const errs = validateCSIDriverName(spec?.attacher, "spec.attacher");
  if (!spec?.nodeName) errs.push(fieldError.required("spec.nodeName"));
  else for (const m of nameIsDNSSubdomain(spec.nodeName, false)) errs.push(fieldError.invalid("spec.nodeName", spec.nodeName, m));
  const pv = spec?.source?.persistentVolumeName;
  const inline = spec?.source?.inlineVolumeSpec;
  if ((pv === undefined) === (inline === undefined)) errs.push(fieldError.required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
  else if (pv === "") errs.push(fieldError.required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"));
  return errs;
}

/** storage.k8s.io/v1 VolumeAttachment (cluster-scoped); its spec never changes. */
export const VOLUME_ATTACHMENT: ApiTypeRegistration<VolumeAttachmentObject> = {
  descriptor: { ...STORAGE_V1, kind: "VolumeAttachment", plural: "volumeattachments", singular: "volumeattachment", listKind: "VolumeAttachmentList", namespaced: false, shortNames: [], categories: [], subresources: ["status"] },
  strategy: {
    ...specStatusHooks<VolumeAttachmentObject>({ initialStatus: () => ({ attached: false }) }),
    validate: (va) => [...validateObjectMeta(va.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(va)],
    validateUpdate: (va, old) => {
      const errs = [...validateObjectMetaUpdate(va.metadata, old.metadata), ...validateSpec(va)];
      if (!semanticEqual(va.spec, old.spec)) errs.push(fieldError.invalid("spec", va.spec, "field is immutable"));
      return errs;
    },
    validateStatusUpdate: (va, old) => validateObjectMetaUpdate(va.metadata, old.metadata),
  },
};
