import type { Container, PodSpec } from "kubernetes-types/core/v1.js";
import { parseQuantity } from "./quantity.js";

export type PodQOSClass = "Guaranteed" | "Burstable" | "BestEffort";

/**
 * The pod's QoS class as pkg/apis/core/helper/qos computes it: BestEffort without any cpu/memory
 * request or limit; Guaranteed when every container limits both cpu and memory and the summed
 * requests equal the summed limits; Burstable otherwise. Expects requests already defaulted
 * from limits.
 */
export function podQOSClass(spec: PodSpec): PodQOSClass {
  // Summed positive cpu/memory requests and limits; NaN-free scalars instead of maps (hot path).
  const sum = { reqCpu: 0, reqMem: 0, limCpu: 0, limMem: 0 };
  let guaranteed = true;
  const visit = (c: Container): void => {
    const r = c.resources;
    if (!r) {
      guaranteed = false;
      return;
    }
    sum.reqCpu += positive(r.requests?.["cpu"]);
    sum.reqMem += positive(r.requests?.["memory"]);
    const limCpu = positive(r.limits?.["cpu"]);
    const limMem = positive(r.limits?.["memory"]);
    if (limCpu === 0 || limMem === 0) guaranteed = false;
    sum.limCpu += limCpu;
    sum.limMem += limMem;
  };
  if (spec.initContainers) for (const c of spec.initContainers) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  if (sum.reqCpu === 0 && sum.reqMem === 0 && sum.limCpu === 0 && sum.limMem === 0) return "BestEffort";
  // Guaranteed: every container limits cpu and memory, and the summed requests equal the limits.
  return guaranteed && sum.reqCpu === sum.limCpu && sum.reqMem === sum.limMem ? "Guaranteed" : "Burstable";
}

function positive(q: string | number | undefined): number {
  const v = parseQuantity(q);
  return v !== undefined && v > 0 ? v : 0;
}
