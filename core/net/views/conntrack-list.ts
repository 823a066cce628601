import type { Conntrack, CtEntry, Tuple } from "../conntrack.js";
import { uint32ToIpv4 } from "../ipv4.js";
import { PROTOCOL_NUMBER } from "../packet.js";

function tuple(t: Tuple): string {
  const ports = t.proto === "tcp" || t.proto === "udp" ? ` sport=${t.sport} dport=${t.dport}` : "";
  return `src=${uint32ToIpv4(t.src)} dst=${uint32ToIpv4(t.dst)}${ports}`;
}

/** One `conntrack -L` line. */
export function formatConntrackEntry(e: CtEntry, now: number): string {
  const timeout = Math.max(0, Math.floor((e.expires - now) / 1000));
  const state = e.tcpState ? ` ${e.tcpState}` : "";
  const unreplied = e.replied ? "" : " [UNREPLIED]";
  return `${e.original.proto.padEnd(8)} ${PROTOCOL_NUMBER[e.original.proto]} ${timeout}${state} ${tuple(e.original)}${unreplied} ${tuple(e.reply)}${e.assured ? " [ASSURED]" : ""} mark=${e.mark} use=1`;
}

/** `conntrack -L`: stdout lines and the summary conntrack-tools prints to stderr. */
export function conntrackList(ct: Conntrack, now: number): { stdout: string; stderr: string } {
  const entries = ct.list();
  return {
    stdout: entries.map((e) => formatConntrackEntry(e, now) + "\n").join(""),
    stderr: `conntrack v1.4.7 (conntrack-tools): ${entries.length} flow entries have been shown.\n`,
  };
}
