import { uint32ToIpv4 } from "../ipv4.js";
import type { NetNamespace } from "../netns.js";

/** `ip neigh [show [dev D]]`. */
export function ipNeigh(ns: NetNamespace, now: number, dev?: string): string {
  return ns.neigh
    .list(now)
    .filter((n) => !dev || n.dev === dev)
    .map((n) => `${uint32ToIpv4(n.ip)}${dev ? "" : ` dev ${n.dev}`}${n.lladdr ? ` lladdr ${n.lladdr}` : ""} ${n.state}\n`)
    .join("");
}
