import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { isQualifiedName, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { validateEnum } from "../field-checks.js";
import { STORAGE_V1 } from "./storage-common.js";

type StorageClassObject = StorageClass & KubeObject;

const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_BYTES = 256 * 1024;

/** SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(sc: StorageClass): void {
  const draft = sc as { reclaimPolicy?: string; volumeBindingMode?: string };
  draft.reclaimPolicy ||= "Delete";
  draft.volumeBindingMode ||= "Immediate";
}

function validateClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(fieldError.required("provisioner", sc.provisioner ?? ""));
  else for (const m of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(fieldError.invalid("provisioner", sc.provisioner, m));
  const params = Object.entries(sc.parameters ?? {});
  if (params.length > MAX_PARAMETERS) errs.push(fieldError.tooMany("parameters", params.length, MAX_PARAMETERS));
  let bytes = 0;
  for (const [k, v] of params) {
    if (!k) errs.push(fieldError.invalid("parameters", k, "field can not be empty."));
    bytes += k.length + v.length;
  }
  if (bytes > MAX_PARAMETERS_BYTES) errs.push(fieldError.tooLong("parameters", MAX_PARAMETERS_BYTES));
  errs.push(...validateEnum(sc.reclaimPolicy, ["Delete", "Retain"], "reclaimPolicy"));
  if (!sc.volumeBindingMode) errs.push(fieldError.required("volumeBindingMode"));
  else errs.push(...validateEnum(sc.volumeBindingMode, ["Immediate", "WaitForFirstConsumer"], "volumeBindingMode"));
  return errs;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed. */
function validateClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(sc.parameters, old.parameters)) errs.push(fieldError.forbidden("parameters", "updates to parameters are forbidden."));
  if (sc.provisioner !== old.provisioner) errs.push(fieldError.forbidden("provisioner", "updates to provisioner are forbidden."));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldError.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  errs.push(...validateImmutableField(sc.volumeBindingMode, old.volumeBindingMode, "volumeBindingMode"));
  return errs;
}

/** storage.k8s.io/v1 StorageClass (cluster-scoped). */
export const STORAGE_CLASS: ApiTypeRegistration<StorageClassObject> = {
  descriptor: { ...STORAGE_V1, kind: "StorageClass", plural: "storageclasses", singular: "storageclass", listKind: "StorageClassList", namespaced: false, shortNames: ["sc"], categories: [], subresources: [] },
  strategy: {
    defaults: (sc) => defaultStorageClass(sc),
    returnDeletedObject: true,
    validate: (sc) => [...validateObjectMeta(sc.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateClass(sc)],
    validateUpdate: (sc, old) => [...validateObjectMetaUpdate(sc.metadata, old.metadata), ...validateClass(sc), ...validateClassUpdate(sc, old)],
  },
};
