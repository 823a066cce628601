import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { BgpSession, BirdSpeaker } from "./bgp.js";
import type { CalicoIpam } from "./ipam.js";

/** calico-node's BIRD (Calico's fork of BIRD 1.6.8) greets with its version. */
export const BIRD_BANNER = "BIRD v0.3.3+birdv1.6.8 ready.";

/** BIRD 1.6's time format for `since`: HH:MM:SS within 20 hours, else the date. */
function since(at: number, now: number): string {
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, "0");
  if (now - at < 20 * 3600_000) return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
}

function bgpInfo(s: BgpSession): string {
  const state = s.config.passive && s.state === "Active" ? "Passive" : s.state;
  return `${state.padEnd(14)}${s.lastError && s.state !== "Established" ? s.lastError : ""}`;
}

/** `birdc show protocols`, as BIRD 1.6 prints it (`%-8s %-8s %-8s %-5s  %-10s  %s`). */
export function birdShowProtocols(speaker: BirdSpeaker, now: number): string {
  const row = (name: string, proto: string, state: string, at: number, info: string): string => `${name.padEnd(8)} ${proto.padEnd(8)} ${"master".padEnd(8)} ${state.padEnd(5)}  ${since(at, now).padEnd(10)}  ${info}`;
  const lines = [BIRD_BANNER, "name     proto    table    state  since       info"];
  const hasBlocks = speaker.local.size > 0;
  if (hasBlocks) lines.push(row("static1", "Static", "up", speaker.started, ""));
  lines.push(row("kernel1", "Kernel", "up", speaker.started, ""), row("device1", "Device", "up", speaker.started, ""), row("direct1", "Direct", "up", speaker.started, ""));
  const sessions = [...speaker.sessions.values()].sort((a, b) => a.config.peerIP - b.config.peerIP);
  for (const s of sessions) lines.push(row(s.config.name, "BGP", s.state === "Established" ? "up" : "start", s.since, bgpInfo(s)));
  return lines.join("\n") + "\n";
}

/** `birdc show route`: BIRD 1.6's `%-18s %s [%s %s%s]%s%s` per route, the blocks first (static, blackhole), then learned ones. */
export function birdShowRoute(speaker: BirdSpeaker, now: number, nextHopIface: (nextHop: number) => string): string {
  const lines = [BIRD_BANNER];
  const rows: { net: number; prefix: number; text: string[] }[] = [];
  for (const r of speaker.local.values()) if (r.prefix < 32) rows.push({ net: r.network, prefix: r.prefix, text: [`${`${uint32ToIpv4(r.network)}/${r.prefix}`.padEnd(18)} blackhole [static1 ${since(speaker.started, now)}] * (200)`] });
  for (const [, list] of speaker.rib()) {
    const first = list[0]!;
    const text = list.map((r, i) => {
      const proto = speaker.sessions.get(r.from)?.config.name ?? "?";
      const from = r.from !== r.nextHop ? ` from ${uint32ToIpv4(r.from)}` : "";
      const net = i === 0 ? `${uint32ToIpv4(r.network)}/${r.prefix}` : "";
      return `${net.padEnd(18)} via ${uint32ToIpv4(r.nextHop)} on ${nextHopIface(r.nextHop)} [${proto} ${since(r.since, now)}${from}]${i === 0 ? " *" : ""} (100/0) [i]`;
    });
    rows.push({ net: first.network, prefix: first.prefix, text });
  }
  rows.sort((a, b) => a.net - b.net || a.prefix - b.prefix);
  for (const r of rows) lines.push(...r.text);
  return lines.join("\n") + "\n";
}

/** A tablewriter table as calicoctl prints it: centred headers, `|` borders, numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const sep = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+";
  const center = (t: string, w: number): string => {
    const left = Math.floor((w - t.length) / 2);
    return " ".repeat(left) + t + " ".repeat(w - t.length - left);
  };
  const out = [sep, "| " + headers.map((h, i) => center(h, widths[i]!)).join(" | ") + " |", sep];
  for (const r of rows) out.push("| " + r.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ") + " |");
  out.push(sep);
  return out.join("\n") + "\n";
}

/** `calicoctl node status` on a node. */
export function calicoctlNodeStatus(speaker: BirdSpeaker | undefined, now: number): string {
  if (!speaker) return "Calico process is running.\n\nThe BGP backend process (BIRD) is not running.\n\n";
  const rows = [...speaker.sessions.values()]
    .sort((a, b) => a.config.peerIP - b.config.peerIP)
    .map((s) => [uint32ToIpv4(s.config.peerIP), s.config.kind, s.state === "Established" ? "up" : "start", since(s.since, now), s.state === "Established" ? "Established" : `${s.config.passive && s.state === "Active" ? "Passive" : s.state}${s.lastError ? ` ${s.lastError}` : ""}`]);
  const v4 = rows.length ? table(["PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO"], rows) : "No IPv4 peers found.\n";
  return `Calico process is running.\n\nIPv4 BGP status\n${v4}\nIPv6 BGP status\nNo IPv6 peers found.\n\n`;
}

/** `calicoctl get ippool -o wide`. */
export function calicoctlGetIppool(name: string, ipam: CalicoIpam): string {
  const p = ipam.pool;
  const headers = ["NAME", "CIDR", "NAT", "IPIPMODE", "VXLANMODE", "DISABLED", "DISABLEBGPEXPORT", "SELECTOR"];
  const row = [name, p.cidr, String(p.natOutgoing), p.ipipMode, p.vxlanMode, "false", "false", p.nodeSelector];
  const widths = headers.map((h, i) => Math.max(h.length, row[i]!.length));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]! + 3)).join("").trimEnd();
  return `${line(headers)}\n${line(row)}\n\n`;
}

/** `calicoctl ipam show [--show-blocks]`. */
export function calicoctlIpamShow(ipam: CalicoIpam, showBlocks: boolean): string {
  const pct = (n: number, total: number): string => `${n} (${Math.round((n * 100) / total)}%)`;
  const prefix = Number(ipam.pool.cidr.split("/")[1]);
  const total = 2 ** (32 - prefix);
  const used = ipam.inUse();
  const rows = [["IP Pool", ipam.pool.cidr, String(total), pct(used, total), pct(total - used, total)]];
  if (showBlocks) {
    for (const b of [...ipam.blocks.values()].sort((x, y) => x.network - y.network)) {
      const size = b.allocations.length;
      rows.push(["Block", b.cidr, String(size), pct(size - b.free, size), pct(b.free, size)]);
    }
  }
  return table(["GROUPING", "CIDR", "IPS TOTAL", "IPS IN USE", "IPS FREE"], rows, [2]);
}
