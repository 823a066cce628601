import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Job, PodFailurePolicyRule } from "kubernetes-types/batch/v1.js";
import type { Event, Pod, PodCondition } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { matchPodFailurePolicy } from "../../plugins/kube-controller-manager/controllers/job/pod-failure-policy.js";
import { matchSuccessPolicy } from "../../plugins/kube-controller-manager/controllers/job/success-policy.js";
import { podsOf, setPodStatus, withCluster } from "./helpers.js";

const failedPod = (exit: Record<string, number>, conditions: PodCondition[] = [], init: Record<string, number> = {}): Pod => {
  const statuses = (m: Record<string, number>) => Object.entries(m).map(([name, exitCode]) => ({ name, image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode } } }));
  return { metadata: { name: "p", namespace: "ns" }, status: { phase: "Failed", conditions, containerStatuses: statuses(exit), initContainerStatuses: statuses(init) } };
};
const withPolicy = (rules: PodFailurePolicyRule[], extra: Partial<NonNullable<Job["spec"]>> = {}): Job => ({ spec: { template: {}, podFailurePolicy: { rules }, ...extra } });

test("podFailurePolicy: the first matching rule decides (upstream's cases)", () => {
  const failOn42: PodFailurePolicyRule = { action: "FailJob", onExitCodes: { operator: "In", values: [42] } };
  const ignoreDisruption: PodFailurePolicyRule = { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] };
  const cases: [string, Job, Pod, string | undefined, boolean, string?][] = [
    ["In matches", withPolicy([failOn42]), failedPod({ main: 42 }), "FailJob", true, "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0"],
    ["In does not match", withPolicy([failOn42]), failedPod({ main: 1 }), undefined, true],
    ["exit code 0 never matches, even NotIn", withPolicy([{ action: "Ignore", onExitCodes: { operator: "NotIn", values: [1] } }]), failedPod({ main: 0, side: 1 }), undefined, true],
    ["NotIn matches another code", withPolicy([{ action: "Count", onExitCodes: { operator: "NotIn", values: [1] } }]), failedPod({ main: 3 }), "Count", true],
    ["containerName restricts", withPolicy([{ action: "FailJob", onExitCodes: { containerName: "side", operator: "In", values: [42] } }]), failedPod({ main: 42, side: 1 }), undefined, true],
    ["init containers are checked after containers", withPolicy([failOn42]), failedPod({}, [], { setup: 42 }), "FailJob", true, "Container setup for pod ns/p failed with exit code 42 matching FailJob rule at index 0"],
    ["pod condition: Ignore does not count", withPolicy([failOn42, ignoreDisruption]), failedPod({ main: 1 }, [{ type: "DisruptionTarget", status: "True" }]), "Ignore", false],
    ["pod condition with a False status does not match", withPolicy([ignoreDisruption]), failedPod({ main: 1 }, [{ type: "DisruptionTarget", status: "False" }]), undefined, true],
    ["FailJob on a condition", withPolicy([{ action: "FailJob", onPodConditions: [{ type: "ConfigIssue", status: "True" }] }]), failedPod({}, [{ type: "ConfigIssue", status: "True" }]), "FailJob", true, "Pod ns/p has condition ConfigIssue matching FailJob rule at index 0"],
    ["FailIndex without backoffLimitPerIndex falls through", withPolicy([{ action: "FailIndex", onExitCodes: { operator: "In", values: [1] } }, { action: "Ignore", onExitCodes: { operator: "In", values: [1] } }]), failedPod({ main: 1 }), "Ignore", false],
    ["FailIndex with backoffLimitPerIndex", withPolicy([{ action: "FailIndex", onExitCodes: { operator: "In", values: [1] } }], { backoffLimitPerIndex: 2, completionMode: "Indexed" }), failedPod({ main: 1 }), "FailIndex", true],
    ["second rule's index in the message", withPolicy([ignoreDisruption, failOn42]), failedPod({ main: 42 }), "FailJob", true, "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1"],
  ];
  for (const [name, job, pod, action, counts, message] of cases) {
    const v = matchPodFailurePolicy(job, pod);
    assert.is(v.action, action, name);
    assert.is(v.counts, counts, name);
    assert.is(v.message, message, name);
  }
});

