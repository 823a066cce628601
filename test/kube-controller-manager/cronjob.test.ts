import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CronJob, Job } from "kubernetes-types/batch/v1.js";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { parseSchedule } from "../../plugins/kube-controller-manager/controllers/cronjob/cron-schedule.js";
import { mostRecentScheduleTime } from "../../plugins/kube-controller-manager/controllers/cronjob/missed-schedules.js";
import { TimeZone } from "../../plugins/kube-controller-manager/controllers/cronjob/time-zone.js";
import { kubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { withCluster as withAnyCluster } from "./helpers.js";

/** The CronJob and Job controllers alone, without leader election (whose 2 s renewals dominate a simulated day). */
const withCluster = (fn: (c: Cluster) => Promise<void>): Promise<void> => withAnyCluster(fn, { plugins: [kubeControllerManager({ controllers: "cronjob,job", leaderElect: false })] });

const runs = (spec: string, tz: string | undefined, from: string, n: number): string[] => {
  const s = parseSchedule(spec, tz);
  const out: string[] = [];
  for (let t = Date.parse(from), i = 0; i < n; i++) out.push(new Date((t = s.next(t))).toISOString().replace(".000Z", "Z"));
  return out;
};

test("schedules as robfig/cron computes them: fields, descriptors, @every, day-of-month OR day-of-week", () => {
  const cases: [string, string, string[]][] = [
    ["*/15 * * * *", "2026-01-01T00:07:10Z", ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"]],
    ["@hourly", "2026-01-01T00:00:00Z", ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"]],
    ["@weekly", "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-18T00:00:00Z"]],
    ["@monthly", "2026-01-15T00:00:00Z", ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"]],
    // Both day fields restricted: either matches (Fridays and the 13th).
    ["0 0 13 * FRI", "2026-01-01T00:00:00Z", ["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z"]],
    // A starred day-of-month: both must match (robfig's star bit).
    ["0 0 * * 1-5", "2026-01-02T12:00:00Z", ["2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"]],
    ["30 6-16/4 * * 1-5", "2026-01-05T00:00:00Z", ["2026-01-05T06:30:00Z", "2026-01-05T10:30:00Z", "2026-01-05T14:30:00Z"]],
    ["@every 90s", "2026-01-01T00:00:00Z", ["2026-01-01T00:01:30Z", "2026-01-01T00:03:00Z", "2026-01-01T00:04:30Z"]],
  ];
  for (const [spec, from, want] of cases) assert.equal(runs(spec, undefined, from, 3), want, spec);
  // Never-matching schedules yield 0 (upstream's zero time).
  assert.is(parseSchedule("59 23 31 2 *").next(Date.parse("2026-01-01T00:00:00Z")), 0);
  const errors: [string, string][] = [
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["61 * * * *", "end of range (61) above maximum (59): 61"],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
  ];
  for (const [spec, message] of errors) {
    try {
      parseSchedule(spec);
      assert.unreachable(spec);
    } catch (err) {
      assert.is((err as Error).message, message);
    }
  }
});

test("schedules across DST with timeZone: a skipped 02:30 is not run, a repeated 01:30 runs twice (robfig), 09:00 stays 09:00", () => {
  const ny = "America/New_York";
  assert.equal(runs("30 2 * * *", ny, "2026-03-07T00:00:00Z", 3), ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]);
  assert.equal(runs("30 1 * * *", ny, "2026-10-31T00:00:00Z", 4), ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"]);
  assert.equal(runs("0 9 * * *", ny, "2026-03-07T00:00:00Z", 2), ["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"]);
  assert.equal(runs("0 9 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", 2), ["2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"]);
  assert.is(TimeZone.of(ny).rfc3339(Date.parse("2026-03-08T13:00:00Z")), "2026-03-08T09:00:00-04:00");
  assert.is(TimeZone.of("Asia/Kolkata").rfc3339(Date.parse("2026-03-08T13:00:00Z")), "2026-03-08T18:30:00+05:30");
  assert.is(TimeZone.of(undefined).rfc3339(Date.parse("2026-03-08T13:00:00Z")), "2026-03-08T13:00:00Z");
});

test("missed start times: the most recent one is run; more than 100 missed is flagged; startingDeadlineSeconds bounds the look-back", () => {
  const cj = (lastScheduleTime: string, startingDeadlineSeconds?: number): CronJob => ({
    metadata: { name: "c", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { schedule: "* * * * *", jobTemplate: {}, ...(startingDeadlineSeconds !== undefined ? { startingDeadlineSeconds } : {}) },
    status: { lastScheduleTime },
  });
  const every = parseSchedule("* * * * *");
  const now = Date.parse("2026-01-01T03:00:30Z");
  const few = mostRecentScheduleTime(cj("2026-01-01T02:55:00Z"), now, every, true);
  assert.is(new Date(few.mostRecent!).toISOString(), "2026-01-01T03:00:00.000Z");
  assert.is(few.manyMissed, false);
  const many = mostRecentScheduleTime(cj("2026-01-01T00:00:00Z"), now, every, true);
  assert.is(new Date(many.mostRecent!).toISOString(), "2026-01-01T03:00:00.000Z");
  assert.is(many.manyMissed, true);
  const bounded = mostRecentScheduleTime(cj("2026-01-01T00:00:00Z", 120), now, every, true);
  assert.is(bounded.manyMissed, false, "the deadline limits the look-back to 2 minutes");
  assert.is(mostRecentScheduleTime(cj("2026-01-01T03:00:00Z"), now, every, true).mostRecent, undefined, "nothing unmet since the last run");
});

const cronJob = (name: string, spec: Partial<CronJob["spec"]>): CronJob => ({
  metadata: { name, namespace: "default" },
  spec: { schedule: "*/1 * * * *", jobTemplate: { metadata: { labels: { team: "a" } }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } }, ...spec },
});
const jobsOf = async (cluster: Cluster, name: string): Promise<Job[]> =>
  ((await cluster.client.resource<Job>("jobs.batch").list({ namespace: "default" })).items as Job[]).filter((j) => j.metadata!.ownerReferences?.[0]?.name === name && !j.metadata!.deletionTimestamp);
const events = async (cluster: Cluster, name: string): Promise<string[]> =>
  ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.involvedObject.kind === "CronJob" && e.involvedObject.name === name).map((e) => `${e.type} ${e.reason}: ${e.message}`);

/** Finishes every pod of `job` as Succeeded, as a kubelet would report it. */
async function completeJob(cluster: Cluster, job: Job): Promise<void> {
  const podClient = cluster.client.resource<Pod>("Pod");
  const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.ownerReferences?.[0]?.uid === job.metadata!.uid, { namespace: "default" });
  await podClient.updateSubresource(pod.metadata!.name!, "status", { ...pod, status: { phase: "Succeeded" } }, { namespace: "default" });
  await cluster.waitFor<Job>("jobs.batch", (j) => j.metadata!.name === job.metadata!.name && !!j.status?.completionTime, { namespace: "default" });
}

test("Allow: a Job per minute named <cronjob>-<minutes>, with the template's labels, the scheduled-timestamp annotation and status.active; completed Jobs are seen and trimmed to the history limit", async () => {
  await withCluster(async (cluster) => {
    const client = cluster.client.resource<CronJob>("cronjobs.batch");
    await client.create(cronJob("tick", { successfulJobsHistoryLimit: 1 }));
    const first = await cluster.waitFor<CronJob>("cronjobs.batch", (c) => (c.status?.active?.length ?? 0) === 1, { namespace: "default", timeout: 120_000 });
    const [job] = await jobsOf(cluster, "tick");
    const scheduled = Date.parse(first.status!.lastScheduleTime!);
    assert.is(scheduled % 60_000, 0, "scheduled on a whole minute");
    assert.is(job!.metadata!.name, `tick-${scheduled / 60_000}`);
    assert.is(job!.metadata!.labels!.team, "a");
    assert.is(job!.metadata!.annotations!["batch.kubernetes.io/cronjob-scheduled-timestamp"], first.status!.lastScheduleTime);
    assert.is(first.status!.active![0]!.name, job!.metadata!.name);
    assert.ok(job!.metadata!.ownerReferences![0]!.controller);
    await completeJob(cluster, job!);
    const seen = await cluster.waitFor<CronJob>("cronjobs.batch", (c) => !!c.status?.lastSuccessfulTime && !c.status.active?.some((r) => r.uid === job!.metadata!.uid), { namespace: "default" });
    assert.ok(seen.status!.lastSuccessfulTime);
    // The next minute's Job runs; once it completes the first one is beyond the limit of 1.
    const second = await cluster.waitFor<Job>("jobs.batch", (j) => j.metadata!.name === `tick-${scheduled / 60_000 + 1}`, { namespace: "default", timeout: 120_000 });
    await completeJob(cluster, second);
    await cluster.clock.sleep(1_000);
    await client.patch("tick", "merge", { spec: { suspend: true } }, { namespace: "default" });
    await cluster.clock.sleep(1_000);
    const left = (await jobsOf(cluster, "tick")).map((j) => j.metadata!.name);
    assert.not.ok(left.includes(job!.metadata!.name!), `first job deleted past the history limit: ${left}`);
    const ev = await events(cluster, "tick");
    assert.ok(ev.includes(`Normal SuccessfulCreate: Created job ${job!.metadata!.name}`), ev.join("\n"));
    assert.ok(ev.includes(`Normal SawCompletedJob: Saw completed job: ${job!.metadata!.name}, condition: Complete`), ev.join("\n"));
    assert.ok(ev.includes(`Normal SuccessfulDelete: Deleted job ${job!.metadata!.name}`), ev.join("\n"));
  });
});

test("Forbid skips a run while one is active (JobAlreadyActive); Replace deletes the running Job and starts the new one", async () => {
  await withCluster(async (cluster) => {
    const client = cluster.client.resource<CronJob>("cronjobs.batch");
    await client.create(cronJob("forbid", { concurrencyPolicy: "Forbid" }));
    await client.create(cronJob("replace", { concurrencyPolicy: "Replace" }));
    await cluster.waitFor<CronJob>("cronjobs.batch", (c) => c.metadata!.name === "replace" && !!c.status?.active?.length, { namespace: "default", timeout: 120_000 });
    const firstReplace = (await jobsOf(cluster, "replace"))[0]!;
    await cluster.clock.sleep(150_000);
    const forbidJobs = await jobsOf(cluster, "forbid");
    assert.is(forbidJobs.length, 1, "no second job while the first runs");
    assert.ok((await events(cluster, "forbid")).includes("Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid"));
    const replaceJobs = await jobsOf(cluster, "replace");
    assert.is(replaceJobs.length, 1, "one job at a time");
    assert.is.not(replaceJobs[0]!.metadata!.name, firstReplace.metadata!.name);
    assert.ok((await events(cluster, "replace")).includes(`Normal SuccessfulDelete: Deleted job ${firstReplace.metadata!.name}`));
    const cj = (await client.get("replace", { namespace: "default" })) as CronJob;
    assert.equal(cj.status!.active!.map((r) => r.name), [replaceJobs[0]!.metadata!.name]);
  });
});

test("a day of @hourly runs on the virtual clock: 24 Jobs, each at its hour in spec.timeZone; suspend stops them", async () => {
  await withCluster(async (cluster) => {
    const client = cluster.client.resource<CronJob>("cronjobs.batch");
    await client.create(cronJob("hourly", { schedule: "@hourly", timeZone: "Asia/Kolkata", concurrencyPolicy: "Replace", successfulJobsHistoryLimit: 30 }));
    const created: string[] = [];
    const reg = cluster.informers.forResource<Job>("jobs.batch").addEventHandler({ onAdd: (j) => void created.push(j.metadata!.annotations!["batch.kubernetes.io/cronjob-scheduled-timestamp"]!) });
    await cluster.clock.sleep(24 * 3_600_000);
    reg.remove();
    assert.is(created.length, 24);
    // Kolkata is UTC+05:30: an hourly schedule there fires at :30 UTC, and the annotation shows local time.
    assert.ok(created.every((ts) => /T\d\d:00:00\+05:30$/.test(ts)), created.join(" "));
    await client.patch("hourly", "merge", { spec: { suspend: true } }, { namespace: "default" });
    await cluster.clock.sleep(3 * 3_600_000);
    const names = new Set((await jobsOf(cluster, "hourly")).map((j) => j.metadata!.name));
    assert.ok(names.size <= 1, "Replace kept at most one");
    const last = (await client.get("hourly", { namespace: "default" })) as CronJob;
    assert.ok(cluster.clock.now() - Date.parse(last.status!.lastScheduleTime!) > 2 * 3_600_000, "no runs while suspended");
  });
});

test.run();
