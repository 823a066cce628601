import type { Container, LoadBalancerIngress } from "kubernetes-types/core/v1.js";

/** `layoutContainerCells`: container names and images, comma separated. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(","), list.map((c) => c.image ?? "").join(",")];
}

const LOAD_BALANCER_WIDTH = 16;

/** Load balancer IPs/hostnames, sorted and deduplicated; clipped to 16 characters unless `wide`. */
export function loadBalancerAddresses(ingress: readonly Pick<LoadBalancerIngress, "ip" | "hostname">[] | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  const r = [...set].sort().join(",");
  return !wide && r.length > LOAD_BALANCER_WIDTH ? r.slice(0, LOAD_BALANCER_WIDTH - 3) + "..." : r;
}

/** `listWithMoreString`: `a,b,c + 2 more...`, or `<unset>` when empty. */
export function listWithMore(list: readonly string[], count: number, max: number): string {
  const ret = list.join(",");
  if (count > max) return `${ret} + ${count - max} more...`;
  return ret || "<unset>";
}
