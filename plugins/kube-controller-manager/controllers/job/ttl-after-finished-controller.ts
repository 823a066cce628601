import type { Job } from "kubernetes-types/batch/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../../../core/index.js";
import { isJobFinished } from "./job-controller.js";

/**
 * The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
 * `ttlSecondsAfterFinished` is deleted (foreground, so its pods go first) that long after its
 * Complete or Failed condition, on the cluster clock.
 */
export function ttlAfterFinishedController(mgr: Manager, workers: number): void {
  const jobs = mgr.informers.forResource<Job>("jobs.batch").lister();
  const client = mgr.client.resource<Job>("jobs.batch");
  controllerFor(mgr)
    .named("ttlafterfinished")
    .for<Job>("jobs.batch")
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const job = jobs.namespace(req.namespace!).get(req.name);
        const ttl = job?.spec?.ttlSecondsAfterFinished;
        if (!job || ttl === undefined || job.metadata?.deletionTimestamp || !isJobFinished(job)) return undefined;
        const finishedAt = job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.lastTransitionTime;
        const expireAt = Date.parse(finishedAt ?? "") + ttl * 1000;
        const left = expireAt - mgr.clock.now();
        if (left > 0) return { requeueAfter: left };
        try {
          await client.delete(req.name, { namespace: req.namespace!, propagationPolicy: "Foreground", preconditions: { uid: job.metadata!.uid! } });
        } catch (err) {
          if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
        }
        return undefined;
      },
    });
}
