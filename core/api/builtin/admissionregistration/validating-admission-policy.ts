import type { MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { validateEnum } from "../field-checks.js";
import { validateRule, type AdmissionRule } from "./webhook-configuration.js";

type PolicyObject = ValidatingAdmissionPolicy & KubeObject;
type BindingObject = ValidatingAdmissionPolicyBinding & KubeObject;

/** SetDefaults_MatchResources. */
function defaultMatchResources(m: MatchResources | undefined): void {
  if (!m) return;
  m.matchPolicy ??= "Equivalent";
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const r of [...(m.resourceRules ?? []), ...(m.excludeResourceRules ?? [])] as AdmissionRule[]) r.scope ??= "*";
}

function validateMatchResources(m: MatchResources | undefined, path: string, required: boolean): FieldError[] {
  if (!m) return required ? [fieldError.required(path)] : [];
  const errs: FieldError[] = [];
  if (required && !m.resourceRules?.length) errs.push(fieldError.required(`${path}.resourceRules`));
  (m.resourceRules ?? []).forEach((r, i) => errs.push(...validateRule(r as AdmissionRule, `${path}.resourceRules[${i}]`)));
  (m.excludeResourceRules ?? []).forEach((r, i) => errs.push(...validateRule(r as AdmissionRule, `${path}.excludeResourceRules[${i}]`)));
  errs.push(...validateEnum(m.matchPolicy, ["Equivalent", "Exact"], `${path}.matchPolicy`));
  if (m.namespaceSelector) errs.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  if (m.objectSelector) errs.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  return errs;
}

function validatePolicy(p: ValidatingAdmissionPolicy): FieldError[] {
  const spec = p.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  if (!spec.validations?.length && !spec.auditAnnotations?.length) errs.push(fieldError.required("spec.validations", "validations or auditAnnotations must contain at least one item"));
  errs.push(...validateEnum(spec.failurePolicy, ["Fail", "Ignore"], "spec.failurePolicy"));
  errs.push(...validateMatchResources(spec.matchConstraints, "spec.matchConstraints", true));
  (spec.validations ?? []).forEach((v, i) => {
    if (!v.expression?.trim()) errs.push(fieldError.required(`spec.validations[${i}].expression`));
    if (v.message?.includes("\n")) errs.push(fieldError.invalid(`spec.validations[${i}].message`, v.message, "message must not contain line breaks"));
    if (v.reason !== undefined) errs.push(...validateEnum(v.reason, ["Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"], `spec.validations[${i}].reason`));
  });
  (spec.auditAnnotations ?? []).forEach((a, i) => {
    if (!a.key) errs.push(fieldError.required(`spec.auditAnnotations[${i}].key`));
    if (!a.valueExpression) errs.push(fieldError.required(`spec.auditAnnotations[${i}].valueExpression`));
  });
  if (spec.paramKind) {
    if (!spec.paramKind.apiVersion) errs.push(fieldError.required("spec.paramKind.apiVersion"));
    if (!spec.paramKind.kind) errs.push(fieldError.required("spec.paramKind.kind"));
  }
  return errs;
}

const ACTIONS = ["Audit", "Deny", "Warn"];

function validateBinding(b: ValidatingAdmissionPolicyBinding): FieldError[] {
  const spec = b.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  if (!spec.policyName) errs.push(fieldError.required("spec.policyName"));
  if (!spec.validationActions?.length) errs.push(fieldError.required("spec.validationActions"));
  const seen = new Set<string>();
  (spec.validationActions ?? []).forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(fieldError.notSupported(`spec.validationActions[${i}]`, a, ACTIONS));
    if (seen.has(a)) errs.push(fieldError.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has("Deny") && seen.has("Warn")) errs.push(fieldError.invalid("spec.validationActions", spec.validationActions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"));
  const ref = spec.paramRef;
  if (ref) {
    if (ref.name && ref.selector) errs.push(fieldError.forbidden("spec.paramRef.name", "name and selector are mutually exclusive"));
    if (!ref.name && !ref.selector) errs.push(fieldError.required("spec.paramRef", "one of name or selector must be set"));
    if (!ref.parameterNotFoundAction) errs.push(fieldError.required("spec.paramRef.parameterNotFoundAction"));
    else errs.push(...validateEnum(ref.parameterNotFoundAction, ["Allow", "Deny"], "spec.paramRef.parameterNotFoundAction"));
  }
  errs.push(...validateMatchResources(spec.matchResources, "spec.matchResources", false));
  return errs;
}

const policyStatus = specStatusHooks<PolicyObject>();

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (cluster-scoped): CEL validations in the API server. */
export const VALIDATING_ADMISSION_POLICY: ApiTypeRegistration<PolicyObject> = {
  descriptor: { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicy", plural: "validatingadmissionpolicies", singular: "validatingadmissionpolicy", listKind: "ValidatingAdmissionPolicyList", namespaced: false, shortNames: [], categories: ["api-extensions"], subresources: ["status"] },
  strategy: {
    defaults: (p) => {
      if (!p.spec) return;
      p.spec.failurePolicy ??= "Fail";
      defaultMatchResources(p.spec.matchConstraints);
    },
    ...policyStatus,
    validate: (p) => [...validateObjectMeta(p.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validatePolicy(p)],
    validateUpdate: (p, old) => validateObjectMetaUpdate(p.metadata, old.metadata),
    validateStatusUpdate: (p, old) => validateObjectMetaUpdate(p.metadata, old.metadata),
  },
};

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding (cluster-scoped): a policy bound to resources and params. */
export const VALIDATING_ADMISSION_POLICY_BINDING: ApiTypeRegistration<BindingObject> = {
  descriptor: { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicyBinding", plural: "validatingadmissionpolicybindings", singular: "validatingadmissionpolicybinding", listKind: "ValidatingAdmissionPolicyBindingList", namespaced: false, shortNames: [], categories: ["api-extensions"], subresources: [] },
  strategy: {
    defaults: (b) => defaultMatchResources(b.spec?.matchResources),
    validate: (b) => [...validateObjectMeta(b.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateBinding(b)],
    validateUpdate: (b, old) => validateObjectMetaUpdate(b.metadata, old.metadata),
  },
};
