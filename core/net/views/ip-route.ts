import { prefixMask, uint32ToIpv4 } from "../ipv4.js";
import type { NetNamespace } from "../netns.js";
import { TABLE, type Route } from "../routing-table.js";

function dst(r: Route): string {
  if (r.prefix === 0 && r.type === "unicast") return "default";
  return r.prefix === 32 ? uint32ToIpv4(r.network) : `${uint32ToIpv4(r.network)}/${r.prefix}`;
}

/** One route as iproute2 prints it: `[type] dst [via gw] [dev d] [proto p] [scope s] [src a] [metric m] [onlink]`. */
export function formatRoute(r: Route, table?: number): string {
  const parts: string[] = [];
  if (r.type !== "unicast") parts.push(r.type);
  parts.push(dst(r));
  if (r.via !== undefined) parts.push(`via ${uint32ToIpv4(r.via)}`);
  if (r.dev && r.type !== "blackhole" && r.type !== "unreachable" && r.type !== "prohibit") parts.push(`dev ${r.dev}`);
  if (table !== undefined && table !== TABLE.main) parts.push(`table ${table === TABLE.local ? "local" : table}`);
  if (r.proto && r.proto !== "boot") parts.push(`proto ${r.proto}`);
  if (r.scope !== "global" && !(r.type === "local" && r.scope === "host")) parts.push(`scope ${r.scope}`);
  else if (r.type === "local") parts.push("scope host");
  if (r.src !== undefined) parts.push(`src ${uint32ToIpv4(r.src)}`);
  if (r.metric) parts.push(`metric ${r.metric}`);
  if (r.mtu) parts.push(`mtu ${r.mtu}`);
  if (r.onlink) parts.push("onlink");
  return parts.join(" ");
}

/** `ip route [show] [table T]`. */
export function ipRoute(ns: NetNamespace, table: number = TABLE.main): string {
  const t = ns.existingTable(table);
  return (t?.routes() ?? []).map((r) => formatRoute(r, table === TABLE.main ? undefined : table) + "\n").join("");
}

/** `route -n`: net-tools' table of main's unicast routes. */
export function routeN(ns: NetNamespace): string {
  const lines = ["Kernel IP routing table", "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface"];
  for (const r of ns.main.routes()) {
    if (r.type !== "unicast") continue;
    const flags = "U" + (r.via !== undefined ? "G" : "") + (r.prefix === 32 ? "H" : "");
    const gw = r.via !== undefined ? uint32ToIpv4(r.via) : "0.0.0.0";
    lines.push(`${uint32ToIpv4(r.network).padEnd(15)} ${gw.padEnd(15)} ${uint32ToIpv4(prefixMask(r.prefix)).padEnd(15)} ${flags.padEnd(5)} ${String(r.metric ?? 0).padEnd(6)} ${"0".padEnd(3)} ${"0".padStart(6)} ${r.dev ?? "*"}`);
  }
  return lines.join("\n") + "\n";
}

/** `ip rule`. */
export function ipRule(ns: NetNamespace): string {
  return ns.rules
    .map((r) => {
      const sel = r.from ? `from ${r.from.prefix === 32 ? uint32ToIpv4(r.from.network) : `${uint32ToIpv4(r.from.network)}/${r.from.prefix}`}` : "from all";
      const mark = r.fwmark ? ` fwmark 0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}` : "";
      const table = r.table === TABLE.local ? "local" : r.table === TABLE.main ? "main" : r.table === TABLE.default ? "default" : String(r.table);
      return `${r.priority}:\t${sel}${mark} lookup ${table}\n`;
    })
    .join("");
}
