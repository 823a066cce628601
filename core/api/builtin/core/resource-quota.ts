import type { ResourceQuota } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { isQualifiedName, validateResourceQuotaName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { parseQuantity, quantityText } from "./quantity.js";
import { writable } from "./writable.js";

export const RESOURCE_QUOTA_DESCRIPTOR = coreDescriptor({ kind: "ResourceQuota", plural: "resourcequotas", namespaced: true, shortNames: ["quota"], subresources: ["status"] });

const SUPPORTED_SCOPES = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"] as const;

/** A map of resource name → non-negative quantity, as quota hard/used lists. */
export function validateResourceList(list: Readonly<Record<string, string | number>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const name in list ?? {}) {
    const p = `${path}[${name}]`;
    for (const m of isQualifiedName(name)) errs.push(fieldError.invalid(p, name, m));
    const q = list![name]!;
    const v = parseQuantity(q);
    if (v === undefined) errs.push(fieldError.invalid(p, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (v < 0) errs.push(fieldError.invalid(p, quantityText(q), "must be greater than or equal to 0"));
  }
  return errs;
}

function validateQuotaSpec(quota: ResourceQuota): FieldError[] {
  const errs = validateResourceList(quota.spec?.hard, "spec.hard");
  for (const scope of quota.spec?.scopes ?? []) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(scope)) errs.push(fieldError.notSupported("spec.scopes", scope, SUPPORTED_SCOPES));
  }
  const scopes = new Set(quota.spec?.scopes ?? []);
  if ((scopes.has("BestEffort") && scopes.has("NotBestEffort")) || (scopes.has("Terminating") && scopes.has("NotTerminating"))) {
    errs.push(fieldError.invalid("spec.scopes", quota.spec?.scopes, "conflicting scopes"));
  }
  return errs;
}

/** ResourceQuotas: resourcequotaStrategy (status is the quota controller's). */
export const RESOURCE_QUOTA_TYPE = typeRegistration<ResourceQuota>(RESOURCE_QUOTA_DESCRIPTOR, {
  prepareForCreate(quota) {
    writable(quota).status = {};
  },
  prepareForUpdate(quota, old) {
    writable(quota).status = old.status;
  },
  prepareForStatusUpdate(quota, old) {
    quota.spec = old.spec;
  },
  validate(quota) {
    const errs = validateObjectMeta(quota.metadata, { namespaced: true, nameValidator: validateResourceQuotaName });
    errs.push(...validateQuotaSpec(quota));
    return errs;
  },
  validateUpdate(quota, old) {
    const errs = validateObjectMetaUpdate(quota.metadata, old.metadata);
    errs.push(...validateQuotaSpec(quota));
    return errs;
  },
  validateStatusUpdate(quota, old) {
    const errs = validateObjectMetaUpdate(quota.metadata, old.metadata);
    errs.push(...validateResourceList(quota.status?.hard, "status.hard"), ...validateResourceList(quota.status?.used, "status.used"));
    return errs;
  },
});
