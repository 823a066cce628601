import type { CronJob, CronJobStatus, Job } from "kubernetes-types/batch/v1.js";
import type { ObjectReference } from "kubernetes-types/core/v1.js";
import { Controller, enqueueRequestForObject, enqueueRequestsFromMapFunc, isStatusError, type KubeObject, type Manager, type SharedInformer } from "../../../../core/index.js";
import { newControllerRef, requestForControllerOf } from "../workload/controller-ref.js";
import { ensureControllerIndex, POD_CONTROLLER_INDEX } from "../workload/pod-index.js";
import { writeStatus } from "../workload/status-update.js";
import { rfc3339Of } from "../workload/time.js";
import { isJobFinished } from "../job/job-controller.js";
import { parseSchedule, type CronSchedule } from "./cron-schedule.js";
import { mostRecentScheduleTime, nextScheduleDelay } from "./missed-schedules.js";
import { TimeZone } from "./time-zone.js";

/** The annotation with a Job's scheduled time, RFC 3339 in the CronJob's time zone. */
export const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/** `<cronjob>-<scheduled time in minutes since the epoch>` (getJobName). */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata!.name}-${Math.floor(scheduledMs / 60_000)}`;
}

const finishedCondition = (j: Job): string | undefined => j.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;
const startOf = (j: Job): number => (j.status?.startTime ? Date.parse(j.status.startTime) : Number.POSITIVE_INFINITY);

/**
 * The CronJob controller (pkg/controller/cronjob, v2): on each sync it reconciles `status.active`
 * with the Jobs it owns (`SawCompletedJob`, `MissingJob`, `UnexpectedJob`), records
 * `lastSuccessfulTime`, then — unless suspended — finds the latest unmet activation of the
 * schedule (robfig/cron semantics in `spec.timeZone`) and starts a Job `<name>-<minutes>` for it,
 * honouring `startingDeadlineSeconds` (`MissSchedule`), Forbid (`JobAlreadyActive`) and Replace
 * (deletes the running Jobs). It deletes the oldest finished Jobs past the history limits and
 * requeues itself for the next activation on the cluster clock.
 */
export function cronJobController(mgr: Manager, workers: number): Controller {
  const cronJobs = mgr.informers.forResource<CronJob>("cronjobs.batch");
  const jobInformer = mgr.informers.forResource<Job>("jobs.batch") as SharedInformer<Job>;
  ensureControllerIndex(jobInformer);
  const lister = cronJobs.lister();
  const cjClient = mgr.client.resource<CronJob & KubeObject>("cronjobs.batch");
  const jobClient = mgr.client.resource<Job>("jobs.batch");
  const recorder = mgr.getEventRecorderFor("cronjob-controller");

  const controller = new Controller({ name: "cronjob", clock: mgr.clock, log: mgr.log.child("cronjob"), maxConcurrentReconciles: workers, reconciler: { reconcile: (req) => sync(req.namespace!, req.name) } });
  controller.watch({ informer: cronJobs, handler: enqueueRequestForObject<CronJob>() });
  controller.watch({ informer: jobInformer, handler: enqueueRequestsFromMapFunc<Job>((j) => requestForControllerOf(j, "CronJob")) });
  mgr.add(controller);

  async function deleteJob(cj: CronJob, ns: string, name: string): Promise<boolean> {
    try {
      await jobClient.delete(name, { namespace: ns, propagationPolicy: "Background" });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) {
        recorder.eventf(cj, "Warning", "FailedDelete", "Deleted job: %s", err instanceof Error ? err.message : String(err));
        return false;
      }
    }
    recorder.eventf(cj, "Normal", "SuccessfulDelete", "Deleted job %s", name);
    return true;
  }

  async function sync(ns: string, name: string): Promise<{ requeueAfter: number } | void> {
    const found = lister.namespace(ns).get(name);
    if (!found) return undefined;
    const cj: CronJob = { ...found, status: { ...found.status, active: [...(found.status?.active ?? [])] } };
    const status = cj.status as CronJobStatus & { active: ObjectReference[] };
    const jobs = jobInformer.indexer.byIndex(POD_CONTROLLER_INDEX, cj.metadata!.uid!).filter((j) => j.metadata?.namespace === ns);
    const requeue = await syncCronJob(cj, status, jobs);
    if (!cj.metadata?.deletionTimestamp) await cleanupFinishedJobs(cj, jobs);
    if (JSON.stringify(status) !== JSON.stringify({ ...found.status, active: found.status?.active ?? [] })) {
      await writeStatus(cjClient, found as CronJob & KubeObject, { ...status, active: status.active.length ? status.active : undefined });
    }
    return requeue !== undefined && requeue > 0 ? { requeueAfter: requeue } : undefined;
  }

  async function syncCronJob(cj: CronJob, status: CronJobStatus & { active: ObjectReference[] }, jobs: readonly Job[]): Promise<number | undefined> {
    const ns = cj.metadata!.namespace!;
    const now = mgr.clock.now();
    const owned = new Set<string>();
    const inActive = (uid: string | undefined): boolean => status.active.some((r) => r.uid === uid);
    for (const j of jobs) {
      owned.add(j.metadata!.uid!);
      const active = inActive(j.metadata!.uid);
      if (!active && !isJobFinished(j)) {
        const fresh = await cjClient.get(cj.metadata!.name!, { namespace: ns }).catch(() => undefined);
        if (fresh?.status?.active?.some((r) => r.uid === j.metadata!.uid)) {
          status.active.push(fresh.status.active.find((r) => r.uid === j.metadata!.uid)!);
          continue;
        }
        recorder.eventf(cj, "Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.metadata!.name!);
      } else if (active && isJobFinished(j)) {
        status.active.splice(status.active.findIndex((r) => r.uid === j.metadata!.uid), 1);
        recorder.eventf(cj, "Normal", "SawCompletedJob", "Saw completed job: %s, condition: %s", j.metadata!.name!, finishedCondition(j)!);
      }
      if (finishedCondition(j) === "Complete" && j.status?.completionTime) {
        if (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    for (const ref of [...status.active]) {
      if (owned.has(ref.uid!)) continue;
      // A slow watch must not make a running Job look gone: ask the API server.
      const gone = await jobClient.get(ref.name!, { namespace: ns }).then(
        () => false,
        (err: unknown) => isStatusError(err, "NotFound"),
      );
      if (!gone) continue;
      recorder.eventf(cj, "Normal", "MissingJob", "Active job went missing: %s", ref.name!);
      status.active.splice(status.active.indexOf(ref), 1);
    }
    if (cj.metadata?.deletionTimestamp) return undefined;

    const spec = cj.spec!;
    if (spec.timeZone) {
      try {
        TimeZone.of(spec.timeZone);
      } catch (err) {
        recorder.eventf(cj, "Warning", "UnknownTimeZone", "invalid timeZone: %q: %s", spec.timeZone, (err as Error).message);
        return undefined;
      }
    }
    if (spec.suspend) return undefined;
    let schedule: CronSchedule;
    try {
      if (spec.timeZone && /^(CRON_)?TZ=/.test(spec.schedule)) {
        recorder.eventf(cj, "Warning", "UnsupportedSchedule", "CRON_TZ or TZ used in schedule %q is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details", spec.schedule);
      }
      schedule = parseSchedule(spec.schedule, spec.timeZone ?? undefined);
    } catch (err) {
      recorder.eventf(cj, "Warning", "UnparseableSchedule", "unparseable schedule: %q : %s", spec.schedule, (err as Error).message);
      return undefined;
    }
    let scheduled: number | undefined;
    try {
      const r = mostRecentScheduleTime(cj, now, schedule, true);
      if (r.mostRecent !== undefined && r.mostRecent <= now) {
        scheduled = r.mostRecent;
        if (r.manyMissed) recorder.eventf(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
      }
    } catch (err) {
      recorder.eventf(cj, "Warning", "InvalidSchedule", "invalid schedule: %s : %s", spec.schedule, (err as Error).message);
      return undefined;
    }
    const next = (): number | undefined => nextScheduleDelay(cj, now, schedule);
    if (scheduled === undefined) return next();
    const deadline = spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      recorder.eventf(cj, "Warning", "MissSchedule", "Missed scheduled time to start a job: %s", rfc1123z(scheduled));
      return next();
    }
    const jobName = jobNameFor(cj, scheduled);
    if (status.active.some((r) => r.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) return next();
    if (spec.concurrencyPolicy === "Forbid" && status.active.length > 0) {
      recorder.eventf(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return next();
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of [...status.active]) {
        if (!(await deleteJob(cj, ns, ref.name!))) throw new Error(`could not replace job ${ns}/${ref.name}`);
        status.active.splice(status.active.indexOf(ref), 1);
      }
    }
    let created: Job;
    try {
      created = await jobClient.create(jobFromTemplate(cj, scheduled), { namespace: ns, fieldManager: "kube-controller-manager" });
      recorder.eventf(cj, "Normal", "SuccessfulCreate", "Created job %s", created.metadata!.name!);
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) {
        recorder.eventf(cj, "Warning", "FailedCreate", "Error creating job: %s", err instanceof Error ? err.message : String(err));
        throw err;
      }
      created = await jobClient.get(jobName, { namespace: ns });
      // A Job of that name someone else controls: assume they keep the status.
      if (!created.metadata?.ownerReferences?.some((r) => r.controller && r.uid === cj.metadata!.uid)) return undefined;
      if (created.status?.completionTime || status.active.some((r) => r.uid === created.metadata!.uid)) return next();
    }
    status.active.push({ kind: "Job", namespace: ns, name: created.metadata!.name!, uid: created.metadata!.uid!, apiVersion: "batch/v1", resourceVersion: created.metadata!.resourceVersion! });
    status.lastScheduleTime = rfc3339Of(scheduled);
    return next();
  }

  /** cleanupFinishedJobs: the oldest (by start time) finished Jobs past each history limit are deleted. */
  async function cleanupFinishedJobs(cj: CronJob, jobs: readonly Job[]): Promise<void> {
    const limits: [string, number | undefined][] = [
      ["Complete", cj.spec?.successfulJobsHistoryLimit ?? undefined],
      ["Failed", cj.spec?.failedJobsHistoryLimit ?? undefined],
    ];
    for (const [kind, limit] of limits) {
      if (limit === undefined) continue;
      const done = jobs.filter((j) => finishedCondition(j) === kind && !j.metadata?.deletionTimestamp);
      if (done.length <= limit) continue;
      done.sort((a, b) => startOf(a) - startOf(b) || a.metadata!.name!.localeCompare(b.metadata!.name!));
      for (const j of done.slice(0, done.length - limit)) await deleteJob(cj, cj.metadata!.namespace!, j.metadata!.name!);
    }
  }

  return controller;
}

/** getJobFromTemplate2: the job template's labels, annotations and spec, named for the schedule, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
  const meta = cj.spec!.jobTemplate.metadata ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata!.namespace!,
      labels: { ...meta.labels },
      annotations: { ...meta.annotations, [SCHEDULED_TIMESTAMP]: TimeZone.of(cj.spec!.timeZone ?? undefined).rfc3339(scheduledMs) },
      ownerReferences: [newControllerRef(cj, "batch/v1", "CronJob")],
    },
    spec: cj.spec!.jobTemplate.spec,
  };
}

/** Go's time.RFC1123Z of a UTC time: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}
