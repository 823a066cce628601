import type { CronJob, Job } from "kubernetes-types/batch/v1.js";
import { bool, conditionSamples, family, one, optional, ownerSamples, unixSeconds, type Sample } from "../family.js";
import type { ResourceMetrics } from "../metrics-store.js";
import { createdFamily, labelsFamily } from "./workloads.js";

const JOB_FAILURE_REASONS = ["BackoffLimitExceeded", "DeadlineExceeded", "Evicted"];

function jobCondition(j: Job, type: string): Sample[] {
  return (j.status?.conditions ?? []).filter((c) => c.type === type).flatMap((c) => conditionSamples(c.status));
}

/** `kube_job_status_failed`: unlabelled 0 without failures; else one sample per known reason of a Failed condition, or `reason=""` with the count. */
function failedSamples(j: Job): Sample[] {
  const failed = j.status?.failed ?? 0;
  if (failed === 0) return one(0);
  const out: Sample[] = [];
  let known = false;
  for (const c of j.status?.conditions ?? []) {
    if (c.type !== "Failed") continue;
    for (const reason of JOB_FAILURE_REASONS) {
      known ||= c.reason === reason;
      out.push({ keys: ["reason"], values: [reason], value: bool(c.reason === reason) });
    }
  }
  if (!known) out.push({ keys: ["reason"], values: [""], value: failed });
  return out;
}

/** kube-state-metrics' job families (internal/store/job.go); the job's name is label `job_name`. */
export const jobMetrics: ResourceMetrics<Job> = {
  resource: "jobs",
  kind: "Job",
  defaultKeys: ["namespace", "job_name"],
  defaultValues: (j) => [j.metadata?.namespace ?? "", j.metadata?.name ?? ""],
  families: [
    labelsFamily<Job>("kube_job"),
    family<Job>("kube_job_info", "Information about job.", () => one(1)),
    createdFamily<Job>("kube_job"),
    family<Job>("kube_job_spec_parallelism", "The maximum desired number of pods the job should run at any given time.", (j) => optional(j.spec?.parallelism)),
    family<Job>("kube_job_spec_completions", "The desired number of successfully finished pods the job should be run with.", (j) => optional(j.spec?.completions)),
    family<Job>("kube_job_spec_active_deadline_seconds", "The duration in seconds relative to the startTime that the job may be active before the system tries to terminate it.", (j) => optional(j.spec?.activeDeadlineSeconds)),
    family<Job>("kube_job_status_succeeded", "The number of pods which reached Phase Succeeded.", (j) => one(j.status?.succeeded ?? 0)),
    family<Job>("kube_job_status_failed", "The number of pods which reached Phase Failed and the reason for failure.", failedSamples),
    family<Job>("kube_job_status_active", "The number of actively running pods.", (j) => one(j.status?.active ?? 0)),
    family<Job>("kube_job_status_ready", "The number of ready pods that belong to this Job.", (j) => optional(j.status?.ready), { stable: false }),
    family<Job>("kube_job_complete", "The job has completed its execution.", (j) => jobCondition(j, "Complete")),
    family<Job>("kube_job_failed", "The job has failed its execution.", (j) => jobCondition(j, "Failed")),
    family<Job>("kube_job_status_start_time", "StartTime represents time when the job was acknowledged by the Job Manager.", (j) => optional(unixSeconds(j.status?.startTime))),
    family<Job>("kube_job_status_completion_time", "CompletionTime represents time when the job was completed.", (j) => optional(unixSeconds(j.status?.completionTime))),
    family<Job>("kube_job_status_suspended", "The number of pods which reached Phase Suspended.", (j) => (j.spec?.suspend ? one(1) : []), { stable: false }),
    family<Job>("kube_job_owner", "Information about the Job's owner.", (j) => ownerSamples(j.metadata?.ownerReferences)),
  ],
};

/** kube-state-metrics' cronjob families (internal/store/cronjob.go). */
export const cronJobMetrics: ResourceMetrics<CronJob> = {
  resource: "cronjobs",
  kind: "CronJob",
  defaultKeys: ["namespace", "cronjob"],
  defaultValues: (c) => [c.metadata?.namespace ?? "", c.metadata?.name ?? ""],
  families: [
    labelsFamily<CronJob>("kube_cronjob"),
    family<CronJob>("kube_cronjob_info", "Info about cronjob.", (c) => [{ keys: ["schedule", "concurrency_policy", "timezone"], values: [c.spec?.schedule ?? "", c.spec?.concurrencyPolicy ?? "Allow", c.spec?.timeZone ?? "local"], value: 1 }]),
    createdFamily<CronJob>("kube_cronjob"),
    family<CronJob>("kube_cronjob_status_active", "Active holds pointers to currently running jobs.", (c) => one(c.status?.active?.length ?? 0)),
    family<CronJob>("kube_cronjob_status_last_schedule_time", "LastScheduleTime keeps information of when was the last time the job was successfully scheduled.", (c) => optional(unixSeconds(c.status?.lastScheduleTime))),
    family<CronJob>("kube_cronjob_status_last_successful_time", "LastSuccessfulTime keeps information of when was the last time the job was completed successfully.", (c) => optional(unixSeconds(c.status?.lastSuccessfulTime))),
    family<CronJob>("kube_cronjob_spec_suspend", "Suspend flag tells the controller to suspend subsequent executions.", (c) => one(bool(c.spec?.suspend ?? false))),
    family<CronJob>("kube_cronjob_spec_starting_deadline_seconds", "Deadline in seconds for starting the job if it misses scheduled time for any reason.", (c) => optional(c.spec?.startingDeadlineSeconds)),
    family<CronJob>("kube_cronjob_metadata_resource_version", "Resource version representing a specific version of the cronjob.", (c) => {
      const v = Number(c.metadata?.resourceVersion);
      return Number.isFinite(v) ? one(v) : [];
    }),
    family<CronJob>("kube_cronjob_spec_successful_job_history_limit", "Successful job history limit tells the controller how many completed jobs should be preserved.", (c) => one(c.spec?.successfulJobsHistoryLimit ?? 3), { stable: false }),
    family<CronJob>("kube_cronjob_spec_failed_job_history_limit", "Failed job history limit tells the controller how many failed jobs should be preserved.", (c) => one(c.spec?.failedJobsHistoryLimit ?? 1), { stable: false }),
  ],
};
