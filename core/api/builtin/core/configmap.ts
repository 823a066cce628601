import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateConfigMapName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { MAX_DATA_SIZE_BYTES, validateDataKeys } from "./data-keys.js";

export const CONFIGMAP_DESCRIPTOR = coreDescriptor({ kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"] });

const IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";

function validateConfigMapData(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let size = validateDataKeys(cm.data, "data", errs);
  for (const key in cm.binaryData ?? {}) {
    if (cm.data && key in cm.data) errs.push(fieldError.invalid(`data[${key}]`, key, "duplicate of key present in binaryData"));
  }
  size += Math.floor(validateDataKeys(cm.binaryData, "binaryData", errs) * 3 / 4);
  if (size > MAX_DATA_SIZE_BYTES) errs.push(fieldError.tooLong("", MAX_DATA_SIZE_BYTES));
  return errs;
}

/** ConfigMaps: configMapStrategy of pkg/registry/core/configmap. */
export const CONFIGMAP_TYPE = typeRegistration<ConfigMap>(CONFIGMAP_DESCRIPTOR, {
  validate(cm) {
    const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameValidator: validateConfigMapName });
    errs.push(...validateConfigMapData(cm));
    return errs;
  },
  validateUpdate(cm, old) {
    const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
    if (old.immutable) {
      if (!cm.immutable) errs.push(fieldError.forbidden("immutable", IMMUTABLE_WHEN_SET));
      if (!semanticEqual(cm.data, old.data)) errs.push(fieldError.forbidden("data", IMMUTABLE_WHEN_SET));
      if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(fieldError.forbidden("binaryData", IMMUTABLE_WHEN_SET));
    }
    errs.push(...validateConfigMapData(cm));
    return errs;
  },
});