test("successPolicy: succeededIndexes, succeededCount, both; the first matching rule is named", () => {
  const job = (rules: { succeededIndexes?: string; succeededCount?: number }[]): Job => ({ spec: { template: {}, completionMode: "Indexed", completions: 10, successPolicy: { rules } } });
  const cases: [string, Job, number[], string | undefined][] = [
    ["all listed indexes", job([{ succeededIndexes: "0,2-3" }]), [0, 2, 3], "Matched rules at index 0"],
    ["a listed index missing", job([{ succeededIndexes: "0,2-3" }]), [0, 2, 5], undefined],
    ["count within the listed indexes", job([{ succeededIndexes: "0-4", succeededCount: 2 }]), [1, 4, 9], "Matched rules at index 0"],
    ["count outside the listed indexes does not help", job([{ succeededIndexes: "0-4", succeededCount: 2 }]), [1, 8, 9], undefined],
    ["count alone", job([{ succeededIndexes: "9" }, { succeededCount: 3 }]), [1, 8, 7], "Matched rules at index 1"],
    ["nothing succeeded", job([{ succeededCount: 0 }]), [], undefined],
    ["indexes past completions are ignored", job([{ succeededIndexes: "12-15" }]), [1], undefined],
  ];
  for (const [name, j, done, want] of cases) assert.is(matchSuccessPolicy(j, new Set(done)), want, name);
});

const create = async (cluster: Cluster, spec: Partial<NonNullable<Job["spec"]>>): Promise<Job> =>
  (await cluster.client.resource<Job>("jobs.batch").create({ metadata: { name: "work", namespace: "default" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } }, ...spec } })) as Job;
const live = async (cluster: Cluster, uid: string): Promise<Pod[]> => (await podsOf(cluster, "default", uid)).filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded");
const reasons = async (cluster: Cluster): Promise<string[]> => ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.involvedObject.kind === "Job").map((e) => `${e.type} ${e.reason}: ${e.message}`);
const conditions = (j: Job): string[] => (j.status?.conditions ?? []).map((c) => `${c.type} ${c.reason}`);
const waitJob = (cluster: Cluster, ok: (j: Job) => boolean): Promise<Job> => cluster.waitFor<Job>("jobs.batch", ok, { namespace: "default", timeout: 600_000 });
const index = (p: Pod): string => p.metadata!.annotations!["batch.kubernetes.io/job-completion-index"]!;

/** Ends a pod as a kubelet reports it: phase, main's exit code, extra conditions. */
async function end(cluster: Cluster, pod: Pod, phase: "Failed" | "Succeeded", exitCode = phase === "Failed" ? 1 : 0, extra: PodCondition[] = []): Promise<void> {
  const client = cluster.client.resource<Pod>("Pod");
  const cur = (await client.get(pod.metadata!.name!, { namespace: "default" })) as Pod;
  const status = { ...cur.status, phase, conditions: [...(cur.status?.conditions ?? []), ...extra], containerStatuses: [{ name: "main", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode } } }] };
  await client.updateSubresource(pod.metadata!.name!, "status", { ...cur, status }, { namespace: "default" });
}

test("FailJob rule: FailureTarget and Failed with reason PodFailurePolicy and upstream's message; other pods are deleted first", async () => {
  await withCluster(async (cluster) => {
    const j = await create(cluster, { parallelism: 2, completions: 2, podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] } });
    await waitJob(cluster, (x) => x.status?.active === 2);
    const [victim, other] = await live(cluster, j.metadata!.uid!);
    await end(cluster, victim!, "Failed", 42);
    const failed = await waitJob(cluster, (x) => conditions(x).includes("Failed PodFailurePolicy"));
    const msg = `Container main for pod default/${victim!.metadata!.name} failed with exit code 42 matching FailJob rule at index 0`;
    assert.equal(conditions(failed), ["FailureTarget PodFailurePolicy", "Failed PodFailurePolicy"]);
    assert.is(failed.status!.conditions![1]!.message, msg);
    assert.is(failed.status!.failed, 1);
    await cluster.clock.sleep(100); // events are written asynchronously
    assert.ok((await reasons(cluster)).includes(`Warning PodFailurePolicy: ${msg}`));
    assert.ok((await reasons(cluster)).includes(`Normal SuccessfulDelete: Deleted pod: ${other!.metadata!.name}`), (await reasons(cluster)).join("\n"));
  });
});

