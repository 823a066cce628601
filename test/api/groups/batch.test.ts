import { test } from "uvu";
import * as assert from "uvu/assert";
import { JOB } from "../../../core/api/builtin/batch/job.js";
import { CRON_JOB } from "../../../core/api/builtin/batch/cron-job.js";
import { BATCH_TYPES } from "../../../core/api/builtin/batch/index.js";
import { cronScheduleError } from "../../../core/api/builtin/batch/cron-schedule.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, podTemplate, update } from "./strategy-harness.js";

const job = (spec: Record<string, unknown> = {}) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi", namespace: "default", uid: "1234" },
  spec: { template: podTemplate({ app: "pi" }, { restartPolicy: "Never" }), ...spec },
});

test("descriptors", () => {
  assert.equal(BATCH_TYPES.map((t) => [t.descriptor.plural, t.descriptor.shortNames, t.descriptor.categories, t.descriptor.subresources]), [
    ["cronjobs", ["cj"], ["all"], ["status"]],
    ["jobs", [], ["all"], ["status"]],
  ]);
});

test("Job defaults and generated selector", () => {
  const { obj, errors } = create(JOB as ApiTypeRegistration, job());
  assert.equal(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.is(spec["completions"], 1);
  assert.is(spec["parallelism"], 1);
  assert.is(spec["backoffLimit"], 6);
  assert.is(spec["completionMode"], "NonIndexed");
  assert.is(spec["suspend"], false);
  assert.is(spec["manualSelector"], false);
  assert.is(spec["podReplacementPolicy"], "TerminatingOrFailed");
  assert.equal(spec["selector"], { matchLabels: { "batch.kubernetes.io/controller-uid": "1234" } });
  assert.equal((spec["template"] as { metadata: { labels: unknown } }).metadata.labels, {
    app: "pi", "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "1234", "batch.kubernetes.io/controller-uid": "1234",
  });
  assert.equal(obj.metadata?.labels, { app: "pi" }, "job labels come from the template (before the selector labels are added)");
});

test("Job: parallelism only leaves completions unset", () => {
  const spec = create(JOB as ApiTypeRegistration, job({ parallelism: 3 })).obj.spec as Record<string, unknown>;
  assert.is(spec["completions"], undefined);
  assert.is(spec["parallelism"], 3);
});

test("Job validation causes", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ template: podTemplate({ app: "pi" }) }, 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'],
    [{ completionMode: "Indexed", completions: undefined, parallelism: 2 }, "spec.completions: Required value: when completion mode is Indexed"],
    [{ backoffLimit: -1 }, "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"],
    [{ completionMode: "Sometimes" }, 'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
    [{ manualSelector: true, selector: { matchLabels: { app: "other" } } }, 'spec.template.metadata.labels: Invalid value: {"app":"pi"}: `selector` does not match template `labels`'],
    [{ manualSelector: true }, "spec.selector: Required value"],
  ];
  for (const [spec, want] of cases) {
    const { errors } = create(JOB as ApiTypeRegistration, job(spec));
    assert.ok(errors.includes(want), `${JSON.stringify(spec)} → ${JSON.stringify(errors)}`);
  }
});

test("Job updates: template and completions immutable; suspended jobs may reschedule", () => {
  const { obj: old } = create(JOB as ApiTypeRegistration, job());
  const spec = old.spec as Record<string, unknown>;
  const tmpl = spec["template"] as Record<string, Record<string, unknown>>;
  const newImage = { ...tmpl, spec: { ...tmpl["spec"], containers: [{ name: "nginx", image: "nginx:2" }] } };
  const changed = update(JOB as ApiTypeRegistration, { ...old, spec: { ...spec, template: newImage } }, old);
  assert.ok(changed.errors.some((e) => e.startsWith("spec.template: Invalid value: ") && e.endsWith(": field is immutable")), changed.errors.join("\n"));
  assert.equal(update(JOB as ApiTypeRegistration, { ...old, spec: { ...spec, completions: 4 } }, old).errors, ["spec.completions: Invalid value: 4: field is immutable"]);
  const suspended = { ...old, spec: { ...spec, suspend: true } };
  const withSelector = { ...tmpl, spec: { ...tmpl["spec"], nodeSelector: { zone: "a" } } };
  assert.equal(update(JOB as ApiTypeRegistration, { ...suspended, spec: { ...suspended.spec, template: withSelector } }, suspended).errors, []);
  assert.is(update(JOB as ApiTypeRegistration, { ...old, spec: { ...spec, parallelism: 5 } }, old).errors.length, 0);
});

test("cron schedules parse as robfig/cron's ParseStandard", () => {
  for (const ok of ["*/5 * * * *", "0 0 * * MON-FRI", "15 2 1,15 * ?", "@hourly", "@every 1h30m", "0 9 * jan,jul sun", "TZ=UTC 0 * * * *", "5/15 0-23/2 * * *"]) {
    assert.is(cronScheduleError(ok), undefined, ok);
  }
  const bad: [string, string][] = [
    ["foo", "expected exactly 5 fields, found 1: [foo]"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
  ];
  for (const [spec, want] of bad) assert.is(cronScheduleError(spec), want, spec);
});

test("CronJob defaults and validation", () => {
  const cj = { metadata: { name: "nightly", namespace: "default" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: podTemplate({ app: "n" }, { restartPolicy: "OnFailure" }) } } } };
  const { obj, errors } = create(CRON_JOB as ApiTypeRegistration, cj);
  assert.equal(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.is(spec["concurrencyPolicy"], "Allow");
  assert.is(spec["suspend"], false);
  assert.is(spec["successfulJobsHistoryLimit"], 3);
  assert.is(spec["failedJobsHistoryLimit"], 1);
  const bad = (s: Record<string, unknown>) => create(CRON_JOB as ApiTypeRegistration, { ...cj, spec: { ...cj.spec, ...s } }).errors;
  assert.equal(bad({ schedule: "every day" }), ['spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: [every day]']);
  assert.equal(bad({ schedule: "CRON_TZ=UTC 0 3 * * *" }), ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  assert.equal(bad({ concurrencyPolicy: "Sometimes" }), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
  assert.equal(bad({ timeZone: "Mars/Olympus" }), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.equal(bad({ timeZone: "Europe/Paris" }), []);
  const long = create(CRON_JOB as ApiTypeRegistration, { ...cj, metadata: { name: "x".repeat(53), namespace: "default" } }).errors;
  assert.equal(long, [`metadata.name: Invalid value: "${"x".repeat(53)}": must be no more than 52 characters`]);
});

test.run();
