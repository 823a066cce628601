import type { ControllerContext } from "../../controller-descriptor.js";
import { horizontalPodAutoscalerController, HPA_DEFAULTS } from "./horizontal-controller.js";

export function setupHorizontalPodAutoscaler({ mgr, concurrency, aggregated, options }: ControllerContext): void {
  horizontalPodAutoscalerController(mgr, concurrency, aggregated, { ...HPA_DEFAULTS, ...options.horizontalPodAutoscaler });
}

export { horizontalPodAutoscalerController, HPA_DEFAULTS, type HpaSettings } from "./horizontal-controller.js";
export { resourceReplicas, groupPods, REPLICA_CALCULATOR_DEFAULTS, type PodMetric, type PodMetrics } from "./replica-calculator.js";
export { stabilize, limitWithBehavior, limitWithRules } from "./scaling-rules.js";
export type { AggregatedGet } from "./metrics-client.js";
