import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from "kubernetes-types/autoscaling/v2.js";

/** A limit decision: the replicas allowed and the ScalingLimited reason and message. */
export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

const WITHIN = { reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" };

/** Without behavior, scale-ups are limited to max(2 × current, 4) (scaleUpLimitFactor, scaleUpLimitMinimum). */
export function scaleUpLimit(current: number): number {
  return Math.max(2 * current, 4);
}

/** convertDesiredReplicasWithRules: min/max and the fixed scale-up rate (HPAs without behavior). */
export function limitWithRules(current: number, desired: number, min: number, max: number): Limited {
  const upLimit = scaleUpLimit(current);
  const minimum = min === 0 ? 1 : min;
  const minMessage = min === 0 ? "the desired replica count is zero" : "the desired replica count is less than the minimum replica count";
  const [maximum, maxReason, maxMessage] = max > upLimit
    ? [upLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
    : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  if (desired < minimum) return { replicas: minimum, reason: "TooFewReplicas", message: minMessage };
  if (desired > maximum) return { replicas: maximum, reason: maxReason, message: maxMessage };
  return { replicas: desired, ...WITHIN };
}

/** A past rescale, for the behavior policies' periods. */
export interface ScaleEvent {
  change: number;
  timestamp: number;
}

function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.timestamp > cutoff) n += e.change;
  return n;
}

/** calculateScaleUpLimitWithScalingRules: each policy's allowance from the replicas at its period's start, by selectPolicy. */
export function scaleUpLimitWithRules(current: number, events: readonly ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, events, now);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: the lowest count each policy allows, by selectPolicy. */
export function scaleDownLimitWithRules(current: number, events: readonly ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current + changeInPeriod(p.periodSeconds, events, now);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate: min/max and the behavior's scale rates. */
export function limitWithBehavior(current: number, desired: number, min: number, max: number, behavior: Required<Pick<HorizontalPodAutoscalerBehavior, "scaleUp" | "scaleDown">>, up: readonly ScaleEvent[], down: readonly ScaleEvent[], now: number): Limited {
  if (desired > current) {
    const limit = Math.max(current, scaleUpLimitWithRules(current, up, behavior.scaleUp, now));
    const [maximum, reason, message] = max > limit
      ? [limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
      : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
    if (desired > maximum) return { replicas: maximum, reason, message };
  } else if (desired < current) {
    const limit = Math.min(current, scaleDownLimitWithRules(current, down, behavior.scaleDown, now));
    const [minimum, reason, message] = min < limit
      ? [limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"]
      : [min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"];
    if (desired < minimum) return { replicas: minimum, reason, message };
  }
  return { replicas: desired, ...WITHIN };
}

/** A recommendation the controller made, kept for the stabilization windows. */
export interface Recommendation {
  replicas: number;
  timestamp: number;
}

/**
 * stabilizeRecommendationWithBehaviors: the recommendation is held between the lowest of the
 * scale-up window's and the highest of the scale-down window's recommendations (a scale-down takes
 * the highest recommendation of the last 300 s by default). Records `desired` in `history`, dropping
 * what is older than the longer window.
 */
export function stabilize(current: number, desired: number, upWindowSeconds: number, downWindowSeconds: number, history: Recommendation[], now: number): { replicas: number; reason: string; message: string } {
  let upRecommendation = desired;
  let downRecommendation = desired;
  const upCutoff = now - upWindowSeconds * 1000;
  const downCutoff = now - downWindowSeconds * 1000;
  for (const r of history) {
    if (r.timestamp > upCutoff) upRecommendation = Math.min(r.replicas, upRecommendation);
    if (r.timestamp > downCutoff) downRecommendation = Math.max(r.replicas, downRecommendation);
  }
  let replicas = current;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  const obsolete = now - Math.max(upWindowSeconds, downWindowSeconds) * 1000;
  const kept = history.filter((r) => r.timestamp >= obsolete);
  history.length = 0;
  history.push(...kept, { replicas: desired, timestamp: now });
  return desired >= current
    ? { replicas, reason: "ScaleUpStabilized", message: "recent recommendations were lower than current one, applying the lowest recent recommendation" }
    : { replicas, reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" };
}
