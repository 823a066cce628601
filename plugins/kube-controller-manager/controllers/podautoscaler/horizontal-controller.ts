import type { Pod } from "kubernetes-types/core/v1.js";
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2.js";
import { controllerFor, isStatusError, parseLabelSelector, type KubeObject, type Manager } from "../../../../core/index.js";
import { formatQuantity, milliValue, parseQuantity } from "../../../../core/api/quantity.js";
import { rfc3339Of } from "../workload/time.js";
import { resourceMetric, type AggregatedGet } from "./metrics-client.js";
import { resourceReplicas, type ReplicaCalculatorSettings } from "./replica-calculator.js";
import { limitWithBehavior, limitWithRules, stabilize, type Recommendation, type ScaleEvent } from "./scaling-rules.js";

type Hpa = HorizontalPodAutoscaler & KubeObject;

interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** The HPA controller's settings (kube-controller-manager's `--horizontal-pod-autoscaler-*` flags). */
export interface HpaSettings extends ReplicaCalculatorSettings {
  /** `--horizontal-pod-autoscaler-sync-period` (15 s). */
  syncPeriodMs: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min), for HPAs without behavior. */
  downscaleStabilizationMs: number;
}

export const HPA_DEFAULTS: HpaSettings = { syncPeriodMs: 15_000, downscaleStabilizationMs: 5 * 60_000, tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, initialReadinessDelayMs: 30_000 };

