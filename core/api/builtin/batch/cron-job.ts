import type { CronJob, CronJobSpec } from "kubernetes-types/batch/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain, type NameValidator } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateAnnotations, validateLabels } from "../../validation/labels.js";
import { defaultPodTemplateSpec } from "../core/pod-spec.js";
import { validateNonnegative } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { BATCH_V1 } from "./batch-common.js";
import { cronScheduleError, isValidTimeZone } from "./cron-schedule.js";
import { validateJobSpecFields } from "./job-spec.js";

type CronJobObject = CronJob & KubeObject;

/** Job names get an 11-character suffix, so a CronJob name may have at most 52 characters. */
const CRON_JOB_NAME_MAX_LENGTH = 52;

const cronJobName: NameValidator = (name, prefix) => {
  const errs = nameIsDNSSubdomain(name, prefix);
  if (name.length > CRON_JOB_NAME_MAX_LENGTH) errs.push(`must be no more than ${CRON_JOB_NAME_MAX_LENGTH} characters`);
  return errs;
};

/** SetDefaults_CronJob: Allow, not suspended, keep 3 successful and 1 failed Job; the job template's pod defaults. */
export function defaultCronJob(cj: CronJob): void {
  const spec = ((cj as { spec?: CronJobSpec }).spec ??= { schedule: "", jobTemplate: {} });
  spec.concurrencyPolicy ||= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobSpec = spec.jobTemplate?.spec;
  if (jobSpec) defaultPodTemplateSpec(jobSpec.template);
}

const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: string | undefined): FieldError[] {
  if (tz === undefined) return [];
  const path = "spec.timeZone";
  if (tz === "") return [fieldError.invalid(path, tz, "timeZone must be nil or non-empty string")];
  for (const part of tz.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !TIME_ZONE_PART.test(part)) return [fieldError.invalid(path, tz, `unknown time zone ${tz}`)];
  }
  if (tz.toLowerCase() === "local") return [fieldError.invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")];
  return isValidTimeZone(tz) ? [] : [fieldError.invalid(path, tz, `unknown time zone ${tz}`)];
}

function validateSpec(cj: CronJob): FieldError[] {
  const spec = cj.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(fieldError.required("spec.schedule"));
  else {
    const parseError = cronScheduleError(spec.schedule);
    if (parseError) errs.push(fieldError.invalid("spec.schedule", spec.schedule, parseError));
    if (spec.schedule.includes("TZ")) errs.push(fieldError.invalid("spec.schedule", spec.schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  }
  errs.push(...validateNonnegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  if (!spec.concurrencyPolicy) errs.push(fieldError.required("spec.concurrencyPolicy"));
  else if (!["Allow", "Forbid", "Replace"].includes(spec.concurrencyPolicy)) errs.push(fieldError.notSupported("spec.concurrencyPolicy", spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  errs.push(...validateNonnegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...validateNonnegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  errs.push(...validateTimeZone(spec.timeZone));
  const template = spec.jobTemplate;
  if (template?.metadata?.labels) errs.push(...validateLabels(template.metadata.labels, "spec.jobTemplate.metadata.labels"));
  if (template?.metadata?.annotations) errs.push(...validateAnnotations(template.metadata.annotations, "spec.jobTemplate.metadata.annotations"));
  if (!template?.spec) errs.push(fieldError.required("spec.jobTemplate.spec"));
  else {
    errs.push(...validateJobSpecFields(template.spec, "spec.jobTemplate.spec"));
    if (template.spec.manualSelector) errs.push(fieldError.invalid("spec.jobTemplate.spec.manualSelector", template.spec.manualSelector, "`selector` will be auto-generated"));
  }
  return errs;
}

/** batch/v1 CronJob. */
export const CRON_JOB: ApiTypeRegistration<CronJobObject> = {
  descriptor: { ...BATCH_V1, kind: "CronJob", plural: "cronjobs", singular: "cronjob", listKind: "CronJobList", namespaced: true, shortNames: ["cj"], categories: ["all"], subresources: ["status"] },
  strategy: {
    defaults: (cj) => defaultCronJob(cj),
    ...specStatusHooks<CronJobObject>(),
    validate: (cj) => [...validateObjectMeta(cj.metadata, { namespaced: true, nameValidator: cronJobName }), ...validateSpec(cj)],
    validateUpdate: (cj, old) => [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateSpec(cj)],
    validateStatusUpdate: (cj, old) => validateObjectMetaUpdate(cj.metadata, old.metadata),
  },
};
