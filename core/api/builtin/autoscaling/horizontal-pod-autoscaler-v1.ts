import type { HorizontalPodAutoscaler as HpaV2, MetricSpec } from "kubernetes-types/autoscaling/v2.js";
import type { HorizontalPodAutoscaler as HpaV1 } from "kubernetes-types/autoscaling/v1.js";
import type { KubeObject } from "../../object.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { HORIZONTAL_POD_AUTOSCALER } from "./horizontal-pod-autoscaler.js";
import { specStatusHooks } from "../spec-status-strategy.js";

type V1 = HpaV1 & KubeObject;
type V2 = HpaV2 & KubeObject;

/** The annotations autoscaling/v1 keeps what it has no fields for in (upstream's conversion). */
const METRICS = "autoscaling.alpha.kubernetes.io/metrics";
const CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics";
const CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
const BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";

const isCpuUtilization = (m: MetricSpec): boolean => m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization";

/** An autoscaling/v2 object as autoscaling/v1 serves it: the CPU utilization target in its field, the rest in annotations. */
export function hpaV2ToV1(obj: V2): V1 {
  const spec = obj.spec!;
  const annotations: Record<string, string> = { ...(obj.metadata?.annotations ?? {}) };
  const others = (spec.metrics ?? []).filter((m) => !isCpuUtilization(m));
  if (others.length) annotations[METRICS] = JSON.stringify(others);
  if (spec.behavior) annotations[BEHAVIOR] = JSON.stringify(spec.behavior);
  const otherCurrent = (obj.status?.currentMetrics ?? []).filter((m) => !(m.type === "Resource" && m.resource?.name === "cpu"));
  if (otherCurrent.length) annotations[CURRENT_METRICS] = JSON.stringify(otherCurrent);
  if (obj.status?.conditions?.length) annotations[CONDITIONS] = JSON.stringify(obj.status.conditions);
  const cpu = spec.metrics?.find(isCpuUtilization);
  const currentCpu = obj.status?.currentMetrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu")?.resource?.current.averageUtilization;
  const status = obj.status;
  return {
    ...obj,
    apiVersion: "autoscaling/v1",
    metadata: { ...obj.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: { scaleTargetRef: spec.scaleTargetRef, ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}), maxReplicas: spec.maxReplicas, ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization! } : {}) },
    status: {
      ...(status?.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status?.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status?.currentReplicas ?? 0,
      desiredReplicas: status?.desiredReplicas ?? 0,
      ...(currentCpu !== undefined ? { currentCPUUtilizationPercentage: currentCpu } : {}),
    },
  } as V1;
}

/** An autoscaling/v1 object as autoscaling/v2 stores it: the annotations' metrics, behavior and conditions back in their fields. */
export function hpaV1ToV2(obj: V1): V2 {
  const annotations = { ...(obj.metadata?.annotations ?? {}) };
  const read = <T>(key: string): T | undefined => {
    const text = annotations[key];
    delete annotations[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  };
  const others = read<MetricSpec[]>(METRICS) ?? [];
  const behavior = read<HpaV2["spec"] extends infer S ? S extends { behavior?: infer B } ? B : never : never>(BEHAVIOR);
  const currentOthers = read<NonNullable<HpaV2["status"]>["currentMetrics"]>(CURRENT_METRICS) ?? [];
  const conditions = read<NonNullable<HpaV2["status"]>["conditions"]>(CONDITIONS);
  const spec = obj.spec!;
  const cpu: MetricSpec[] = spec?.targetCPUUtilizationPercentage !== undefined ? [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } } }] : [];
  const metrics = [...cpu, ...others];
  const status = obj.status;
  const currentCpu = status?.currentCPUUtilizationPercentage;
  const currentMetrics = [...(currentCpu !== undefined ? [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: currentCpu } } }] : []), ...currentOthers];
  const { annotations: _dropped, ...meta } = obj.metadata ?? {};
  return {
    ...obj,
    apiVersion: "autoscaling/v2",
    metadata: { ...meta, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: { scaleTargetRef: spec?.scaleTargetRef, ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}), maxReplicas: spec?.maxReplicas, ...(metrics.length ? { metrics } : {}), ...(behavior ? { behavior } : {}) },
    ...(status ? { status: { ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}), ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}), currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0, ...(currentMetrics.length ? { currentMetrics } : {}), ...(conditions ? { conditions } : {}) } } : {}),
  } as V2;
}

const v2 = HORIZONTAL_POD_AUTOSCALER.strategy!;

/**
 * autoscaling/v1 HorizontalPodAutoscaler, served from the autoscaling/v2 objects (the storage
 * version) through upstream's conversion: `targetCPUUtilizationPercentage` is the CPU utilization
 * metric; other metrics, behavior and conditions travel in `autoscaling.alpha.kubernetes.io/*`
 * annotations. Defaults and validation are autoscaling/v2's, on the converted object.
 */
export const HORIZONTAL_POD_AUTOSCALER_V1: ApiTypeRegistration<V1> = {
  descriptor: { ...HORIZONTAL_POD_AUTOSCALER.descriptor, version: "v1", storageVersion: "v2" },
  strategy: {
    defaults: (hpa) => {
      hpa.spec ??= { maxReplicas: 0, scaleTargetRef: { kind: "", name: "" } };
      hpa.spec.minReplicas ??= 1;
    },
    ...specStatusHooks<V1>({ initialStatus: () => ({ currentReplicas: 0, desiredReplicas: 0 }) }),
    validate: (hpa, ctx) => v2.validate?.(hpaV1ToV2(hpa), ctx) ?? [],
    validateUpdate: (hpa, old, ctx) => v2.validateUpdate?.(hpaV1ToV2(hpa), hpaV1ToV2(old), ctx) ?? [],
    conversion: { toStorage: (obj) => hpaV1ToV2(obj as V1), fromStorage: (obj) => hpaV2ToV1(obj as V2) },
  },
};
