import type { NetDevice } from "../device.js";
import { prefixMask, uint32ToIpv4 } from "../ipv4.js";
import type { NetNamespace } from "../netns.js";

function flags(d: NetDevice): string {
  if (d.kind === "loopback") return "<LOOPBACK,UP,LOWER_UP>";
  if (d.kind === "dummy") return "<BROADCAST,NOARP>";
  if (d.kind === "ipip") return "<NOARP,UP,LOWER_UP>";
  if (d.kind === "tun") return d.tunReader || d.tunRelay ? "<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>" : "<NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP>";
  return d.up ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : "<BROADCAST,MULTICAST>";
}

function state(d: NetDevice): string {
  if (d.kind === "dummy") return "DOWN";
  if (d.kind === "tun") return d.tunReader || d.tunRelay ? "UNKNOWN" : "DOWN";
  if (d.kind === "loopback" || d.kind === "vxlan" || d.kind === "ipip") return "UNKNOWN";
  return d.up ? "UP" : "DOWN";
}

function nameOf(d: NetDevice): string {
  return d.kind === "veth" && d.peer ? `${d.name}@if${d.peer.index}` : d.kind === "ipip" ? `${d.name}@NONE` : d.name;
}

function header(d: NetDevice, mode: boolean): string {
  const qdisc = d.kind === "dummy" ? "noop" : d.kind === "tun" ? "fq_codel" : "noqueue";
  const master = d.master ? ` master ${d.master.name}` : "";
  const qlen = d.kind === "loopback" || d.kind === "bridge" || d.kind === "ipip" || d.kind === "dummy" ? " qlen 1000" : d.kind === "tun" ? " qlen 500" : "";
  return `${d.index}: ${nameOf(d)}: ${flags(d)} mtu ${d.mtu} qdisc ${qdisc}${master} state ${state(d)}${mode ? " mode DEFAULT" : ""} group default${qlen}`;
}

function linkLine(d: NetDevice): string {
  if (d.kind === "loopback") return "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00";
  if (d.kind === "ipip") return "    link/ipip 0.0.0.0 brd 0.0.0.0";
  if (d.kind === "tun") return "    link/none ";
  const netns = d.kind === "veth" && d.peer && d.peer.ns !== d.ns ? (d.peer.ns.name === "root" ? " link-netnsid 0" : ` link-netns ${d.peer.ns.name}`) : "";
  return `    link/ether ${d.mac} brd ff:ff:ff:ff:ff:ff${netns}`;
}

/** `ip addr [show [dev]]`. */
export function ipAddr(ns: NetNamespace, dev?: string): string {
  const out: string[] = [];
  for (const d of ns.devices.values()) {
    if (dev && d.name !== dev) continue;
    out.push(header(d, false), linkLine(d));
    for (const a of d.addresses) {
      const brd = a.prefix < 31 ? ` brd ${uint32ToIpv4((a.ip | ~prefixMask(a.prefix)) >>> 0)}` : "";
      out.push(`    inet ${uint32ToIpv4(a.ip)}/${a.prefix}${brd} scope ${a.scope} ${d.name}`, "       valid_lft forever preferred_lft forever");
    }
  }
  return out.map((l) => l + "\n").join("");
}

/** `ip [-d] link show [dev]`. */
export function ipLink(ns: NetNamespace, options: { dev?: string; details?: boolean } = {}): string {
  const out: string[] = [];
  for (const d of ns.devices.values()) {
    if (options.dev && d.name !== options.dev) continue;
    out.push(header(d, true), linkLine(d) + (options.details ? " promiscuity 0" : ""));
    if (!options.details) continue;
    if (d.kind === "vxlan" && d.vxlan) {
      const v = d.vxlan;
      out.push(`    vxlan id ${v.vni} local ${uint32ToIpv4(v.local)} dev ${v.dev} srcport 0 0 dstport ${v.port}${v.learning ? "" : " nolearning"} ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx`);
    } else if (d.kind === "veth") out.push("    veth");
    else if (d.kind === "bridge") out.push(`    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${Math.round((d.fdb?.ageingMs ?? 300000) / 10)} stp_state 0 priority 32768 vlan_filtering 0 vlan_protocol 802.1Q`);
    else if (d.kind === "dummy") out.push("    dummy");
    else if (d.kind === "ipip") out.push("    ipip any remote any local any ttl inherit nopmtudisc");
    else if (d.kind === "tun") out.push("    tun type tun pi off vnet_hdr off persist off");
    if (d.master) out.push(`    bridge_slave state forwarding priority 32 cost 2 hairpin ${d.hairpin ? "on" : "off"} guard off root_block off fastleave off learning on flood on`);
  }
  return out.map((l) => l + "\n").join("");
}
