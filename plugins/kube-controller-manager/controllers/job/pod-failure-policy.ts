import type { Job, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from "kubernetes-types/batch/v1.js";
import type { ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1.js";

/** What a failed pod means for its Job under `spec.podFailurePolicy`. */
export interface PodFailureVerdict {
  /** The matching rule's action; undefined when no rule matched (the failure counts). */
  action: "FailJob" | "Ignore" | "Count" | "FailIndex" | undefined;
  /** Whether the failure counts towards backoffLimit and status.failed (false for Ignore). */
  counts: boolean;
  /** The FailureTarget message for FailJob (upstream's wording). */
  message?: string;
}

function matchingContainer(statuses: readonly ContainerStatus[] | undefined, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const s of statuses ?? []) {
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    if (req.containerName && req.containerName !== s.name) continue;
    if (req.values.includes(code) === (req.operator === "In")) return s;
  }
  return undefined;
}

function matchingCondition(conditions: readonly PodCondition[] | undefined, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): PodCondition | undefined {
  for (const c of conditions ?? []) for (const p of patterns) if (c.type === p.type && c.status === (p.status || "True")) return c;
  return undefined;
}

/**
 * matchPodFailurePolicy: the first rule whose `onExitCodes` (a container, then an init container,
 * terminated with a non-zero code that is In / NotIn the values) or `onPodConditions` (a pod
 * condition of that type and status) matches the failed pod decides; without a match the
 * failure counts. FailIndex applies only with `backoffLimitPerIndex` (it counts otherwise).
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): PodFailureVerdict {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const perIndex = job.spec?.backoffLimitPerIndex !== undefined && job.spec?.backoffLimitPerIndex !== null;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    let subject: string | undefined;
    if (rule.onExitCodes) {
      const c = matchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ?? matchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes);
      if (c) subject = `Container ${c.name} for pod ${pod.metadata!.namespace}/${pod.metadata!.name} failed with exit code ${c.state!.terminated!.exitCode}`;
    } else if (rule.onPodConditions) {
      const c = matchingCondition(pod.status?.conditions, rule.onPodConditions);
      if (c) subject = `Pod ${pod.metadata!.namespace}/${pod.metadata!.name} has condition ${c.type}`;
    }
    if (subject === undefined) continue;
    switch (rule.action) {
      case "Ignore":
        return { action: "Ignore", counts: false };
      case "Count":
        return { action: "Count", counts: true };
      case "FailIndex":
        if (perIndex) return { action: "FailIndex", counts: true };
        break;
      case "FailJob":
        return { action: "FailJob", counts: true, message: `${subject} matching FailJob rule at index ${i}` };
    }
  }
  return { action: undefined, counts: true };
}
