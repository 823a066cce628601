import type { ServiceAccount } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateSecretName, validateServiceAccountName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";

export const SERVICE_ACCOUNT_DESCRIPTOR = coreDescriptor({ kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"], subresources: ["token"] });

function validateSecretRefs(sa: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, ref] of (sa.imagePullSecrets ?? []).entries()) {
    if (!ref.name) errs.push(fieldError.required(`imagePullSecrets[${i}].name`));
    else for (const m of validateSecretName(ref.name, false)) errs.push(fieldError.invalid(`imagePullSecrets[${i}].name`, ref.name, m));
  }
  return errs;
}

/** ServiceAccounts: strategy of pkg/registry/core/serviceaccount (no defaults). */
export const SERVICE_ACCOUNT_TYPE = typeRegistration<ServiceAccount>(SERVICE_ACCOUNT_DESCRIPTOR, {
  returnDeletedObject: true,
  validate(sa) {
    const errs = validateObjectMeta(sa.metadata, { namespaced: true, nameValidator: validateServiceAccountName });
    errs.push(...validateSecretRefs(sa));
    return errs;
  },
  validateUpdate(sa, old) {
    const errs = validateObjectMetaUpdate(sa.metadata, old.metadata);
    errs.push(...validateSecretRefs(sa));
    return errs;
  },
});
