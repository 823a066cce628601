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
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const visit = (c: Container): void => {
    const r = c.resources;
    let limitsFound = 0;
    if (r?.requests) {
      for (const name of ["cpu", "memory"]) {
        const v = parseQuantity(r.requests[name]);
        if (v !== undefined && v > 0) requests.set(name, (requests.get(name) ?? 0) + v);
      }
    }
    if (r?.limits) {
      for (const name of ["cpu", "memory"]) {
        const v = parseQuantity(r.limits[name]);
        if (v !== undefined && v > 0) {
          limitsFound++;
          limits.set(name, (limits.get(name) ?? 0) + v);
        }
      }
    }
    if (limitsFound < 2) guaranteed = false;
  };
  if (spec.initContainers) for (const c of spec.initContainers) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) if (limits.get(name) !== req) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
