import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { summarizePod } from "../../core/apiserver/printers/pod-printer.js";
import { toTable } from "../../core/apiserver/printers/to-table.js";
import type { KubeObject } from "../../core/api/object.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function pod(status: Pod["status"], spec: Partial<NonNullable<Pod["spec"]>> = {}, meta: Pod["metadata"] = {}): Pod {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "web", namespace: "default", creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: "app", image: "nginx" }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(200) } };

test("pending pod without statuses shows its phase", () => {
  assert.equal(summarizePod(pod({ phase: "Pending" })), { ready: "0/1", status: "Pending", restarts: 0 });
});

test("ContainerCreating comes from the waiting reason", () => {
  const s = summarizePod(pod({ phase: "Pending", containerStatuses: [{ name: "app", image: "nginx", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }));
  assert.is(s.status, "ContainerCreating");
  assert.is(s.ready, "0/1");
});

test("running and ready", () => {
  const s = summarizePod(pod({ phase: "Running", containerStatuses: [{ name: "app", image: "nginx", imageID: "", ready: true, restartCount: 0, state: running }] }));
  assert.equal(s, { ready: "1/1", status: "Running", restarts: 0 });
});

test("CrashLoopBackOff with restarts and the last restart time", () => {
  const p = pod({
    phase: "Running",
    containerStatuses: [{
      name: "app", image: "nginx", imageID: "", ready: false, restartCount: 5,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(300) } },
    }],
  });
  const s = summarizePod(p);
  assert.is(s.status, "CrashLoopBackOff");
  assert.is(s.restarts, 5);
  const table = toTable(p as unknown as KubeObject, { kind: "Pod", group: "", now: NOW });
  assert.equal(table.rows[0]!.cells.slice(0, 5), ["web", "0/1", "CrashLoopBackOff", "5 (5m ago)", "5m"]);
});

test("Completed, and Terminated without reason prints the exit code or signal", () => {
  const done = pod({ phase: "Succeeded", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] });
  assert.is(summarizePod(done).status, "Completed");
  const t = toTable(done as unknown as KubeObject, { kind: "Pod", group: "", now: NOW });
  assert.equal(t.rows[0]!.conditions, [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
  const exit = pod({ phase: "Failed", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] });
  assert.is(summarizePod(exit).status, "ExitCode:137");
  const sig = pod({ phase: "Failed", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] });
  assert.is(summarizePod(sig).status, "Signal:9");
});

test("init containers: Init:0/2, Init:CrashLoopBackOff, Init:Error, then the main containers", () => {
  const spec = { initContainers: [{ name: "a", image: "x" }, { name: "b", image: "x" }] };
  const waiting = pod({ phase: "Pending", initContainerStatuses: [
    { name: "a", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
    { name: "b", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
  ] }, spec);
  assert.is(summarizePod(waiting).status, "Init:0/2");
  const second = pod({ phase: "Pending", initContainerStatuses: [
    { name: "a", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
    { name: "b", image: "x", imageID: "", ready: false, restartCount: 0, state: { running: {} } },
  ] }, spec);
  assert.is(summarizePod(second).status, "Init:1/2");
  const crash = pod({ phase: "Pending", initContainerStatuses: [
    { name: "a", image: "x", imageID: "", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } } },
  ] }, spec);
  assert.equal(summarizePod(crash), { ready: "0/1", status: "Init:CrashLoopBackOff", restarts: 3 });
  const failed = pod({ phase: "Pending", initContainerStatuses: [
    { name: "a", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: "Error" } } },
  ] }, spec);
  assert.is(summarizePod(failed).status, "Init:Error");
});

test("sidecar (restartable init container) counts in READY", () => {
  const p = pod({
    phase: "Running",
    conditions: [{ type: "Initialized", status: "True" }, { type: "Ready", status: "True" }],
    initContainerStatuses: [{ name: "proxy", image: "x", imageID: "", ready: true, started: true, restartCount: 1, state: running }],
    containerStatuses: [{ name: "app", image: "x", imageID: "", ready: true, restartCount: 0, state: running }],
  }, { initContainers: [{ name: "proxy", image: "x", restartPolicy: "Always" }] });
  assert.equal(summarizePod(p), { ready: "2/2", status: "Running", restarts: 1 });
});

test("Terminating, Unknown (NodeLost), SchedulingGated, and a terminal pod being deleted keeps its phase", () => {
  const deleting = { deletionTimestamp: ago(1) };
  assert.is(summarizePod(pod({ phase: "Running" }, {}, { name: "web", deletionTimestamp: ago(1) })).status, "Terminating");
  assert.is(summarizePod(pod({ phase: "Running", reason: "NodeLost" }, {}, { name: "web", ...deleting })).status, "Unknown");
  assert.is(summarizePod(pod({ phase: "Succeeded" }, {}, { name: "web", ...deleting })).status, "Succeeded");
  assert.is(summarizePod(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] })).status, "SchedulingGated");
});

test("a Completed container next to a running one reads Running or NotReady", () => {
  const base = {
    phase: "Running",
    containerStatuses: [
      { name: "a", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
      { name: "b", image: "x", imageID: "", ready: true, restartCount: 0, state: running },
    ],
  };
  const spec = { containers: [{ name: "a", image: "x" }, { name: "b", image: "x" }] };
  assert.is(summarizePod(pod({ ...base, conditions: [{ type: "Ready", status: "True" }] }, spec)).status, "Running");
  assert.is(summarizePod(pod(base, spec)).status, "NotReady");
});

test.run();
