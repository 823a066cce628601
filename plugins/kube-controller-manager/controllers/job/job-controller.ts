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
import { formatIndexes, parseIndexes } from "./indexes.js";
import { matchPodFailurePolicy } from "./pod-failure-policy.js";
import { matchSuccessPolicy } from "./success-policy.js";

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

export { formatIndexes, parseIndexes } from "./indexes.js";

const indexOf = (p: Pod): number | undefined => {
  const v = p.metadata?.annotations?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};
const conditionTrue = (j: Job, type: string): boolean => !!j.status?.conditions?.some((c) => c.type === type && c.status === "True");
export const isJobFinished = (j: Job): boolean => conditionTrue(j, "Complete") || conditionTrue(j, "Failed");

/** Annotations on an Indexed pod with backoffLimitPerIndex: failures (and ignored failures) of its index before it. */
export const INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";
export const INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count";

const MESSAGES: Readonly<Record<string, string>> = {
  BackoffLimitExceeded: "Job has reached the specified backoff limit",
  DeadlineExceeded: "Job was active longer than specified deadline",
  MaxFailedIndexesExceeded: "Job has exceeded the specified maximal number of failed indexes",
  FailedIndexes: "Job has failed indexes",
  CompletionsReached: "Reached expected number of succeeded pods",
};

/** Pods are replaced only once Failed (not while terminating): podReplacementPolicy Failed, implied by a podFailurePolicy. */
const onlyReplaceFailed = (job: Job): boolean => job.spec?.podReplacementPolicy === "Failed" || !!job.spec?.podFailurePolicy;
/** isPodFailed: Failed, or (unless only Failed pods count) deleted before it succeeded. */
const isPodFailed = (job: Job, p: Pod): boolean => p.status?.phase === "Failed" || (!onlyReplaceFailed(job) && !!p.metadata?.deletionTimestamp && p.status?.phase !== "Succeeded");
const annotationCount = (p: Pod, key: string): number => Number(p.metadata?.annotations?.[key] ?? 0) || 0;
const perIndexLimit = (job: Job): number | undefined => job.spec?.backoffLimitPerIndex ?? undefined;

/**
 * The Job controller (pkg/controller/job), for NonIndexed and Indexed Jobs: runs up to
 * `parallelism` pods until `completions` succeed (any one, without completions), each created with
 * the job-tracking finalizer, which is removed once the finished pod is counted (through
 * `uncountedTerminatedPods`). Indexed pods get the completion index annotation and label,
 * hostname `<job>-<index>` and `JOB_COMPLETION_INDEX`.
 *
 * A failed pod is judged by `podFailurePolicy` (FailJob / Ignore / Count / FailIndex on exit codes
 * or pod conditions); counted failures are replaced after a backoff of 10 s doubling (capped at 10
 * minutes), per index with `backoffLimitPerIndex` (failed indexes in `status.failedIndexes`).
 * With `podReplacementPolicy: Failed` (implied by a podFailurePolicy) a terminating pod is
 * replaced only once Failed; otherwise a deleted pod counts as failed at once. The Job fails
 * (FailureTarget, then — once no pod is terminating — Failed) on a FailJob rule
 * (`PodFailurePolicy`), past `backoffLimit` (`BackoffLimitExceeded`), past `maxFailedIndexes`
 * (`MaxFailedIndexesExceeded`), after `activeDeadlineSeconds` (`DeadlineExceeded`) or when every
 * index finished with some failed (`FailedIndexes`); it succeeds (SuccessCriteriaMet, then
 * Complete) when completions are reached (`CompletionsReached`) or a `successPolicy` rule matches
 * (`SuccessPolicy`). `suspend` deletes the active pods and resuming restarts the clock.
 */
