import type { Job, JobSpec, JobStatus } from "kubernetes-types/batch/v1.js";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { validateNonnegative } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { validateWorkloadSelector } from "../template-selector.js";
import { BATCH_V1 } from "./batch-common.js";
import { defaultJobSpec, validateJobSpecFields } from "./job-spec.js";

type JobObject = Job & KubeObject;

/** Label with the owning Job's uid on its pods; the generated selector selects it. */
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
/** Label with the owning Job's name on its pods. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
const LEGACY_JOB_NAME_LABEL = "job-name";

/** SetDefaults_Job: the spec defaults, and the Job's labels taken from its template when it has none. */
export function defaultJob(job: Job): void {
  const spec = ((job as { spec?: JobSpec }).spec ??= { template: {} });
  defaultJobSpec(spec);
  const templateLabels = spec.template?.metadata?.labels;
  const meta = ((job as { metadata?: Job["metadata"] }).metadata ??= {});
  if (templateLabels && !Object.keys(meta.labels ?? {}).length) meta.labels = { ...templateLabels };
}

/**
 * The job strategy's `generateSelector`: unless manualSelector, label the template with the
 * job's name and uid (legacy and `batch.kubernetes.io/` keys, user values kept) and select
 * `batch.kubernetes.io/controller-uid=<uid>`. Needs the uid, so it runs at validation time, after
 * the API server filled the system fields (as upstream does).
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  const name = job.metadata?.name ?? "";
  const uid = job.metadata?.uid ?? "";
  const template = (spec.template ??= {} as PodTemplateSpec);
  const tmeta = (template.metadata ??= {});
  const labels = (tmeta.labels ??= {});
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
  const selector = (spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

function validateSpec(job: Job): FieldError[] {
  const spec = job.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs = validateJobSpecFields(spec, "spec");
  errs.push(...validateWorkloadSelector(spec.selector, spec.template, "spec", undefined));
  return errs;
}

/** Scheduling directives of a suspended Job's template that may still change. */
function schedulingOnly(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const meta = t?.metadata ? { ...t.metadata, labels: undefined, annotations: undefined } : undefined;
  const spec = t?.spec ? { ...t.spec, nodeSelector: undefined, tolerations: undefined, schedulingGates: undefined, affinity: t.spec.affinity ? { ...t.spec.affinity, nodeAffinity: undefined } : undefined } : undefined;
  return { ...t, metadata: meta, spec: spec as PodTemplateSpec["spec"] };
}

function validateSpecUpdate(job: Job, old: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const was = old.spec ?? ({} as JobSpec);
  const errs = validateImmutableField(spec.selector, was.selector, "spec.selector");
  if (spec.completions !== was.completions) {
    const elastic = spec.completionMode === "Indexed" && was.completionMode === "Indexed" && spec.completions === spec.parallelism;
    if (!elastic) errs.push(...validateImmutableField(spec.completions, was.completions, "spec.completions"));
  }
  errs.push(...validateImmutableField(spec.completionMode, was.completionMode, "spec.completionMode"));
  errs.push(...validateImmutableField(spec.podFailurePolicy, was.podFailurePolicy, "spec.podFailurePolicy"));
  errs.push(...validateImmutableField(spec.backoffLimitPerIndex, was.backoffLimitPerIndex, "spec.backoffLimitPerIndex"));
  if (!semanticEqual(spec.template, was.template)) {
    // A suspended Job that never started may still change its pods' scheduling directives.
    const mayReschedule = was.suspend === true && !old.status?.startTime;
    if (!mayReschedule || !semanticEqual(schedulingOnly(spec.template), schedulingOnly(was.template))) {
      errs.push(fieldError.immutable("spec.template", spec.template));
    }
  }
  return errs;
}

function validateStatus(s: JobStatus | undefined): FieldError[] {
  const status = s ?? {};
  const errs: FieldError[] = [];
  for (const f of ["active", "succeeded", "failed", "ready", "terminating"] as const) errs.push(...validateNonnegative(status[f], `status.${f}`));
  return errs;
}

/** batch/v1 Job. */
export const JOB: ApiTypeRegistration<JobObject> = {
  descriptor: { ...BATCH_V1, kind: "Job", plural: "jobs", singular: "job", listKind: "JobList", namespaced: true, shortNames: [], categories: ["all"], subresources: ["status"] },
  strategy: {
    defaults: (job) => defaultJob(job),
    ...specStatusHooks<JobObject>(),
    validate: (job) => {
      generateJobSelector(job);
      return [...validateObjectMeta(job.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(job)];
    },
    validateUpdate: (job, old) => [...validateObjectMetaUpdate(job.metadata, old.metadata), ...validateSpec(job), ...validateSpecUpdate(job, old)],
    validateStatusUpdate: (job, old) => [...validateObjectMetaUpdate(job.metadata, old.metadata), ...validateStatus(job.status)],
  },
};
