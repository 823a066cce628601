import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { failureBackoff, formatIndexes, parseIndexes } from "../../plugins/kube-controller-manager/controllers/job/job-controller.js";
import { assertGone, podsOf, withCluster } from "./helpers.js";

test("pod failure backoff: 10 s doubling, capped at 10 minutes; completedIndexes format", () => {
  const cases: [number, number][] = [[0, 0], [1, 10_000], [2, 20_000], [3, 40_000], [6, 320_000], [7, 600_000], [30, 600_000]];
  for (const [failures, ms] of cases) assert.is(failureBackoff(failures), ms, `${failures} failures`);
  assert.is(formatIndexes([4, 0, 1, 2, 7, 8]), "0-2,4,7-8");
  assert.equal([...parseIndexes("0-2,4")], [0, 1, 2, 4]);
});

const job = (spec: Partial<NonNullable<Job["spec"]>>, name = "work"): Job => ({
  metadata: { name, namespace: "default" },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } }, ...spec },
});

/** Finishes a pod as a kubelet would report it. */
async function finish(cluster: Cluster, pod: Pod, phase: "Succeeded" | "Failed"): Promise<void> {
  const current = (await cluster.client.resource<Pod>("Pod").get(pod.metadata!.name!, { namespace: "default" })) as Pod;
  await cluster.client.resource<Pod>("Pod").updateSubresource(pod.metadata!.name!, "status", { ...current, status: { ...current.status, phase } }, { namespace: "default" });
}
const running = async (cluster: Cluster, uid: string): Promise<Pod[]> => (await podsOf(cluster, "default", uid)).filter((p) => !p.status?.phase || p.status.phase === "Pending" || p.status.phase === "Running").filter((p) => !p.metadata?.deletionTimestamp);
const reasons = async (cluster: Cluster): Promise<string[]> => ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.involvedObject.kind === "Job").map((e) => `${e.reason}: ${e.message}`);

test("completions and parallelism: tracked pods, counted through the finalizer, SuccessCriteriaMet then Complete", async () => {
  await withCluster(async (cluster) => {
    const j = (await cluster.client.resource<Job>("jobs.batch").create(job({ completions: 3, parallelism: 2 }))) as Job;
    await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.active === 2, { namespace: "default" });
    let pods = await running(cluster, j.metadata!.uid!);
    assert.is(pods.length, 2);
    assert.ok(pods.every((p) => p.metadata!.finalizers!.includes("batch.kubernetes.io/job-tracking")));
    assert.is(pods[0]!.metadata!.labels!["job-name"], "work");
    for (let done = 1; done <= 3; done++) {
      pods = await running(cluster, j.metadata!.uid!);
      await finish(cluster, pods[0]!, "Succeeded");
      await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.succeeded === done, { namespace: "default" });
    }
    const complete = await cluster.waitFor<Job>("jobs.batch", (x) => !!x.status?.conditions?.some((c) => c.type === "Complete"), { namespace: "default" });
    assert.equal(complete.status!.conditions!.map((c) => `${c.type}=${c.status} ${c.reason}`), ["SuccessCriteriaMet=True CompletionsReached", "Complete=True CompletionsReached"]);
    assert.ok(complete.status!.completionTime);
    assert.is(complete.status!.active ?? 0, 0);
    await cluster.clock.sleep(500);
    const all = await podsOf(cluster, "default", j.metadata!.uid!);
    assert.ok(all.filter((p) => p.status?.phase === "Succeeded").every((p) => !p.metadata!.finalizers?.includes("batch.kubernetes.io/job-tracking")), "finalizers removed once counted");
    assert.ok((await reasons(cluster)).includes("Completed: Job completed"));
  });
});

test("backoffLimit: failed pods are replaced after 10 s, 20 s ...; past the limit the Job fails with BackoffLimitExceeded", async () => {
  await withCluster(async (cluster) => {
    const j = (await cluster.client.resource<Job>("jobs.batch").create(job({ backoffLimit: 2 }))) as Job;
    const gaps: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.active === 1, { namespace: "default", timeout: 120_000 });
      const failedAt = cluster.clock.now();
      if (attempt > 0) gaps.push(failedAt);
      await finish(cluster, (await running(cluster, j.metadata!.uid!))[0]!, "Failed");
      await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.failed === attempt + 1, { namespace: "default" });
      gaps.push(cluster.clock.now());
    }
    // gaps holds [fail1, start2, fail2, start3, fail3]: replacements waited 10 s and 20 s.
    assert.ok(gaps[1]! - gaps[0]! >= 10_000 && gaps[1]! - gaps[0]! < 20_000, `first backoff ${gaps[1]! - gaps[0]!}`);
    assert.ok(gaps[3]! - gaps[2]! >= 20_000 && gaps[3]! - gaps[2]! < 40_000, `second backoff ${gaps[3]! - gaps[2]!}`);
    const failed = await cluster.waitFor<Job>("jobs.batch", (x) => !!x.status?.conditions?.some((c) => c.type === "Failed"), { namespace: "default" });
    assert.equal(failed.status!.conditions!.map((c) => `${c.type} ${c.reason}`), ["FailureTarget BackoffLimitExceeded", "Failed BackoffLimitExceeded"]);
    assert.is(failed.status!.conditions![1]!.message, "Job has reached the specified backoff limit");
    // The event is recorded asynchronously (the broadcaster's queue), after the status write.
    await cluster.waitFor<Event>("Event", (e) => e.involvedObject.kind === "Job" && e.reason === "BackoffLimitExceeded", { namespace: "default", timeout: 10_000 });
    assert.ok((await reasons(cluster)).includes("BackoffLimitExceeded: Job has reached the specified backoff limit"));
  });
});

