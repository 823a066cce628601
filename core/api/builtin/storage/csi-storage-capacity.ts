import type { CSIStorageCapacity } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../../object.js";
import { isQuantity, parseQuantity, QUANTITY_PATTERN } from "../../quantity.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { isDNS1123Subdomain, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { NEGATIVE_ERROR } from "../field-checks.js";
import { STORAGE_V1 } from "./storage-common.js";

type CSIStorageCapacityObject = CSIStorageCapacity & KubeObject;

/** A quantity field: well-formed and not negative (absent passes). */
function validateNonNegativeQuantity(value: string | number | undefined, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!isQuantity(value)) return [fieldError.invalid(path, value, `quantities must match the regular expression '${QUANTITY_PATTERN}'`)];
  return parseQuantity(value).nanos < 0n ? [fieldError.invalid(path, value, NEGATIVE_ERROR)] : [];
}

/** ValidateCSIStorageCapacity: nodeTopology a valid selector, storageClassName a DNS subdomain, sizes ≥ 0. */
function validateCapacity(c: CSIStorageCapacity): FieldError[] {
  const errs = validateLabelSelector(c.nodeTopology, "nodeTopology");
  if (!c.storageClassName) errs.push(fieldError.required("storageClassName"));
  else for (const m of isDNS1123Subdomain(c.storageClassName)) errs.push(fieldError.invalid("storageClassName", c.storageClassName, m));
  errs.push(...validateNonNegativeQuantity(c.capacity, "capacity"), ...validateNonNegativeQuantity(c.maximumVolumeSize, "maximumVolumeSize"));
  return errs;
}

/**
 * storage.k8s.io/v1 CSIStorageCapacity (namespaced): the result of one CSI GetCapacity call for a
 * StorageClass in one topology segment, published by the external-provisioner and read by the
 * scheduler's VolumeBinding. The inputs of the call (`nodeTopology`, `storageClassName`) are immutable.
 */
export const CSI_STORAGE_CAPACITY: ApiTypeRegistration<CSIStorageCapacityObject> = {
  descriptor: { ...STORAGE_V1, kind: "CSIStorageCapacity", plural: "csistoragecapacities", singular: "csistoragecapacity", listKind: "CSIStorageCapacityList", namespaced: true, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (c) => [...validateObjectMeta(c.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateCapacity(c)],
    validateUpdate: (c, old) => [
      ...validateObjectMetaUpdate(c.metadata, old.metadata),
      ...validateCapacity(c),
      ...validateImmutableField(c.nodeTopology, old.nodeTopology, "nodeTopology"),
      ...validateImmutableField(c.storageClassName, old.storageClassName, "storageClassName"),
    ],
  },
};