test("Ignore rule on DisruptionTarget: the failure is not counted and the pod is replaced without backoff; other failures count", async () => {
  await withCluster(async (cluster) => {
    const j = await create(cluster, { backoffLimit: 0, podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] } });
    await waitJob(cluster, (x) => x.status?.active === 1);
    const [first] = await live(cluster, j.metadata!.uid!);
    // Evicted through the API: the API server marks it DisruptionTarget, the kubelet (played here) ends it Failed.
    await setPodStatus(cluster, first!, { node: "kubesim-worker", ready: true });
    await cluster.client.resource<Pod>("Pod").createSubresource(first!.metadata!.name!, "eviction", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: first!.metadata!.name!, namespace: "default" } }, { namespace: "default" });
    const evicted = (await cluster.client.resource<Pod>("Pod").get(first!.metadata!.name!, { namespace: "default" })) as Pod;
    assert.ok(evicted.metadata!.deletionTimestamp);
    assert.equal(evicted.status!.conditions!.filter((c) => c.type === "DisruptionTarget").map((c) => `${c.status} ${c.reason}: ${c.message}`), ["True EvictionByEvictionAPI: Eviction API: evicting"]);
    await end(cluster, first!, "Failed", 137);
    const started = cluster.clock.now();
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name !== first!.metadata!.name && p.metadata?.ownerReferences?.[0]?.uid === j.metadata!.uid, { namespace: "default" });
    assert.ok(cluster.clock.now() - started < 10_000, "replaced without the 10 s backoff");
    const after = (await cluster.client.resource<Job>("jobs.batch").get("work", { namespace: "default" })) as Job;
    assert.is(after.status!.failed ?? 0, 0, "ignored failures are not counted");
    assert.not.ok(conditions(after).some((c) => c.startsWith("Failed")));
    const [second] = await live(cluster, j.metadata!.uid!);
    await end(cluster, second!, "Failed", 1);
    const failed = await waitJob(cluster, (x) => conditions(x).includes("Failed BackoffLimitExceeded"));
    assert.is(failed.status!.failed, 1);
  });
});

test("backoffLimitPerIndex: an index past its limit is failed (failedIndexes), others run on; all finished with failures gives FailedIndexes", async () => {
  await withCluster(async (cluster) => {
    const j = await create(cluster, { completionMode: "Indexed", completions: 3, parallelism: 3, backoffLimitPerIndex: 1 });
    await waitJob(cluster, (x) => x.status?.active === 3);
    const byIndex = async (i: string): Promise<Pod> => (await live(cluster, j.metadata!.uid!)).find((p) => index(p) === i)!;
    const first = await byIndex("1");
    assert.is(first.metadata!.annotations!["batch.kubernetes.io/job-index-failure-count"], "0");
    await end(cluster, first, "Failed");
    const retry = await cluster.waitFor<Pod>("Pod", (p) => index(p) === "1" && p.metadata!.name !== first.metadata!.name, { namespace: "default", timeout: 60_000 });
    assert.is(retry.metadata!.annotations!["batch.kubernetes.io/job-index-failure-count"], "1");
    await end(cluster, retry, "Failed");
    const marked = await waitJob(cluster, (x) => x.status?.failedIndexes === "1" && x.status.failed === 2);
    assert.is(marked.status!.failed, 2);
    assert.not.ok(conditions(marked).some((c) => c.startsWith("Failed")), "other indexes still run");
    await cluster.clock.sleep(60_000);
    assert.not.ok((await live(cluster, j.metadata!.uid!)).some((p) => index(p) === "1"), "a failed index is not retried");
    for (const i of ["0", "2"]) await end(cluster, await byIndex(i), "Succeeded");
    const done = await waitJob(cluster, (x) => conditions(x).includes("Failed FailedIndexes"));
    assert.is(done.status!.completedIndexes, "0,2");
    assert.is(done.status!.conditions!.find((c) => c.type === "Failed")!.message, "Job has failed indexes");
  });
});

test("maxFailedIndexes and FailIndex: one index failed by a FailIndex rule fails the Job with MaxFailedIndexesExceeded", async () => {
  await withCluster(async (cluster) => {
    const j = await create(cluster, {
      completionMode: "Indexed", completions: 4, parallelism: 2, backoffLimitPerIndex: 5, maxFailedIndexes: 0,
      podFailurePolicy: { rules: [{ action: "FailIndex", onExitCodes: { operator: "In", values: [3] } }] },
    });
    await waitJob(cluster, (x) => x.status?.active === 2);
    const [pod] = await live(cluster, j.metadata!.uid!);
    await end(cluster, pod!, "Failed", 3);
    const failed = await waitJob(cluster, (x) => conditions(x).includes("Failed MaxFailedIndexesExceeded"));
    assert.is(failed.status!.failedIndexes, index(pod!));
    assert.is(failed.status!.conditions!.find((c) => c.type === "Failed")!.message, "Job has exceeded the specified maximal number of failed indexes");
  });
});

