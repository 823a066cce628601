import type { Taint, Toleration } from "kubernetes-types/core/v1.js";

/** Whether `toleration` tolerates `taint` (upstream `Toleration.ToleratesTaint`). */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function taintTolerated(taint: Taint, tolerations: readonly Toleration[] | undefined): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint with an effect in `effects` that no toleration tolerates. */
export function firstUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (!taintTolerated(taint, tolerations)) return taint;
  }
  return undefined;
}
