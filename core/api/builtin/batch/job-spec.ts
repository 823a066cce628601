import type { JobSpec } from "kubernetes-types/batch/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "../core/pod-spec.js";
import { validateEnum, validateNonnegative } from "../field-checks.js";

/** The most completions/parallelism an Indexed Job may ask for. */
const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_INT32 = 2 ** 31 - 1;

/**
 * SetDefaults_Job's spec part: completions and parallelism 1 when both unset, parallelism 1,
 * backoffLimit 6 (max int32 with backoffLimitPerIndex), NonIndexed, not suspended, no manual
 * selector, podReplacementPolicy TerminatingOrFailed (Failed with a podFailurePolicy),
 * onPodConditions status True; the template's pod defaults.
 */
export function defaultJobSpec(spec: JobSpec, withTemplate = true): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) c.status ||= "True";
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  if (withTemplate) defaultPodTemplateSpec(spec.template);
}

/** ValidateJobSpec minus the selector (which Jobs and job templates treat differently). */
export function validateJobSpecFields(spec: JobSpec, path: string): FieldError[] {
  const errs = [
    ...validateNonnegative(spec.parallelism, `${path}.parallelism`),
    ...validateNonnegative(spec.completions, `${path}.completions`),
    ...validateNonnegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...validateNonnegative(spec.backoffLimit, `${path}.backoffLimit`),
    ...validateNonnegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
    ...validateNonnegative(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`),
  ];
  if (spec.completionMode !== undefined) {
    errs.push(...validateEnum(spec.completionMode, ["NonIndexed", "Indexed"], `${path}.completionMode`));
    if (spec.completionMode === "Indexed") {
      if (spec.completions === undefined) errs.push(fieldError.required(`${path}.completions`, "when completion mode is Indexed"));
      else if (spec.completions > MAX_PARALLELISM_FOR_INDEXED_JOB) errs.push(fieldError.invalid(`${path}.completions`, spec.completions, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      if ((spec.parallelism ?? 0) > MAX_PARALLELISM_FOR_INDEXED_JOB) errs.push(fieldError.invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
    } else if (spec.backoffLimitPerIndex !== undefined) {
      errs.push(fieldError.forbidden(`${path}.backoffLimitPerIndex`, "requires indexed completion mode"));
    }
  }
  if (spec.podReplacementPolicy !== undefined) errs.push(...validateEnum(spec.podReplacementPolicy, ["TerminatingOrFailed", "Failed"], `${path}.podReplacementPolicy`));
  if (!spec.template) errs.push(fieldError.required(`${path}.template`));
  else {
    errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
    const restart = spec.template.spec?.restartPolicy;
    if (restart !== "OnFailure" && restart !== "Never") errs.push(fieldError.notSupported(`${path}.template.spec.restartPolicy`, restart ?? "", ["OnFailure", "Never"]));
  }
  return errs;
}
