import type { CronJob, Job, JobCondition } from "kubernetes-types/batch/v1.js";
import { formatLabelSelector } from "./format-labels.js";
import { humanDuration, timestampSince } from "./human-duration.js";
import { ageColumn, column, objectAge, objectName, containerColumns, nameColumn, type TablePrinter } from "./printer.js";
import { containerCells } from "./printer-cells.js";

const BATCH = "io.k8s.api.batch.v1";

function hasCondition(conditions: readonly JobCondition[] | undefined, type: string): boolean {
  return conditions?.find((c) => c.type === type)?.status === "True";
}

/** The job STATUS column: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, "Complete")) return "Complete";
  if (hasCondition(conditions, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(conditions, "Suspended")) return "Suspended";
  if (hasCondition(conditions, "FailureTarget")) return "FailureTarget";
  return "Running";
}

export const jobPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "Status of the job."),
    column("Completions", "string", `${BATCH}.JobStatus#succeeded`),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${BATCH}.JobSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const job = obj as unknown as Job;
    const succeeded = job.status?.succeeded ?? 0;
    let completions: string;
    if (job.spec?.completions !== undefined && job.spec.completions !== null) completions = `${succeeded}/${job.spec.completions}`;
    else completions = (job.spec?.parallelism ?? 0) > 1 ? `${succeeded}/1 of ${job.spec!.parallelism}` : `${succeeded}/1`;
    let duration = "";
    const start = job.status?.startTime;
    if (start) duration = humanDuration((job.status?.completionTime ? Date.parse(job.status.completionTime) : ctx.now) - Date.parse(start));
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return { cells: [objectName(obj), jobStatus(job), completions, duration, objectAge(obj, ctx), names, images, formatLabelSelector(job.spec?.selector)] };
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Schedule", "string", `${BATCH}.CronJobSpec#schedule`),
    column("Timezone", "string", `${BATCH}.CronJobSpec#timeZone`),
    column("Suspend", "boolean", `${BATCH}.CronJobSpec#suspend`),
    column("Active", "integer", `${BATCH}.CronJobStatus#active`),
    column("Last Schedule", "string", `${BATCH}.CronJobStatus#lastScheduleTime`),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${BATCH}.JobSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const cj = obj as unknown as CronJob;
    const suspend = cj.spec?.suspend;
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    return {
      cells: [
        objectName(obj), cj.spec?.schedule ?? "", cj.spec?.timeZone ?? "<none>", suspend === undefined || suspend === null ? "<unset>" : suspend ? "True" : "False",
        cj.status?.active?.length ?? 0, cj.status?.lastScheduleTime ? timestampSince(cj.status.lastScheduleTime, ctx.now) : "<none>", objectAge(obj, ctx),
        names, images, formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};
