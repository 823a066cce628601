import { uint32ToIpv4 } from "../ipv4.js";
import type { NetNamespace } from "../netns.js";

/**
 * `bridge fdb show [dev D | br B]`: bridge entries as `<mac> dev <port> master <br> [permanent]`,
 * VXLAN ones as `<mac> dev <vx> dst <vtep> self permanent`; with `dev D` the `dev` column is left
 * out, as iproute2 prints a filtered listing.
 */
export function bridgeFdbShow(ns: NetNamespace, now: number, filter: { dev?: string; br?: string } = {}): string {
  const out: string[] = [];
  for (const d of ns.devices.values()) {
    if (d.kind === "bridge" && d.fdb && (!filter.br || filter.br === d.name)) {
      for (const e of d.fdb.list(now)) if (!filter.dev || filter.dev === e.port) out.push(`${e.mac}${filter.dev ? "" : ` dev ${e.port}`} master ${d.name}${e.permanent ? " permanent" : ""}`);
    } else if (d.kind === "vxlan" && d.fdb && !filter.br && (!filter.dev || filter.dev === d.name)) {
      for (const e of d.fdb.list(now)) out.push(`${e.mac}${filter.dev ? "" : ` dev ${d.name}`}${e.dst !== undefined ? ` dst ${uint32ToIpv4(e.dst)}` : ""} self${e.permanent ? " permanent" : ""}`);
    }
  }
  return out.map((l) => l + "\n").join("");
}