export function jobController(mgr: Manager, workers: number): Controller {
  const jobs = mgr.informers.forResource<Job>("jobs.batch");
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  const jobLister = jobs.lister();
  const jobClient = mgr.client.resource<Job>("jobs.batch");
  const pods = mgr.client.resource<Pod>("Pod");
  const recorder = mgr.getEventRecorderFor("job-controller");
  /** When the Job (key) or one of its indexes (`key#index`) last had a counted failure. */
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
  const condOf = (status: JobStatus, type: string): JobCondition | undefined => status.conditions?.find((c) => c.type === type && c.status === "True");

  async function writeStatus(job: Job, status: JobStatus): Promise<Job> {
    return jobClient.updateSubresource(job.metadata!.name!, "status", { ...job, status }, { namespace: job.metadata!.namespace! });
  }

  async function removeFinalizer(pod: Pod): Promise<void> {
    if (!pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    const finalizers = pod.metadata.finalizers.filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await pods.patch(pod.metadata!.name!, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: pod.metadata!.resourceVersion } }, { namespace: pod.metadata!.namespace! });
    } catch (err) {
      // A newer pod version will come through the informer and requeue the Job.
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
    }
  }

  /** Deletes pods the Job no longer wants, dropping the tracking finalizer first so they are not counted as failures (deleteActivePods). */
  async function deletePods(job: Job, victims: Pod[]): Promise<void> {
    await Promise.all(
      victims.map(async (p) => {
        try {
          await removeFinalizer(p);
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
      for (const k of lastFailure.keys()) if (k === key || k.startsWith(`${key}#`)) lastFailure.delete(k);
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
    const limitPerIndex = indexed ? perIndexLimit(job) : undefined;
    const completed = parseIndexes(status.completedIndexes);
    const failedIndexes = parseIndexes(status.failedIndexes);
    const isFinished = (p: Pod): boolean => p.status?.phase === "Succeeded" || isPodFailed(job!, p);

    // Count finished pods: record their uids as uncounted (with what a podFailurePolicy made of
    // them), drop the finalizer, then count them.
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const newlyFinished = tracked.filter((p) => isFinished(p) && !uncounted.succeeded.includes(p.metadata!.uid!) && !uncounted.failed.includes(p.metadata!.uid!));
    let failJob: string | undefined;
    let newFailures = 0;
    for (const p of newlyFinished) {
      if (p.status?.phase === "Succeeded") {
        uncounted.succeeded.push(p.metadata!.uid!);
        continue;
      }
      const verdict = job.spec?.podFailurePolicy ? matchPodFailurePolicy(job, p) : { action: undefined, counts: true };
      if (!verdict.counts) continue;
      uncounted.failed.push(p.metadata!.uid!);
      newFailures++;
      if (verdict.action === "FailJob") failJob ??= verdict.message;
      const idx = indexOf(p);
      if (limitPerIndex !== undefined && idx !== undefined) {
        lastFailure.set(`${key}#${idx}`, mgr.clock.now());
        if (verdict.action === "FailIndex" || annotationCount(p, INDEX_FAILURE_COUNT) >= limitPerIndex) failedIndexes.add(idx);
      }
    }
    if (limitPerIndex !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
    if (failJob !== undefined && !condOf(status, "FailureTarget")) setCond(status, cond("FailureTarget", "True", "PodFailurePolicy", failJob));
    if (newlyFinished.length > 0) {
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
    const terminatingPods = owned.filter((p) => p.metadata?.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
    const active = owned.filter((p) => !isFinished(p) && !p.metadata?.deletionTimestamp);
    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    const completions = job.spec?.completions ?? undefined;
    const parallelism = job.spec?.parallelism ?? 1;
    let requeue: number | undefined;
    let terminating = terminatingPods.length;

    if (job.spec?.suspend) {
      await deletePods(job, active);
      if (!conditionTrue(job, "Suspended")) {
        setCond(status, cond("Suspended", "True", "JobSuspended", "Job suspended"));
        recorder.eventf(job, "Normal", "Suspended", "Job suspended");
      }
      delete status.startTime;
      status.active = 0;
      terminating += active.length;
    } else {
      if (job.status?.conditions?.some((c) => c.type === "Suspended" && c.status === "True")) {
        setCond(status, cond("Suspended", "False", "JobResumed", "Job resumed"));
        recorder.eventf(job, "Normal", "Resumed", "Job resumed");
        status.startTime = now();
      }
      status.startTime ??= now();
      const deadline = job.spec?.activeDeadlineSeconds ?? undefined;
      const pastDeadline = deadline !== undefined && Date.parse(status.startTime) + deadline * 1000 <= mgr.clock.now();
      const backoffLimit = job.spec?.backoffLimit ?? 6;
      const maxFailedIndexes = job.spec?.maxFailedIndexes ?? undefined;
      const total = completions ?? 1;
      // Decide once: an earlier FailureTarget / SuccessCriteriaMet stands.
      let failure = condOf(status, "FailureTarget");
      let success = failure ? undefined : condOf(status, "SuccessCriteriaMet");
      if (!failure && !success) {
        let reason: string | undefined;
        if (failed > backoffLimit || pastBackoffLimitOnFailure(job, active, backoffLimit)) reason = "BackoffLimitExceeded";
        else if (maxFailedIndexes !== undefined && failedIndexes.size > maxFailedIndexes) reason = "MaxFailedIndexesExceeded";
        else if (pastDeadline) reason = "DeadlineExceeded";
        else if (limitPerIndex !== undefined && failedIndexes.size > 0 && completed.size + failedIndexes.size >= total) reason = "FailedIndexes";
        if (reason) {
          failure = cond("FailureTarget", "True", reason, MESSAGES[reason]!);
          setCond(status, failure);
        } else {
          const byPolicy = indexed ? matchSuccessPolicy(job, completed) : undefined;
          const done = indexed ? completed.size >= total : completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
          if (byPolicy !== undefined || done) {
            success = byPolicy !== undefined ? cond("SuccessCriteriaMet", "True", "SuccessPolicy", byPolicy) : cond("SuccessCriteriaMet", "True", "CompletionsReached", MESSAGES.CompletionsReached!);
            setCond(status, success);
          }
        }
      }
      const ending = failure ?? success;
      if (ending) {
        // Terminate what still runs; the terminal condition waits until no pod is terminating.
        await deletePods(job, active);
        terminating += active.length;
        status.active = 0;
        if (terminating === 0 && !status.uncountedTerminatedPods?.succeeded?.length && !status.uncountedTerminatedPods?.failed?.length) {
          if (failure) {
            setCond(status, cond("Failed", "True", failure.reason!, failure.message!));
            recorder.eventf(job, "Warning", failure.reason!, "%s", failure.message!);
          } else {
            setCond(status, cond("Complete", "True", success!.reason!, success!.message!));
            status.completionTime = now();
            recorder.eventf(job, "Normal", "Completed", "Job completed");
          }
        }
      } else {
        if (deadline !== undefined) requeue = Date.parse(status.startTime) + deadline * 1000 - mgr.clock.now();
        const later = (ms: number): void => {
          if (ms > 0) requeue = requeue === undefined ? ms : Math.min(requeue, ms);
        };
        // Terminating pods hold their slot until Failed under podReplacementPolicy Failed.
        const holding = onlyReplaceFailed(job) ? terminatingPods : [];
        const want = indexed ? Math.min(parallelism, total - completed.size - failedIndexes.size) : completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? 0 : parallelism;
        const missing = Math.max(0, want - active.length - holding.length);
        const globalWait = limitPerIndex === undefined && failed > 0 ? (lastFailure.get(key) ?? 0) + failureBackoff(failed) - mgr.clock.now() : 0;
        if (missing > 0 && globalWait > 0) {
          later(globalWait);
          status.active = active.length;
        } else if (missing > 0) {
          const busy = new Set([...active, ...holding].map(indexOf));
          const free: { index: number; counts: IndexCounts }[] = [];
          for (let i = 0; indexed && free.length < missing && i < total; i++) {
            if (completed.has(i) || failedIndexes.has(i) || busy.has(i)) continue;
            const counts = limitPerIndex !== undefined ? indexCounts(job, owned, i) : { failures: 0, ignored: 0 };
            const wait = limitPerIndex !== undefined && counts.failures > 0 ? (lastFailure.get(`${key}#${i}`) ?? 0) + failureBackoff(counts.failures) - mgr.clock.now() : 0;
            if (wait > 0) later(wait);
            else free.push({ index: i, counts });
          }
          const count = indexed ? free.length : missing;
          const { successes, error } = await slowStartBatch(count, async (n) => {
            const pod = await pods.create(jobPod(job!, indexed ? free[n]!.index : undefined, limitPerIndex !== undefined ? free[n]!.counts : undefined), { namespace: ns, fieldManager: "kube-controller-manager" });
            recorder.eventf(job!, "Normal", "SuccessfulCreate", "Created pod: %s", pod.metadata!.name!);
          });
          if (error) recorder.eventf(job, "Warning", "FailedCreate", "Error creating: %s", error instanceof Error ? error.message : String(error));
          status.active = active.length + successes;
        } else if (active.length > want) {
          await deletePods(job, active.slice(want));
          terminating += active.length - want;
          status.active = want;
        } else status.active = active.length;
      }
    }
    status.ready = active.filter(isPodReady).length;
    status.terminating = terminating;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) await writeStatus(job, status);
    return requeue !== undefined && requeue > 0 ? { requeueAfter: requeue } : undefined;
  }

  return controller;
}

/**
 * pastBackoffLimitOnFailure: with `restartPolicy: OnFailure` failures are container restarts
 * in place; their sum over the pending and running pods reaching backoffLimit (any, for a limit
 * of 0) fails the Job.
 */
export function pastBackoffLimitOnFailure(job: Job, active: readonly Pod[], backoffLimit: number): boolean {
  if (job.spec?.template.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of active) {
    if (p.status?.phase !== "Running" && p.status?.phase !== "Pending" && p.status?.phase !== undefined) continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

interface IndexCounts {
  failures: number;
  ignored: number;
}

/** getNewIndexFailureCounts: an index's failures (and ignored failures) so far, from its failed pods' annotations. */
function indexCounts(job: Job, owned: readonly Pod[], index: number): IndexCounts {
  const out: IndexCounts = { failures: 0, ignored: 0 };
  for (const p of owned) {
    if (indexOf(p) !== index || !isPodFailed(job, p)) continue;
    const counts = !job.spec?.podFailurePolicy || matchPodFailurePolicy(job, p).counts;
    out.failures = Math.max(out.failures, annotationCount(p, INDEX_FAILURE_COUNT) + (counts ? 1 : 0));
    out.ignored = Math.max(out.ignored, annotationCount(p, INDEX_IGNORED_FAILURE_COUNT) + (counts ? 0 : 1));
  }
  return out;
}

/** A Job's pod: the template with the tracking finalizer; Indexed pods get their index. */
function jobPod(job: Job, index: number | undefined, counts?: IndexCounts): Pod {
  const pod = podFromTemplate(job.spec!.template, job, newControllerRef(job, "batch/v1", "Job"), index === undefined ? {} : { generateName: `${job.metadata!.name}-${index}-` });
  pod.metadata!.finalizers = [...(pod.metadata!.finalizers ?? []), JOB_TRACKING_FINALIZER];
  if (index === undefined) return pod;
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [COMPLETION_INDEX]: String(index) };
  if (counts) pod.metadata!.annotations[INDEX_FAILURE_COUNT] = String(counts.failures);
  if (counts?.ignored) pod.metadata!.annotations[INDEX_IGNORED_FAILURE_COUNT] = String(counts.ignored);
  pod.metadata!.labels = { ...pod.metadata!.labels, [COMPLETION_INDEX]: String(index) };
  const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
  pod.spec = {
    ...pod.spec!,
    hostname: `${job.metadata!.name}-${index}`,
    containers: pod.spec!.containers.map((c) => ({ ...c, env: [...(c.env ?? []).filter((e) => e.name !== env.name), env] })),
  };
  return pod;
}
