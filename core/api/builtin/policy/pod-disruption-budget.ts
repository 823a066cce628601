import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from "kubernetes-types/policy/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum, validateIntOrPercent, validateNonnegative, validateNotMoreThan100Percent } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";

type PdbObject = PodDisruptionBudget & KubeObject;

function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec: PodDisruptionBudgetSpec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldError.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const f of ["minAvailable", "maxUnavailable"] as const) {
    const v = spec[f];
    if (v === undefined) continue;
    errs.push(...validateIntOrPercent(v, `spec.${f}`), ...validateNotMoreThan100Percent(v, `spec.${f}`));
  }
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  errs.push(...validateEnum(spec.unhealthyPodEvictionPolicy, ["IfHealthyBudget", "AlwaysAllow"], "spec.unhealthyPodEvictionPolicy"));
  return errs;
}

function validateStatus(pdb: PodDisruptionBudget): FieldError[] {
  const s = pdb.status;
  if (!s) return [];
  const errs: FieldError[] = [];
  for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"] as const) errs.push(...validateNonnegative(s[f], `status.${f}`));
  return errs;
}

/** policy/v1 PodDisruptionBudget (no v1 defaults: an unset policy means IfHealthyBudget). */
export const POD_DISRUPTION_BUDGET: ApiTypeRegistration<PdbObject> = {
  descriptor: {
    group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", singular: "poddisruptionbudget",
    listKind: "PodDisruptionBudgetList", namespaced: true, shortNames: ["pdb"], categories: [], subresources: ["status"],
  },
  strategy: {
    ...specStatusHooks<PdbObject>({ initialStatus: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }) }),
    validate: (pdb) => [...validateObjectMeta(pdb.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(pdb)],
    validateUpdate: (pdb, old) => [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validateSpec(pdb)],
    validateStatusUpdate: (pdb, old) => [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validateStatus(pdb)],
  },
};
