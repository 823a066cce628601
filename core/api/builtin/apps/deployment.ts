import type { Deployment, DeploymentStatus } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { defaultPodTemplateSpec } from "../core/pod-spec.js";
import { validateEnum, validateIntOrPercent, validateNonnegative, validateNotMoreThan100Percent, scaledIntOrPercent } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { validateLongRunningTemplate, validateWorkloadSelector } from "../template-selector.js";
import { APPS_V1, validateCountsWithinReplicas, validateReplicaCounts } from "./apps-common.js";

type DeploymentObject = Deployment & KubeObject;

/** SetDefaults_Deployment (apps/v1) plus the template's pod defaults. */
export function defaultDeployment(d: Deployment): void {
  const spec = ((d as { spec?: Deployment["spec"] }).spec ??= { selector: {}, template: {} } as NonNullable<Deployment["spec"]>);
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ||= "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= "25%";
    ru.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

function validateStrategy(d: Deployment): FieldError[] {
  const strategy = d.spec?.strategy;
  const path = "spec.strategy";
  if (!strategy) return [];
  switch (strategy.type) {
    case "Recreate":
      return strategy.rollingUpdate ? [fieldError.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case "RollingUpdate": {
      const ru = strategy.rollingUpdate;
      if (!ru) return [fieldError.required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      const errs = [...validateIntOrPercent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.rollingUpdate.maxSurge`)];
      if (scaledIntOrPercent(ru.maxUnavailable, 100, false) === 0 && scaledIntOrPercent(ru.maxSurge, 100, false) === 0) {
        errs.push(fieldError.invalid(`${path}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
      }
      errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
      return errs;
    }
    default:
      return validateEnum(strategy.type ?? "", ["Recreate", "RollingUpdate"], path);
  }
}

/** ValidateDeploymentSpec: replicas, selector/template, strategy, history and deadlines. */
function validateSpec(d: Deployment): FieldError[] {
  const spec = d.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs = validateNonnegative(spec.replicas, "spec.replicas");
  errs.push(...validateWorkloadSelector(spec.selector, spec.template, "spec", "deployment"));
  errs.push(...validateLongRunningTemplate(spec.template, "spec.template", "ReplicaSet"));
  errs.push(...validateStrategy(d));
  errs.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(...validateNonnegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) errs.push(fieldError.invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
  }
  return errs;
}

function validateStatus(status: DeploymentStatus | undefined, old: DeploymentStatus | undefined): FieldError[] {
  const s = status ?? {};
  const errs = validateReplicaCounts(s, ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "collisionCount"]);
  errs.push(...validateCountsWithinReplicas(s, ["updatedReplicas", "readyReplicas", "availableReplicas"], "cannot be greater than readyReplicas"));
  if (old?.collisionCount !== undefined && (s.collisionCount ?? 0) < old.collisionCount) errs.push(fieldError.invalid("status.collisionCount", s.collisionCount ?? 0, "cannot be decremented"));
  return errs;
}

/** apps/v1 Deployment. */
export const DEPLOYMENT: ApiTypeRegistration<DeploymentObject> = {
  descriptor: { ...APPS_V1, kind: "Deployment", plural: "deployments", singular: "deployment", listKind: "DeploymentList", namespaced: true, shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"] },
  strategy: {
    defaults: (d) => defaultDeployment(d),
    ...specStatusHooks<DeploymentObject>({ annotationsBumpGeneration: true, statusKeepsLabels: true }),
    validate: (d) => [...validateObjectMeta(d.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(d)],
    validateUpdate: (d, old) => [
      ...validateObjectMetaUpdate(d.metadata, old.metadata),
      ...validateSpec(d),
      ...validateImmutableField(d.spec?.selector, old.spec?.selector, "spec.selector"),
    ],
    validateStatusUpdate: (d, old) => [...validateObjectMetaUpdate(d.metadata, old.metadata), ...validateStatus(d.status, old.status)],
  },
};
