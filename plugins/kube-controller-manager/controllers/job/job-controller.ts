import type { Job, JobCondition, JobStatus } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Controller, enqueueRequestForObject, enqueueRequestsFromMapFunc, isStatusError, labelSelectorFromObject, type Manager, type SharedInformer } from "../../../../core/index.js";
import { claim } from "../workload/claim.js";
import { controllerRefOf, newControllerRef } from "../workload/controller-ref.js";
import { ensureControllerIndex } from "../workload/pod-index.js";
import { podFromTemplate } from "../workload/pod-template.js";
import { isPodReady } from "../workload/pod-state.js";
import { slowStartBatch } from "../workload/slow-start.js";
import { rfc3339Of } from "../workload/time.js";

/** The finalizer that keeps a finished pod until the Job has counted it. */
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
/** Pod-failure backoff: 10 s doubling, capped at 10 minutes (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff). */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 600_000;

/** The delay before replacing pods after `failures` consecutive failures. */
export function failureBackoff(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

/** `0-2,4` from a set of indexes (the completedIndexes format). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.add(i);
  }
  return out;
}

const finished = (p: Pod): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const indexOf = (p: Pod): number | undefined => {
  const v = p.metadata?.annotations?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};
const conditionTrue = (j: Job, type: string): boolean => !!j.status?.conditions?.some((c) => c.type === type && c.status === "True");
export const isJobFinished = (j: Job): boolean => conditionTrue(j, "Complete") || conditionTrue(j, "Failed");

/**
 * The Job controller (pkg/controller/job), for NonIndexed and Indexed Jobs: runs up to
 * `parallelism` pods until `completions` succeed (any one, without completions), each created with
 * the job-tracking finalizer, which is removed once the finished pod is counted (through
 * `uncountedTerminatedPods`). Indexed pods get the completion index annotation and label,
 * hostname `<job>-<index>` and `JOB_COMPLETION_INDEX`. Failed pods are replaced after a backoff
 * of 10 s doubling (capped at 10 minutes); past `backoffLimit` failures, or after
 * `activeDeadlineSeconds`, the Job fails (FailureTarget, then Failed) and its active pods are
 * deleted; on success SuccessCriteriaMet, then Complete with completionTime. `suspend` deletes
 * the active pods (Suspended condition) and resuming restarts the clock.
 */
export function jobController(mgr: Manager, workers: number): Controller {
  const jobs = mgr.informers.forResource<Job>("jobs.batch");
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  const jobLister = jobs.lister();
  const jobClient = mgr.client.resource<Job>("jobs.batch");
  const pods = mgr.client.resource<Pod>("Pod");
  const recorder = mgr.getEventRecorderFor("job-controller");
  const lastFailure = new Map<string, number>();

  const controller = new Controller({ name: "job", clock: mgr.clock, log: mgr.log.child("job"), maxConcurrentReconciles: workers, reconciler: { reconcile: (req) => sync(req.namespace!, req.name) } });
  controller.watch({ informer: jobs, handler: enqueueRequestForObject<Job>() });
  controller.watch({
    informer: podInformer,
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ref = controllerRefOf(pod);
      return ref?.kind === "Job" ? [{ namespace: pod.metadata!.namespace!, name: ref.name }] : [];
    }),
  });
  mgr.add(controller);

  const now = (): string => rfc3339Of(mgr.clock.now());
  const cond = (type: string, status: string, reason: string, message: string): JobCondition => ({ type, status, reason, message, lastProbeTime: now(), lastTransitionTime: now() });
  const setCond = (status: JobStatus, c: JobCondition): void => {
    const cur = status.conditions?.find((x) => x.type === c.type);
    if (cur && cur.status === c.status && cur.reason === c.reason) return;
    status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
  };

  async function writeStatus(job: Job, status: JobStatus): Promise<Job> {
    return jobClient.updateSubresource(job.metadata!.name!, "status", { ...job, status }, { namespace: job.metadata!.namespace! });
  }

  async function removeFinalizer(pod: Pod): Promise<void> {
    const finalizers = (pod.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await pods.patch(pod.metadata!.name!, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: pod.metadata!.resourceVersion } }, { namespace: pod.metadata!.namespace! });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  async function deletePods(job: Job, victims: Pod[]): Promise<void> {
    await Promise.all(
      victims.map(async (p) => {
        try {
          await pods.delete(p.metadata!.name!, { namespace: p.metadata!.namespace! });
          recorder.eventf(job, "Normal", "SuccessfulDelete", "Deleted pod: %s", p.metadata!.name!);
        } catch (err) {
          if (!isStatusError(err, "NotFound")) throw err;
        }
      }),
    );
  }

  async function sync(ns: string, name: string): Promise<{ requeueAfter: number } | void> {
    let job = jobLister.namespace(ns).get(name);
    const key = `${ns}/${name}`;
    if (!job) {
      lastFailure.delete(key);
      // Pods of a deleted Job must not keep its finalizer (upstream's orphan pod cleanup).
      const left = podInformer.lister().namespace(ns).list().filter((p) => controllerRefOf(p)?.kind === "Job" && controllerRefOf(p)?.name === name && p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
      await Promise.all(left.map(removeFinalizer));
      return undefined;
    }
    const selector = labelSelectorFromObject(job.spec?.selector);
    const owned = await claim({ informer: podInformer, client: pods, owner: job, selector, ref: newControllerRef(job, "batch/v1", "Job"), recheck: () => jobClient.get(name, { namespace: ns }) });
    const tracked = owned.filter((p) => p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
    if (isJobFinished(job)) {
      await Promise.all(tracked.map(removeFinalizer));
      return undefined;
    }
    const status: JobStatus = { ...job.status };
    const indexed = job.spec?.completionMode === "Indexed";
    // Count finished pods: record their uids as uncounted, drop the finalizer, then count them.
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const newlyFinished = tracked.filter((p) => finished(p) && !uncounted.succeeded.includes(p.metadata!.uid!) && !uncounted.failed.includes(p.metadata!.uid!));
    const completed = parseIndexes(status.completedIndexes);
    if (newlyFinished.length > 0) {
      for (const p of newlyFinished) (p.status!.phase === "Succeeded" ? uncounted.succeeded : uncounted.failed).push(p.metadata!.uid!);
      job = await writeStatus(job, { ...status, uncountedTerminatedPods: uncounted });
      await Promise.all(newlyFinished.map(removeFinalizer));
    }
    if (uncounted.succeeded.length + uncounted.failed.length > 0) {
      const byUid = new Map(owned.map((p) => [p.metadata!.uid!, p]));
      for (const uid of uncounted.succeeded) {
        const idx = byUid.get(uid) && indexOf(byUid.get(uid)!);
        if (indexed && idx !== undefined) completed.add(idx);
      }
      status.succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
      status.failed = (status.failed ?? 0) + uncounted.failed.length;
      if (uncounted.failed.length > 0) lastFailure.set(key, mgr.clock.now());
      if (indexed) status.succeeded = completed.size;
      status.uncountedTerminatedPods = {};
      if (indexed && completed.size > 0) status.completedIndexes = formatIndexes(completed);
    }
    const active = owned.filter((p) => !finished(p) && !p.metadata?.deletionTimestamp);
    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    const completions = job.spec?.completions;
    const parallelism = job.spec?.parallelism ?? 1;
    let requeue: number | undefined;

    // Suspension.
    if (job.spec?.suspend) {
      await deletePods(job, active);
      if (!conditionTrue(job, "Suspended")) {
        setCond(status, cond("Suspended", "True", "JobSuspended", "Job suspended"));
        recorder.eventf(job, "Normal", "Suspended", "Job suspended");
      }
      delete status.startTime;
      status.active = 0;
    } else {
      if (job.status?.conditions?.some((c) => c.type === "Suspended" && c.status === "True")) {
        setCond(status, cond("Suspended", "False", "JobResumed", "Job resumed"));
        recorder.eventf(job, "Normal", "Resumed", "Job resumed");
        status.startTime = now();
      }
      status.startTime ??= now();
      const deadline = job.spec?.activeDeadlineSeconds;
      const pastDeadline = deadline !== undefined && Date.parse(status.startTime) + deadline * 1000 <= mgr.clock.now();
      const backoffLimit = job.spec?.backoffLimit ?? 6;
      const done = indexed ? completed.size >= (completions ?? 1) : completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
      let failure: { reason: string; message: string } | undefined;
      if (failed > backoffLimit) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
      else if (pastDeadline) failure = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
      if (failure) {
        setCond(status, cond("FailureTarget", "True", failure.reason, failure.message));
        await deletePods(job, active);
        setCond(status, cond("Failed", "True", failure.reason, failure.message));
        recorder.eventf(job, "Warning", failure.reason, "%s", failure.message);
        status.active = 0;
      } else if (done) {
        setCond(status, cond("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"));
        await deletePods(job, active);
        setCond(status, cond("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"));
        status.completionTime = now();
        recorder.eventf(job, "Normal", "Completed", "Job completed");
        status.active = 0;
      } else {
        if (deadline !== undefined) requeue = Date.parse(status.startTime) + deadline * 1000 - mgr.clock.now();
        const wait = (lastFailure.get(key) ?? 0) + failureBackoff(failed) - mgr.clock.now();
        const want = indexed ? Math.min(parallelism, (completions ?? 1) - completed.size) : completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? 0 : parallelism;
        const missing = Math.max(0, want - active.length);
        if (missing > 0 && failed > 0 && wait > 0) {
          requeue = requeue === undefined ? wait : Math.min(requeue, wait);
          status.active = active.length;
        } else if (missing > 0) {
          const busy = new Set(active.map(indexOf));
          const free: number[] = [];
          for (let i = 0; indexed && free.length < missing && i < (completions ?? 1); i++) if (!completed.has(i) && !busy.has(i)) free.push(i);
          const count = indexed ? free.length : missing;
          const { successes, error } = await slowStartBatch(count, async (n) => {
            const pod = await pods.create(jobPod(job!, indexed ? free[n] : undefined), { namespace: ns, fieldManager: "kube-controller-manager" });
            recorder.eventf(job!, "Normal", "SuccessfulCreate", "Created pod: %s", pod.metadata!.name!);
          });
          if (error) recorder.eventf(job, "Warning", "FailedCreate", "Error creating: %s", error instanceof Error ? error.message : String(error));
          status.active = active.length + successes;
        } else if (active.length > want) {
          await deletePods(job, active.slice(want));
          status.active = want;
        } else status.active = active.length;
      }
    }
    status.ready = active.filter(isPodReady).length;
    status.terminating = owned.filter((p) => p.metadata?.deletionTimestamp && !finished(p)).length;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) await writeStatus(job, status);
    return requeue !== undefined && requeue > 0 ? { requeueAfter: requeue } : undefined;
  }

  return controller;
}

/** A Job's pod: the template with the tracking finalizer; Indexed pods get their index. */
function jobPod(job: Job, index: number | undefined): Pod {
  const pod = podFromTemplate(job.spec!.template, job, newControllerRef(job, "batch/v1", "Job"), index === undefined ? {} : { generateName: `${job.metadata!.name}-${index}-` });
  pod.metadata!.finalizers = [...(pod.metadata!.finalizers ?? []), JOB_TRACKING_FINALIZER];
  if (index === undefined) return pod;
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [COMPLETION_INDEX]: String(index) };
  pod.metadata!.labels = { ...pod.metadata!.labels, [COMPLETION_INDEX]: String(index) };
  const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
  pod.spec = {
    ...pod.spec!,
    hostname: `${job.metadata!.name}-${index}`,
    containers: pod.spec!.containers.map((c) => ({ ...c, env: [...(c.env ?? []).filter((e) => e.name !== env.name), env] })),
  };
  return pod;
}
