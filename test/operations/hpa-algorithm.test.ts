/** The HPA's replica calculator and scaling rules, as upstream's tables compute them. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { limitWithBehavior, limitWithRules, REPLICA_CALCULATOR_DEFAULTS, resourceReplicas, stabilize, type PodMetrics } from "../../plugins/kube-controller-manager/controllers/podautoscaler/index.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function pod(name: string, opts: { phase?: string; ready?: boolean; startedAgo?: number; readySince?: number; request?: string } = {}): Pod {
  const started = NOW - (opts.startedAgo ?? 600_000);
  return {
    metadata: { name, namespace: "ns" },
    spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: opts.request ?? "200m" } } }] },
    status: { phase: opts.phase ?? "Running", startTime: iso(started), conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True", lastTransitionTime: iso(opts.readySince ?? started + 5_000) }] },
  } as Pod;
}
const metrics = (values: Record<string, number>): PodMetrics => new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: NOW - 5_000, windowMs: 15_000 }]));

test("utilization: ceil(ratio × ready pods); within the 0.1 tolerance nothing changes", () => {
  const pods = [pod("a"), pod("b")];
  // 300m + 300m of 200m requests each = 150 % against a 50 % target: ratio 3 → 6.
  let r = resourceReplicas(2, pods, metrics({ a: 300, b: 300 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 6);
  assert.is(r.utilization, 150);
  assert.is(r.rawAverage, 300);
  // 105 % of an 100 % target: inside the tolerance.
  r = resourceReplicas(2, pods, metrics({ a: 210, b: 210 }), "cpu", { utilization: 100 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 2);
});

test("missing metrics: assumed at the target (100 % of request at least) when scaling down, 0 when scaling up; a reversal keeps the count", () => {
  const pods = [pod("a"), pod("b"), pod("c")];
  // Scale down: a and b at 10 %, c missing (taken as 100 %): (20+20+200)/600 = 40 % of a 50 % target → ratio .8 → ceil(.8×3) = 3... unchanged
  let r = resourceReplicas(3, pods, metrics({ a: 20, b: 20 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 3);
  // Scale up: a and b at 200 %, c missing (0): 800/600 = 133 % of 50 % → ratio 2.66 → ceil(2.66 × 3) = 8.
  r = resourceReplicas(3, pods, metrics({ a: 400, b: 400 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 8);
  // Pending pods are unready: counted as 0 when scaling up (400m of 200m is 200 %, with the pending pod 100 %: ratio 2 over 2 pods).
  r = resourceReplicas(2, [pod("a"), pod("p", { phase: "Pending" })], metrics({ a: 400 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 4);
});

test("CPU initialization: a pod not Ready in its first 5 minutes is unready; without any usable metric it is an error", () => {
  const young = pod("a", { startedAgo: 60_000, ready: false });
  try {
    resourceReplicas(1, [young], metrics({ a: 500 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, "did not receive metrics for targeted pods (pods might be unready)");
  }
  try {
    resourceReplicas(1, [pod("a", { request: "0" })].map((p) => ({ ...p, spec: { containers: [{ name: "c", image: "x" }] } })), metrics({ a: 5 }), "cpu", { utilization: 50 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, "missing request for cpu in container c of Pod a");
  }
});

test("averageValue: total usage over the target per pod", () => {
  const r = resourceReplicas(2, [pod("a"), pod("b")], metrics({ a: 300, b: 500 }), "cpu", { averageMilli: 100 }, REPLICA_CALCULATOR_DEFAULTS, NOW);
  assert.is(r.replicas, 8);
  assert.is(r.rawAverage, 400);
});

test("without behavior: scale-up at most max(2 × current, 4); min and max bound the count", () => {
  assert.equal(limitWithRules(1, 10, 1, 10), { replicas: 4, reason: "ScaleUpLimit", message: "the desired replica count is increasing faster than the maximum scale rate" });
  assert.equal(limitWithRules(4, 10, 1, 6), { replicas: 6, reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count" });
  assert.equal(limitWithRules(4, 0, 2, 6), { replicas: 2, reason: "TooFewReplicas", message: "the desired replica count is less than the minimum replica count" });
  assert.equal(limitWithRules(4, 5, 1, 6).reason, "DesiredWithinRange");
});

test("behavior policies: Pods and Percent per period, selectPolicy Max/Min/Disabled, counted from the period's start", () => {
  const up = { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 60 }, { type: "Percent", value: 100, periodSeconds: 60 }] };
  const down = { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] };
  assert.is(limitWithBehavior(10, 50, 1, 100, { scaleUp: up, scaleDown: down }, [], [], NOW).replicas, 20);
  assert.is(limitWithBehavior(2, 50, 1, 100, { scaleUp: up, scaleDown: down }, [], [], NOW).replicas, 6);
  assert.is(limitWithBehavior(2, 50, 1, 100, { scaleUp: { ...up, selectPolicy: "Min" }, scaleDown: down }, [], [], NOW).replicas, 4);
  // 4 pods were added 30 s ago: the period started at 6, so Pods allows 10 and Percent 12.
  assert.is(limitWithBehavior(10, 50, 1, 100, { scaleUp: up, scaleDown: down }, [{ change: 4, timestamp: NOW - 30_000 }], [], NOW).replicas, 12);
  const d = limitWithBehavior(10, 2, 1, 100, { scaleUp: up, scaleDown: down }, [], [], NOW);
  assert.equal(d, { replicas: 9, reason: "ScaleDownLimit", message: "the desired replica count is decreasing faster than the maximum scale rate" });
  assert.is(limitWithBehavior(10, 2, 1, 100, { scaleUp: up, scaleDown: { ...down, selectPolicy: "Disabled" } }, [], [], NOW).replicas, 10);
});

test("stabilization: a scale-down takes the highest recommendation of the window", () => {
  const history = [{ replicas: 8, timestamp: NOW - 200_000 }, { replicas: 6, timestamp: NOW - 100_000 }];
  assert.equal(stabilize(8, 2, 0, 300, history, NOW), { replicas: 8, reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" });
  assert.is(history.length, 3);
  const later = stabilize(8, 2, 0, 300, history, NOW + 150_000);
  assert.is(later.replicas, 6, "the 8 left the window");
});

test.run();
