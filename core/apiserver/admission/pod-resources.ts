import type { Container, PodSpec } from "kubernetes-types/core/v1.js";
import { addQuantities, compareQuantities, parseQuantity, type Quantity } from "../../api/quantity.js";

/** A resource list with parsed quantities. */
export type ResourceQuantities = Record<string, Quantity>;

type Side = "requests" | "limits";

function addInto(into: ResourceQuantities, list: Readonly<Record<string, string>> | undefined): void {
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(v);
    into[k] = into[k] ? addQuantities(into[k]!, q) : q;
  }
}

function maxInto(into: ResourceQuantities, other: ResourceQuantities): void {
  for (const [k, q] of Object.entries(other)) if (!into[k] || compareQuantities(q, into[k]!) > 0) into[k] = q;
}

function parsed(list: Readonly<Record<string, string>> | undefined): ResourceQuantities {
  const out: ResourceQuantities = {};
  addInto(out, list);
  return out;
}

/**
 * What a pod asks for, as component-helpers' `PodRequests`/`PodLimits` compute it from the spec:
 * the sum over containers, sidecar init containers (restartPolicy Always) added to it, and the
 * peak of each ordinary init container (plus the sidecars started before it) taken as a floor;
 * then, if asked, the pod overhead (quota counts it; LimitRanger does not).
 */
function aggregate(spec: PodSpec, side: Side, includeOverhead: boolean): ResourceQuantities {
  const total: ResourceQuantities = {};
  for (const c of spec.containers ?? []) addInto(total, c.resources?.[side]);
  const sidecars: ResourceQuantities = {};
  const initPeak: ResourceQuantities = {};
  for (const c of spec.initContainers ?? ([] as Container[])) {
    const own = c.resources?.[side];
    let running: ResourceQuantities;
    if (c.restartPolicy === "Always") {
      addInto(total, own);
      addInto(sidecars, own);
      running = { ...sidecars };
    } else {
      running = { ...sidecars };
      for (const [k, q] of Object.entries(parsed(own))) running[k] = running[k] ? addQuantities(running[k]!, q) : q;
    }
    maxInto(initPeak, running);
  }
  maxInto(total, initPeak);
  if (includeOverhead) {
    // Overhead counts for every request, but only for limits the pod already sets.
    const overhead = parsed(spec.overhead);
    for (const [k, q] of Object.entries(overhead)) if (side === "requests" || total[k]) total[k] = total[k] ? addQuantities(total[k]!, q) : q;
  }
  return total;
}

export function podRequests(spec: PodSpec, options: { includeOverhead?: boolean } = {}): ResourceQuantities {
  return aggregate(spec, "requests", options.includeOverhead ?? false);
}

export function podLimits(spec: PodSpec, options: { includeOverhead?: boolean } = {}): ResourceQuantities {
  return aggregate(spec, "limits", options.includeOverhead ?? false);
}