/** A metric that could not be computed: the event and ScalingActive reason, and the error. */
class MetricError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** Per-HPA memory the controller keeps between syncs (upstream's recommendations and scale events). */
interface Memory {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
}

/**
 * The horizontal pod autoscaler controller (pkg/controller/podautoscaler), every sync period per
 * HPA: reads the target's scale subresource, computes a replica count per metric (Resource metrics
 * from metrics.k8s.io, by utilization of requests or average value) and takes the largest,
 * stabilizes it (the scale-down window, 300 s by default), limits it by min/max and the scale rates
 * (behavior policies, or without behavior max(2×, 4) up), writes the scale and records
 * `SuccessfulRescale`, and keeps the status (current/desired replicas, currentMetrics, lastScaleTime,
 * conditions AbleToScale, ScalingActive, ScalingLimited).
 */
export function horizontalPodAutoscalerController(mgr: Manager, workers: number, metricsGet: AggregatedGet | undefined, settings: HpaSettings = HPA_DEFAULTS): void {
  const clock = mgr.clock;
  const hpaLister = mgr.informers.forResource<Hpa>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }).lister();
  const podLister = mgr.informers.forResource<Pod>("Pod").lister();
  const hpas = mgr.client.resource<Hpa>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" });
  const recorder = mgr.getEventRecorderFor("horizontal-pod-autoscaler");
  const memory = new Map<string, Memory>();

  const setCondition = (conditions: HorizontalPodAutoscalerCondition[], type: string, status: "True" | "False", reason: string, message: string, now: number): void => {
    const i = conditions.findIndex((c) => c.type === type);
    const old = conditions[i];
    const c: HorizontalPodAutoscalerCondition = { type, status, reason, message, lastTransitionTime: old && old.status === status ? old.lastTransitionTime! : rfc3339Of(now) };
    if (i >= 0) conditions[i] = c;
    else conditions.push(c);
  };

  /** One metric's replica count and status (computeStatusForResourceMetric). */
  async function computeMetric(hpa: Hpa, spec: MetricSpec, specReplicas: number, selector: string, now: number): Promise<{ replicas: number; name: string; status: MetricStatus; timestamp: number }> {
    if (spec.type !== "Resource" && spec.type !== "ContainerResource") {
      throw new MetricError(`FailedGet${spec.type}Metric`, `unable to get metric ${spec.type}: kubesim's HPA reads Resource and ContainerResource metrics only`);
    }
    const source = spec.type === "Resource" ? spec.resource! : spec.containerResource!;
    const container = spec.type === "ContainerResource" ? spec.containerResource!.container : undefined;
    const resource = source.name;
    const namespace = hpa.metadata!.namespace!;
    const failed = spec.type === "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
    if (!metricsGet) throw new MetricError(failed, `failed to get ${resource} resource metric value: unable to fetch metrics from resource metrics API: no aggregation layer to read metrics.k8s.io from`);
    const pods = podLister.namespace(namespace).list(parseLabelSelector(selector));
    const averageValue = source.target.type === "AverageValue" && source.target.averageValue !== undefined;
    try {
      const metrics = await resourceMetric(metricsGet, resource, namespace, selector, container);
      if (averageValue) {
        const target = Number(milliValue(parseQuantity(String(source.target.averageValue))));
        const r = resourceReplicas(specReplicas, pods, metrics, resource, { averageMilli: target }, settings, now, container);
        const current = { averageValue: formatQuantity({ nanos: BigInt(r.rawAverage) * 1_000_000n, format: "DecimalSI" }) };
        const status: MetricStatus = spec.type === "Resource" ? { type: "Resource", resource: { name: resource, current } } : { type: "ContainerResource", containerResource: { name: resource, container: container!, current } };
        return { replicas: r.replicas, name: `${resource} resource`, status, timestamp: r.timestamp };
      }
      const target = source.target.averageUtilization;
      if (target === undefined) throw new Error("invalid resource metric source: neither a utilization target nor a value target was set");
      const r = resourceReplicas(specReplicas, pods, metrics, resource, { utilization: target }, settings, now, container);
      const current = { averageUtilization: r.utilization!, averageValue: formatQuantity({ nanos: BigInt(r.rawAverage) * 1_000_000n, format: "DecimalSI" }) };
      const status: MetricStatus = spec.type === "Resource" ? { type: "Resource", resource: { name: resource, current } } : { type: "ContainerResource", containerResource: { name: resource, container: container!, current } };
      return { replicas: r.replicas, name: `${resource} resource utilization (percentage of request)`, status, timestamp: r.timestamp };
    } catch (err) {
      if (err instanceof MetricError) throw err;
      const inner = averageValue ? (err as Error).message : `failed to get ${resource} utilization: ${(err as Error).message}`;
      throw new MetricError(failed, `failed to get ${resource} resource metric value: ${inner}`);
    }
  }

  async function reconcile(hpa: Hpa): Promise<void> {
    const now = clock.now();
    const key = `${hpa.metadata!.namespace}/${hpa.metadata!.name}`;
    let mem = memory.get(key);
    if (!mem) memory.set(key, (mem = { recommendations: [], up: [], down: [] }));
    const spec = hpa.spec!;
    const ref = spec.scaleTargetRef;
    const reference = `${ref.kind}/${ref.name}`;
    const conditions: HorizontalPodAutoscalerCondition[] = (hpa.status?.conditions ?? []).map((c) => ({ ...c }));
    const writeStatus = async (status: HorizontalPodAutoscalerStatus): Promise<void> => {
      const next: HorizontalPodAutoscalerStatus = { ...status, conditions };
      if (JSON.stringify(hpa.status ?? {}) === JSON.stringify(next)) return;
      try {
        await hpas.updateStatus({ ...hpa, status: next });
      } catch (err) {
        if (isStatusError(err, "NotFound")) return;
        if (!isStatusError(err, "Conflict")) throw err;
        // The informer has not seen our last write yet: write this sync's status over the latest object.
        const latest = await hpas.get(hpa.metadata!.name!, { namespace: hpa.metadata!.namespace! });
        await hpas.updateStatus({ ...latest, status: next });
      }
    };
    const targetClient = mgr.client.resource<KubeObject>(ref.apiVersion ? { apiVersion: ref.apiVersion, kind: ref.kind } : ref.kind);
    let scale: Scale;
    try {
      scale = await targetClient.getSubresource<Scale>(ref.name, "scale", { namespace: hpa.metadata!.namespace! });
    } catch (err) {
      const message = isStatusError(err) ? (err as Error).message : String(err);
      recorder.event(hpa, "Warning", "FailedGetScale", message);
      setCondition(conditions, "AbleToScale", "False", "FailedGetScale", `the HPA controller was unable to get the target's current scale: ${message}`, now);
      await writeStatus({ ...(hpa.status ?? { desiredReplicas: 0 }), currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0 });
      return;
    }
    setCondition(conditions, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", now);
    const currentReplicas = scale.spec?.replicas ?? 0;
    const minReplicas = spec.minReplicas ?? 1;
    let desiredReplicas = 0;
    let rescaleReason = "";
    let metricStatuses: MetricStatus[] = hpa.status?.currentMetrics ?? [];
    if (currentReplicas === 0 && minReplicas !== 0) {
      setCondition(conditions, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now);
    } else if (currentReplicas > spec.maxReplicas) {
      rescaleReason = "Current number of replicas above Spec.MaxReplicas";
      desiredReplicas = spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = "Current number of replicas below Spec.MinReplicas";
      desiredReplicas = minReplicas;
    } else {
      const selector = scale.status?.selector;
      if (!selector) {
        recorder.event(hpa, "Warning", "SelectorRequired", "selector is required");
        setCondition(conditions, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector", now);
        await writeStatus({ ...(hpa.status ?? {}), currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? 0 });
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: selector is required`);
      }
      // computeReplicasForMetrics: the largest proposal of the metrics that could be computed.
      let proposal = 0;
      let metricName = "";
      let invalid = 0;
      let firstError: MetricError | undefined;
      const statuses: MetricStatus[] = [];
      for (const m of spec.metrics ?? []) {
        try {
          const r = await computeMetric(hpa, m, currentReplicas, selector, now);
          statuses.push(r.status);
          if (r.replicas > proposal || metricName === "") {
            proposal = Math.max(proposal, r.replicas);
            metricName = r.name;
          }
        } catch (err) {
          const e = err instanceof MetricError ? err : new MetricError("FailedGetResourceMetric", String(err));
          recorder.event(hpa, "Warning", e.reason, e.message);
          setCondition(conditions, "ScalingActive", "False", e.reason, `the HPA was unable to compute the replica count: ${e.message}`, now);
          statuses.push({ type: m.type });
          invalid++;
          firstError ??= e;
        }
      }
      metricStatuses = statuses;
      const total = spec.metrics?.length ?? 0;
      if (invalid > 0 && (invalid >= total || proposal < currentReplicas)) {
        const message = `invalid metrics (${invalid} invalid out of ${total}), first error is: ${firstError!.message}`;
        recorder.event(hpa, "Warning", "FailedComputeMetricsReplicas", message);
        await writeStatus({ ...(hpa.status ?? {}), currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: metricStatuses });
        return;
      }
      setCondition(conditions, "ScalingActive", "True", "ValidMetricFound", `the HPA was able to successfully calculate a replica count from ${metricName}`, now);
      rescaleReason = proposal > currentReplicas ? `${metricName} above target` : "All metrics below target";
      desiredReplicas = normalize(hpa, mem, currentReplicas, proposal, minReplicas, conditions, now);
    }
    const rescale = desiredReplicas !== currentReplicas && !(currentReplicas === 0 && minReplicas !== 0);
    let lastScaleTime = hpa.status?.lastScaleTime;
    if (rescale) {
      try {
        await targetClient.updateSubresource<Scale>(ref.name, "scale", { ...scale, spec: { ...scale.spec, replicas: desiredReplicas } }, { namespace: hpa.metadata!.namespace! });
      } catch (err) {
        const message = (err as Error).message;
        recorder.event(hpa, "Warning", "FailedRescale", `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
        setCondition(conditions, "AbleToScale", "False", "FailedUpdateScale", `the HPA controller was unable to update the target scale: ${message}`, now);
        await writeStatus({ ...(hpa.status ?? {}), currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: metricStatuses });
        throw new Error(`failed to rescale ${reference}: ${message}`);
      }
      setCondition(conditions, "AbleToScale", "True", "SucceededRescale", `the HPA controller was able to update the target scale to ${desiredReplicas}`, now);
      recorder.event(hpa, "Normal", "SuccessfulRescale", `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      if (spec.behavior) {
        const events = desiredReplicas > currentReplicas ? mem.up : mem.down;
        const longest = Math.max(...((desiredReplicas > currentReplicas ? spec.behavior.scaleUp : spec.behavior.scaleDown)?.policies ?? []).map((p) => p.periodSeconds), 0) * 1000;
        const kept = events.filter((e) => e.timestamp > now - longest);
        events.length = 0;
        events.push(...kept, { change: Math.abs(desiredReplicas - currentReplicas), timestamp: now });
      }
      lastScaleTime = rfc3339Of(now);
    } else {
      desiredReplicas = currentReplicas === 0 && minReplicas !== 0 ? 0 : currentReplicas;
    }
    await writeStatus({
      ...(hpa.metadata?.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas,
      desiredReplicas,
      ...(metricStatuses.length ? { currentMetrics: metricStatuses } : {}),
    });
  }

  /** normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors: stabilization, then limits; sets AbleToScale and ScalingLimited. */
  function normalize(hpa: Hpa, mem: Memory, current: number, proposal: number, min: number, conditions: HorizontalPodAutoscalerCondition[], now: number): number {
    const spec = hpa.spec!;
    const behavior = spec.behavior;
    let stabilized: number;
    let limited;
    if (!behavior) {
      // stabilizeRecommendation: the highest recommendation of the downscale stabilization window.
      stabilized = proposal;
      const cutoff = now - settings.downscaleStabilizationMs;
      for (const r of mem.recommendations) if (r.timestamp > cutoff) stabilized = Math.max(stabilized, r.replicas);
      mem.recommendations.splice(0, mem.recommendations.length, ...mem.recommendations.filter((r) => r.timestamp > cutoff), { replicas: proposal, timestamp: now });
      if (stabilized !== proposal) setCondition(conditions, "AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation", now);
      else setCondition(conditions, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now);
      limited = limitWithRules(current, stabilized, min, spec.maxReplicas);
    } else {
      const up = behavior.scaleUp ?? { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }] };
      const down = behavior.scaleDown ?? { stabilizationWindowSeconds: settings.downscaleStabilizationMs / 1000, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
      const s = stabilize(current, proposal, up.stabilizationWindowSeconds ?? 0, down.stabilizationWindowSeconds ?? settings.downscaleStabilizationMs / 1000, mem.recommendations, now);
      stabilized = s.replicas;
      if (stabilized !== proposal) setCondition(conditions, "AbleToScale", "True", s.reason, s.message, now);
      else setCondition(conditions, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now);
      limited = limitWithBehavior(current, stabilized, min, spec.maxReplicas, { scaleUp: up, scaleDown: down }, mem.up, mem.down, now);
    }
    setCondition(conditions, "ScalingLimited", limited.replicas === stabilized ? "False" : "True", limited.reason, limited.message, now);
    return limited.replicas;
  }

  controllerFor(mgr)
    .named("horizontal-pod-autoscaler")
    .for<Hpa>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const hpa = hpaLister.namespace(req.namespace!).get(req.name);
        if (!hpa) {
          memory.delete(`${req.namespace}/${req.name}`);
          return;
        }
        await reconcile(hpa);
        return { requeueAfter: settings.syncPeriodMs };
      },
    });
}