test("successPolicy: the leader index succeeding completes the Job (SuccessPolicy) and removes the other pods", async () => {
  await withCluster(async (cluster) => {
    const j = await create(cluster, { completionMode: "Indexed", completions: 4, parallelism: 4, successPolicy: { rules: [{ succeededIndexes: "0" }] } });
    await waitJob(cluster, (x) => x.status?.active === 4);
    const leader = (await live(cluster, j.metadata!.uid!)).find((p) => index(p) === "0")!;
    await end(cluster, leader, "Succeeded");
    const done = await waitJob(cluster, (x) => conditions(x).includes("Complete SuccessPolicy"));
    assert.equal(conditions(done), ["SuccessCriteriaMet SuccessPolicy", "Complete SuccessPolicy"]);
    assert.is(done.status!.conditions![0]!.message, "Matched rules at index 0");
    assert.is(done.status!.completedIndexes, "0");
    assert.is((await live(cluster, j.metadata!.uid!)).length, 0);
  });
});

test("podReplacementPolicy: TerminatingOrFailed replaces (and counts) a deleted pod at once; Failed waits until it is Failed", async () => {
  for (const policy of ["TerminatingOrFailed", "Failed"] as const) {
    await withCluster(async (cluster) => {
      const j = await create(cluster, { podReplacementPolicy: policy, backoffLimit: 5 });
      await waitJob(cluster, (x) => x.status?.active === 1);
      const [pod] = await live(cluster, j.metadata!.uid!);
      await setPodStatus(cluster, pod!, { node: "kubesim-worker", ready: true });
      // Bound: the deletion is graceful and waits for a kubelet, so the pod stays terminating.
      await cluster.client.resource<Pod>("Pod").delete(pod!.metadata!.name!, { namespace: "default" });
      await cluster.clock.sleep(15_000);
      const job = (await cluster.client.resource<Job>("jobs.batch").get("work", { namespace: "default" })) as Job;
      const replacements = (await live(cluster, j.metadata!.uid!)).length;
      if (policy === "TerminatingOrFailed") {
        assert.is(job.status!.failed, 1, "the deleted pod counts as failed");
        assert.is(replacements, 1, "and is replaced (after the 10 s backoff)");
      } else {
        assert.is(job.status!.failed ?? 0, 0);
        assert.is(job.status!.terminating, 1);
        assert.is(replacements, 0, "no replacement while terminating");
        await end(cluster, pod!, "Failed", 137);
        await cluster.clock.sleep(15_000);
        assert.is((await live(cluster, j.metadata!.uid!)).length, 1, "replaced once Failed");
      }
    });
  }
});

test("restartPolicy OnFailure: container restarts of running pods count towards backoffLimit", async () => {
  await withCluster(async (cluster) => {
    const j = (await cluster.client.resource<Job>("jobs.batch").create({ metadata: { name: "work", namespace: "default" }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "busybox" }] } } } })) as Job;
    await waitJob(cluster, (x) => x.status?.active === 1);
    const [pod] = await live(cluster, j.metadata!.uid!);
    await setPodStatus(cluster, pod!, { node: "kubesim-worker", ready: false, restarts: 1 });
    await cluster.clock.sleep(1_000);
    assert.not.ok(conditions((await cluster.client.resource<Job>("jobs.batch").get("work", { namespace: "default" })) as Job).some((c) => c.startsWith("Failed")), "1 restart < limit 2");
    await setPodStatus(cluster, pod!, { node: "kubesim-worker", ready: false, restarts: 2 });
    const target = await waitJob(cluster, (x) => conditions(x).includes("FailureTarget BackoffLimitExceeded"));
    assert.not.ok(conditions(target).some((c) => c.startsWith("Failed")), "Failed waits for the pod to terminate");
    assert.is(target.status!.terminating, 1);
    // The kubelet (played here) finishes the graceful deletion.
    await cluster.client.resource<Pod>("Pod").delete(pod!.metadata!.name!, { namespace: "default", gracePeriodSeconds: 0 });
    const failed = await waitJob(cluster, (x) => conditions(x).includes("Failed BackoffLimitExceeded"));
    assert.equal(conditions(failed), ["FailureTarget BackoffLimitExceeded", "Failed BackoffLimitExceeded"]);
  });
});

test.run();
