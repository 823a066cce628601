import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { labelSelectorFromObject } from "../selectors/label-selector.js";
import { fieldError, isStatusError, type FieldError } from "../status.js";
import { validateLabelSelector } from "../validation/label-selector.js";
import { validatePodTemplateSpec } from "./core/pod-spec.js";

/**
 * The selector of a workload controller (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job
 * with manualSelector), as apps validation checks it: required, syntactically valid, not empty
 * (`empty selector is invalid for <kind>`; Jobs pass no kind and skip that check), and matching the template's labels.
 */
export function validateWorkloadSelector(selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, specPath: string, kind: string | undefined): FieldError[] {
  if (!selector) return [fieldError.required(`${specPath}.selector`)];
  const errs = validateLabelSelector(selector, `${specPath}.selector`);
  if (kind !== undefined && !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length) {
    errs.push(fieldError.invalid(`${specPath}.selector`, selector, `empty selector is invalid for ${kind}`));
    return errs;
  }
  let matches: boolean;
  try {
    matches = labelSelectorFromObject(selector).matches(template?.metadata?.labels);
  } catch (err) {
    if (!isStatusError(err)) throw err;
    errs.push(fieldError.invalid(`${specPath}.selector`, selector, "invalid label selector"));
    return errs;
  }
  if (!matches) errs.push(fieldError.invalid(`${specPath}.template.metadata.labels`, template?.metadata?.labels ?? {}, "`selector` does not match template `labels`"));
  return errs;
}

/**
 * The pod template of a long-running workload (`ValidatePodTemplateSpecForReplicaSet`): a valid
 * pod template whose restartPolicy is Always and which sets no activeDeadlineSeconds.
 */
export function validateLongRunningTemplate(template: PodTemplateSpec | undefined, templatePath: string, kind: string): FieldError[] {
  if (!template) return [fieldError.required(templatePath)];
  const errs = validatePodTemplateSpec(template, templatePath);
  const spec = template.spec;
  if (spec?.restartPolicy !== undefined && spec.restartPolicy !== "Always") errs.push(fieldError.notSupported(`${templatePath}.spec.restartPolicy`, spec.restartPolicy, ["Always"]));
  if (spec?.activeDeadlineSeconds !== undefined) errs.push(fieldError.forbidden(`${templatePath}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  return errs;
}
