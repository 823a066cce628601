import type { AggregationRule, PolicyRule, RoleRef, Subject } from "kubernetes-types/rbac/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { isValidPathSegmentName, nameIsDNSSubdomain } from "../../validation/names.js";

/** The RBAC API group, the only allowed roleRef.apiGroup. */
export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const RBAC_V1 = { group: RBAC_GROUP, version: "v1" } as const;

/** `ValidateRBACName`: any valid path segment. */
export const rbacName = (name: string): string[] => isValidPathSegmentName(name);

/** ValidatePolicyRule: verbs required; URL rules only cluster-wide and alone; resource rules name groups and resources. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(fieldError.required(`${path}.verbs`, "verbs must contain at least one value"));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(fieldError.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(fieldError.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(fieldError.required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (!rule.resources?.length) errs.push(fieldError.required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

export function validateRules(rules: readonly PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => errs.push(...validatePolicyRule(r, namespaced, `rules[${i}]`)));
  return errs;
}

export function validateAggregationRule(rule: AggregationRule | undefined): FieldError[] {
  if (!rule) return [];
  const selectors = rule.clusterRoleSelectors ?? [];
  if (!selectors.length) return [fieldError.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil")];
  const errs: FieldError[] = [];
  selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  return errs;
}

/** SetDefaults_Subject / roleRef: User and Group subjects and the roleRef belong to the RBAC group; ServiceAccounts to the core group. */
export function defaultBinding(binding: { roleRef?: RoleRef; subjects?: Subject[] }): void {
  if (binding.roleRef) binding.roleRef.apiGroup ||= RBAC_GROUP;
  for (const s of binding.subjects ?? []) {
    if (s.apiGroup) continue;
    if (s.kind === "ServiceAccount") s.apiGroup = "";
    else if (s.kind === "User" || s.kind === "Group") s.apiGroup = RBAC_GROUP;
  }
}

/** ValidateRoleBindingSubject: a known kind, a name, the right apiGroup, a namespace for cluster-wide ServiceAccounts. */
function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldError.required(`${path}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (s.name) for (const m of nameIsDNSSubdomain(s.name, false)) errs.push(fieldError.invalid(`${path}.name`, s.name, m));
      if (s.apiGroup) errs.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) errs.push(fieldError.required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup ?? "", [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldError.notSupported(`${path}.kind`, s.kind, ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

/** A binding's roleRef and subjects; RoleBindings may point at Roles or ClusterRoles, ClusterRoleBindings at ClusterRoles only. */
export function validateBinding(binding: { roleRef?: RoleRef; subjects?: Subject[] }, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = binding.roleRef;
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported("roleRef.apiGroup", ref?.apiGroup ?? "", [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!ref?.kind || !kinds.includes(ref.kind)) errs.push(fieldError.notSupported("roleRef.kind", ref?.kind ?? "", kinds));
  if (!ref?.name) errs.push(fieldError.required("roleRef.name"));
  else for (const m of rbacName(ref.name)) errs.push(fieldError.invalid("roleRef.name", ref.name, m));
  (binding.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** A binding's roleRef never changes: delete and recreate the binding instead. */
export function validateRoleRefUnchanged(ref: RoleRef | undefined, old: RoleRef | undefined): FieldError[] {
  const same = ref?.apiGroup === old?.apiGroup && ref?.kind === old?.kind && ref?.name === old?.name;
  return same ? [] : [fieldError.invalid("roleRef", ref ?? null, "cannot change roleRef")];
}
