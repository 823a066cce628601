import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { FieldError } from "../../status.js";
import { validateAnnotations, validateLabels } from "../../validation/labels.js";
import { defaultPodSpec } from "./pod-spec-defaults.js";
import { validatePodSpec } from "./pod-spec-validation.js";

export { defaultPodSpec, defaultPodOnlyFields, imageTag } from "./pod-spec-defaults.js";
export { validatePodSpec, validateTolerations } from "./pod-spec-validation.js";

/** Defaults of a pod template (workload kinds): SetDefaults_PodSpec and container defaults, in place. */
export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}

/** ValidatePodTemplateSpec: template labels and annotations, then the pod spec under `<path>.spec`. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!template) return [];
  const errs: FieldError[] = [];
  const meta = template.metadata;
  if (meta?.labels) errs.push(...validateLabels(meta.labels, `${path}.metadata.labels`));
  if (meta?.annotations) errs.push(...validateAnnotations(meta.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  return errs;
}
