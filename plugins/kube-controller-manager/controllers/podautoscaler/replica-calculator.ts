import type { Pod } from "kubernetes-types/core/v1.js";
import { parseQuantity, milliValue } from "../../../../core/api/quantity.js";
import { readyCondition } from "../workload/pod-state.js";

/** One pod's metric: its value in milli-units, when it was measured and over what window (ms). */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

/** The replica calculator's settings (kube-controller-manager's `--horizontal-pod-autoscaler-*` flags). */
export interface ReplicaCalculatorSettings {
  /** `--horizontal-pod-autoscaler-tolerance` (0.1). */
  tolerance: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min). */
  cpuInitializationPeriodMs: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s). */
  initialReadinessDelayMs: number;
}

export const REPLICA_CALCULATOR_DEFAULTS: ReplicaCalculatorSettings = { tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, initialReadinessDelayMs: 30_000 };

interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/**
 * Sorts the target's pods as upstream's groupPods: deleted and failed pods are ignored, pending
 * ones unready, pods without a metric missing; for CPU, a pod counts as unready while it is not
 * Ready in its CPU initialization period (or its metric predates one window after becoming Ready),
 * and after that only if it never became Ready within the initial readiness delay.
 */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, s: ReplicaCalculatorSettings, now: number): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata!.name!;
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === "Failed") {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === "Pending") {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === "cpu") {
      const condition = readyCondition(pod);
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!condition || start === undefined) unready = true;
      else {
        const transition = condition.lastTransitionTime ? Date.parse(condition.lastTransitionTime) : 0;
        if (start + s.cpuInitializationPeriodMs > now) unready = condition.status === "False" || metric.timestamp < transition + metric.windowMs;
        else unready = condition.status === "False" && start + s.initialReadinessDelayMs > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Each pod's summed container requests of `resource` in milli-units; throws naming the container without one. */
export function podRequests(pods: readonly Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let total = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata!.name}`);
      total += Number(milliValue(parseQuantity(String(req))));
    }
    out.set(pod.metadata!.name!, total);
  }
  return out;
}

/** GetResourceUtilizationRatio: usage over requests of the pods with both, against the target percentage. */
export function utilizationRatio(metrics: PodMetrics, requests: ReadonlyMap<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new Error("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

export interface ResourceReplicas {
  replicas: number;
  /** Utilization in percent of requests (utilization targets). */
  utilization?: number;
  /** Average value per pod in milli-units. */
  rawAverage: number;
  timestamp: number;
}

/**
 * The replica count for a resource metric (upstream's GetResourceReplicas when `targetUtilization`
 * is given, GetRawResourceReplicas with `targetAverageMilli`): the usage ratio of the ready pods
 * scales them, within the tolerance nothing changes; missing pods count as 0 usage when scaling up
 * and as the target (at least 100 % of request) when scaling down, unready pods as 0 when scaling
 * up; a direction the missing or unready pods would reverse is not taken.
 */
export function resourceReplicas(
  currentReplicas: number, pods: readonly Pod[], metrics: PodMetrics, resource: string, target: { utilization: number } | { averageMilli: number }, s: ReplicaCalculatorSettings, now: number, container?: string,
): ResourceReplicas {
  if (pods.length === 0) throw new Error("no pods returned by selector while calculating replica count");
  const timestamp = Math.max(0, ...[...metrics.values()].map((m) => m.timestamp));
  const groups = groupPods(pods, metrics, resource, s, now);
  const usable: PodMetrics = new Map([...metrics].filter(([name]) => !groups.ignored.has(name) && !groups.unready.has(name)));
  if (usable.size === 0) throw new Error("did not receive metrics for targeted pods (pods might be unready)");
  const byUtilization = "utilization" in target;
  const requests = byUtilization ? podRequests(pods, resource, container) : undefined;
  const ratioOf = (m: PodMetrics): { ratio: number; utilization?: number; rawAverage: number } => {
    if (requests) return utilizationRatio(m, requests, (target as { utilization: number }).utilization);
    let total = 0;
    for (const v of m.values()) total += v.value;
    const avg = (target as { averageMilli: number }).averageMilli;
    return { ratio: total / (avg * m.size), rawAverage: Math.trunc(total / m.size) };
  };
  const first = ratioOf(usable);
  const result = (replicas: number): ResourceReplicas => ({ replicas, ...(first.utilization !== undefined ? { utilization: first.utilization } : {}), rawAverage: first.rawAverage, timestamp });
  const scaleUpWithUnready = groups.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= s.tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * groups.readyPodCount));
  }
  const filled: PodMetrics = new Map(usable);
  if (groups.missing.size > 0) {
    for (const name of groups.missing) {
      let value = 0;
      if (first.ratio < 1) value = requests ? ((requests.get(name) ?? 0) * Math.max(100, (target as { utilization: number }).utilization)) / 100 : (target as { averageMilli: number }).averageMilli;
      filled.set(name, { value, timestamp, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) filled.set(name, { value: 0, timestamp, windowMs: 0 });
  const second = ratioOf(filled);
  if (Math.abs(1 - second.ratio) <= s.tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) return result(currentReplicas);
  const replicas = Math.ceil(second.ratio * filled.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