test("Indexed: one pod per index with annotation, label, hostname and JOB_COMPLETION_INDEX; completedIndexes", async () => {
  await withCluster(async (cluster) => {
    const j = (await cluster.client.resource<Job>("jobs.batch").create(job({ completions: 3, parallelism: 3, completionMode: "Indexed" }))) as Job;
    await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.active === 3, { namespace: "default" });
    const pods = await running(cluster, j.metadata!.uid!);
    const indexes = pods.map((p) => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"]).sort();
    assert.equal(indexes, ["0", "1", "2"]);
    const one = pods.find((p) => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"] === "1")!;
    assert.match(one.metadata!.name!, /^work-1-[a-z0-9]{5}$/);
    assert.is(one.spec!.hostname, "work-1");
    assert.is(one.metadata!.labels!["batch.kubernetes.io/job-completion-index"], "1");
    assert.equal(one.spec!.containers[0]!.env, [{ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    await finish(cluster, one, "Succeeded");
    const partial = await cluster.waitFor<Job>("jobs.batch", (x) => x.status?.completedIndexes === "1", { namespace: "default" });
    assert.is(partial.status!.succeeded, 1);
    for (const p of pods.filter((x) => x !== one)) await finish(cluster, p, "Succeeded");
    const done = await cluster.waitFor<Job>("jobs.batch", (x) => !!x.status?.conditions?.some((c) => c.type === "Complete"), { namespace: "default" });
    assert.is(done.status!.completedIndexes, "0-2");
  });
});

test("activeDeadlineSeconds fails the Job on the cluster clock; suspend deletes pods; ttlSecondsAfterFinished deletes the Job", async () => {
  await withCluster(async (cluster) => {
    const t0 = cluster.clock.now();
    await cluster.client.resource<Job>("jobs.batch").create(job({ activeDeadlineSeconds: 30, ttlSecondsAfterFinished: 60 }, "slow"));
    const failed = await cluster.waitFor<Job>("jobs.batch", (x) => x.metadata?.name === "slow" && !!x.status?.conditions?.some((c) => c.type === "Failed"), { namespace: "default", timeout: 120_000 });
    assert.ok(cluster.clock.now() - t0 >= 30_000);
    assert.is(failed.status!.conditions!.find((c) => c.type === "Failed")!.reason, "DeadlineExceeded");
    const failedAt = cluster.clock.now();
    await cluster.clock.sleep(70_000);
    await assertGone(() => cluster.client.resource("jobs.batch").get("slow", { namespace: "default" }), "job after its TTL");
    assert.ok(cluster.clock.now() - failedAt >= 60_000);

    const s = (await cluster.client.resource<Job>("jobs.batch").create(job({ parallelism: 2, completions: 4 }, "pausable"))) as Job;
    await cluster.waitFor<Job>("jobs.batch", (x) => x.metadata?.name === "pausable" && x.status?.active === 2, { namespace: "default" });
    await cluster.client.resource("jobs.batch").patch("pausable", "merge", { spec: { suspend: true } }, { namespace: "default" });
    const suspended = await cluster.waitFor<Job>("jobs.batch", (x) => x.metadata?.name === "pausable" && !!x.status?.conditions?.some((c) => c.type === "Suspended" && c.status === "True"), { namespace: "default" });
    assert.is(suspended.status!.active ?? 0, 0);
    assert.is((await running(cluster, s.metadata!.uid!)).length, 0);
    await cluster.client.resource("jobs.batch").patch("pausable", "merge", { spec: { suspend: false } }, { namespace: "default" });
    const resumed = await cluster.waitFor<Job>("jobs.batch", (x) => x.metadata?.name === "pausable" && x.status?.active === 2, { namespace: "default" });
    assert.is(resumed.status!.conditions!.find((c) => c.type === "Suspended")!.reason, "JobResumed");
  });
});

test.run();
