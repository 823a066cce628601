import type { Pod, PodCondition } from "kubernetes-types/core/v1.js";

/** Not finished and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** The Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod became ready (the Ready condition's lastTransitionTime), if ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== "True" || !c.lastTransitionTime) return undefined;
  return Date.parse(c.lastTransitionTime);
}

/**
 * Ready for at least `minReadySeconds` at `now` (podutil.IsPodAvailable): a ready pod with
 * minReadySeconds 0 is available at once.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}
