import { tupleOf, type CtEntry, type CtDirection, type Tuple } from "./conntrack.js";
import type { NetDevice, TunRelay } from "./device.js";
import { uint32ToIpv4 } from "./ipv4.js";
import type { NetNamespace } from "./netns.js";
import type { Hook, TableName } from "./netfilter/netfilter.js";
import type { CtState, RuleContext } from "./netfilter/rule.js";
import { HEADER, type Packet } from "./packet.js";
import type { Route } from "./routing-table.js";
import type { RemoteNode } from "./remote-underlay.js";

/** Why a packet went no further, named as a trace shows it. */
export type DropReason =
  | "no-route"
  | "host-unreachable"
  | "rejected"
  | "policy-denied"
  | "mtu-exceeded"
  | "ttl-exceeded"
  | "forwarding-disabled"
  | "hairpin-disabled"
  | "device-down"
  | "no-real-server"
  | "loop";

/** One step of a walk. */
export interface WalkHop {
  /** Namespace (`root`, `cni-...`, `outside`). */
  readonly ns: string;
  readonly node?: string;
  /** `route`, a hook (`PREROUTING`...), `tx`, `rx`, `bridge`, `encap`, `decap`, `ipvs`, `conntrack`, `deliver`, `drop`, `wire` (left for another process). */
  readonly step: string;
  readonly device?: string;
  readonly detail: string;
  /** For hooks: the table, rules evaluated and the matched ones (iptables-save text). */
  readonly table?: TableName;
  readonly evaluated?: number;
  readonly matched?: readonly string[];
  /** Packet as it leaves this step: `src:sport > dst:dport`. */
  readonly packet: string;
  readonly size: number;
  readonly ttl: number;
}

/** Where a walk ended. */
export interface WalkResult {
  /** `remote`: the frame left on the underlay for a node in another process ({@link WalkResult.remote}). */
  readonly outcome: "delivered" | "dropped" | "remote";
  readonly reason?: DropReason;
  readonly detail?: string;
  /** The namespace the packet was delivered to (or dropped in). */
  readonly ns: NetNamespace;
  /** The packet as delivered (after every NAT). */
  readonly packet: Packet;
  readonly hops: readonly WalkHop[];
  /** Rules evaluated along the whole path (iptables chains walked linearly). */
  readonly rulesEvaluated: number;
  /** Conntrack entries the packet created or used, per namespace. */
  readonly conntrack: readonly { ns: NetNamespace; entry: CtEntry }[];
  /** REJECT's `--reject-with` when rejected. */
  readonly rejectWith?: string;
  /** The source address the sender's routing chose (before any NAT). */
  readonly source: number;
  /** Outcome `remote`: the node in another process the frame was sent to (`packet` is what it carries). */
  readonly remote?: RemoteNode;
}

/** What a walk needs from the data plane. */
export interface WalkEnvironment {
  now(): number;
  random(): number;
  /** The device owning `ip` reachable at layer 2 from `dev` (ARP), if any. */
  l2Lookup(dev: NetDevice, ip: number): NetDevice | undefined;
  /** The node in another process owning `ip` on the underlay, if any (`dev` is on the underlay). */
  remote?(ip: number): RemoteNode | undefined;
}

interface CtContext {
  entry?: CtEntry;
  dir?: CtDirection;
  /** For a new connection: the tuple as first seen here. */
  orig?: Tuple;
  state: CtState;
}

const MAX_STEPS = 256;

export function formatPacket(p: Packet): string {
  return `${p.proto} ${uint32ToIpv4(p.src)}:${p.sport} > ${uint32ToIpv4(p.dst)}:${p.dport}`;
}

function describeRoute(r: Route, table: number): string {
  const dst = r.prefix === 0 ? "default" : r.prefix === 32 ? uint32ToIpv4(r.network) : `${uint32ToIpv4(r.network)}/${r.prefix}`;
  const parts = [r.type === "unicast" ? dst : `${r.type} ${dst}`];
  if (r.via !== undefined) parts.push(`via ${uint32ToIpv4(r.via)}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (table !== 254) parts.push(`table ${table === 255 ? "local" : table}`);
  return parts.join(" ");
}

/**
 * One packet's journey through the namespaces, as the kernel would take it: output routing and
 * the OUTPUT hooks in the sender, devices (veth, bridge with FDB learning, underlay, VXLAN and
 * IPIP encapsulation) to the next namespace, PREROUTING, the routing decision, INPUT or FORWARD and
 * POSTROUTING, conntrack lookups and confirmations with NAT, until it is delivered locally or
 * dropped for a named reason. With `record` every step is kept as a {@link WalkHop}.
 */
export class PacketWalk {
  private readonly hops: WalkHop[] = [];
  private rules = 0;
  private steps = 0;
  private source = 0;
  private readonly cts: { ns: NetNamespace; entry: CtEntry }[] = [];
  result?: WalkResult;

  constructor(
    private readonly env: WalkEnvironment,
    private readonly record: boolean,
  ) {}

  /** Sends `pkt` from a local socket of `ns` (src 0 = pick by route). */
  run(ns: NetNamespace, pkt: Packet): WalkResult {
    this.localOut(ns, pkt);
    return this.result!;
  }

  /** Takes `pkt` in on `dev` (what a TUN device's process writes), from its namespace's PREROUTING on. */
  receiveOn(dev: NetDevice, pkt: Packet): WalkResult {
    this.receive(dev.ns, dev, pkt);
    return this.result!;
  }

  private hop(ns: NetNamespace, step: string, pkt: Packet, detail: string, extra: Partial<WalkHop> = {}): void {
    if (!this.record) return;
    this.hops.push({ ns: ns.name, ...(ns.node ? { node: ns.node } : {}), step, detail, packet: formatPacket(pkt), size: pkt.size, ttl: pkt.ttl, ...extra });
  }

  private finish(outcome: "delivered" | "dropped" | "remote", ns: NetNamespace, pkt: Packet, reason?: DropReason, detail?: string, rejectWith?: string, deliveredTo?: string, remote?: RemoteNode): void {
    if (outcome === "dropped") this.hop(ns, "drop", pkt, `${reason}${detail ? `: ${detail}` : ""}`);
    else if (outcome === "remote") this.hop(ns, "wire", pkt, `to node ${remote!.name} in another process, over the host's underlay socket`);
    else this.hop(ns, "deliver", pkt, deliveredTo ?? `to local socket ${uint32ToIpv4(pkt.dst)}:${pkt.dport}`);
    this.result = {
      ...(remote ? { remote } : {}),
      outcome,
      ns,
      packet: pkt,
      hops: this.hops,
      rulesEvaluated: this.rules,
      conntrack: this.cts,
      source: this.source,
      ...(reason ? { reason } : {}),
      ...(detail ? { detail } : {}),
      ...(rejectWith ? { rejectWith } : {}),
    };
  }

  private drop(ns: NetNamespace, pkt: Packet, reason: DropReason, detail?: string, rejectWith?: string): void {
    this.finish("dropped", ns, pkt, reason, detail, rejectWith);
  }

  /** Runs one table's chain at a hook; false when the packet was dropped or rejected. */
  private hook(ns: NetNamespace, table: TableName, hook: Hook, pkt: Packet, ct: CtContext, inDev?: string, outDev?: string): { ok: boolean; nat?: ReturnType<NetNamespace["netfilter"]["evaluate"]>["nat"] } {
    const chain = ns.netfilter.chain(table, hook);
    if (!chain || (chain.rules.length === 0 && chain.policy !== "DROP")) return { ok: true };
    const ctx: RuleContext = {
      pkt,
      ...(inDev ? { inDev } : {}),
      ...(outDev ? { outDev } : {}),
      ctState: ct.state,
      now: this.env.now(),
      isLocal: (ip) => ns.isLocal(ip),
      random: () => this.env.random(),
      recent: ns.recent,
      inSet: (name, p, flags) => ns.ipsets.test(name, p, flags),
    };
    const v = ns.netfilter.evaluate(table, hook, ctx);
    this.rules += v.evaluated;
    this.hop(ns, hook, pkt, `${table} ${hook}: ${v.verdict}${v.matched.length ? "" : " (policy)"}`, { table, evaluated: v.evaluated, matched: v.matched });
    if (v.verdict === "DROP") {
      this.drop(ns, pkt, "policy-denied", `dropped in ${table} ${hook}`);
      return { ok: false };
    }
    if (v.verdict === "REJECT") {
      this.drop(ns, pkt, "rejected", `${v.matched.at(-1) ?? ""}`, v.rejectWith);
      return { ok: false };
    }
    return { ok: true, ...(v.nat ? { nat: v.nat } : {}) };
  }

  /** Conntrack lookup at PREROUTING/OUTPUT: a known connection's destination NAT is applied here. */
  private ctIn(ns: NetNamespace, pkt: Packet): CtContext {
    if (!ns.ipForward) return { state: "NEW" };
    const hit = ns.conntrack.lookup(pkt);
    if (!hit) return { state: "NEW", orig: tupleOf(pkt) };
    const { entry, dir } = hit;
    const state: CtState = entry.replied || dir === "reply" ? "ESTABLISHED" : "NEW";
    ns.conntrack.see(entry, dir, pkt.flags);
    this.cts.push({ ns, entry });
    const wantDst = dir === "original" ? entry.reply.src : entry.original.src;
    const wantDport = dir === "original" ? entry.reply.sport : entry.original.sport;
    if (pkt.dst !== wantDst || pkt.dport !== wantDport) {
      const before = formatPacket(pkt);
      pkt.dst = wantDst;
      pkt.dport = wantDport;
      this.hop(ns, "conntrack", pkt, `${dir === "original" ? "DNAT" : "un-SNAT"} (established): ${before} -> ${formatPacket(pkt)}`);
    } else this.hop(ns, "conntrack", pkt, `${state} (${dir})`);
    return { entry, dir, state };
  }

  private localOut(ns: NetNamespace, pkt: Packet): void {
    if (++this.steps > MAX_STEPS) return this.drop(ns, pkt, "loop", "too many steps");
    let r = ns.route(pkt.dst, pkt.src, pkt.mark);
    if (!r || r.route.type === "unreachable" || r.route.type === "blackhole" || r.route.type === "prohibit") return this.drop(ns, pkt, "no-route", `no route to ${uint32ToIpv4(pkt.dst)}`);
    if (!pkt.src) {
      const dev = r.route.dev ? ns.devices.get(r.route.dev) : undefined;
      pkt.src = r.route.src ?? (r.route.type === "local" ? pkt.dst : (dev?.primaryAddress ?? ns.addresses()[0] ?? 0));
    }
    if (!this.source) this.source = pkt.src;
    this.hop(ns, "route", pkt, describeRoute(r.route, r.table), r.route.dev ? { device: r.route.dev } : {});
    const ct = this.ctIn(ns, pkt);
    if (ct.state === "NEW" && !ct.entry) {
      if (!this.hook(ns, "raw", "OUTPUT", pkt, ct).ok) return;
      if (!this.hook(ns, "mangle", "OUTPUT", pkt, ct).ok) return;
      const nat = this.hook(ns, "nat", "OUTPUT", pkt, ct, undefined, r.route.dev);
      if (!nat.ok) return;
      if (nat.nat?.kind === "DNAT") {
        this.applyDnat(ns, pkt, nat.nat.ip, nat.nat.port);
        r = ns.route(pkt.dst, pkt.src, pkt.mark);
        if (!r) return this.drop(ns, pkt, "no-route", `no route to ${uint32ToIpv4(pkt.dst)}`);
        this.hop(ns, "route", pkt, `reroute: ${describeRoute(r.route, r.table)}`, r.route.dev ? { device: r.route.dev } : {});
      }
    }
    // A packet to one of the namespace's own addresses leaves through the loopback device, whatever
    // device the local route names (`ip route get <own address>` says `dev lo`).
    const outDev = r.route.type === "local" ? "lo" : r.route.dev;
    if (!this.hook(ns, "filter", "OUTPUT", pkt, ct, undefined, outDev).ok) return;
    // IPVS also catches locally generated connections (LOCAL_OUT).
    if (ct.orig && r.route.type === "local" && ns.ipvs.size && this.ipvs(ns, pkt, ct)) return;
    const dev = ns.devices.get(outDev ?? "lo");
    if (!dev) return this.drop(ns, pkt, "no-route", `device ${outDev} is gone`);
    this.postRouting(ns, pkt, dev, r.route.via ?? (r.route.type === "local" ? pkt.dst : pkt.dst), ct);
  }

  private applyDnat(ns: NetNamespace, pkt: Packet, ip: number, port: number | undefined): void {
    const before = formatPacket(pkt);
    pkt.dst = ip;
    if (port !== undefined) pkt.dport = port;
    this.hop(ns, "nat", pkt, `DNAT ${before} -> ${formatPacket(pkt)}`);
  }

  private postRouting(ns: NetNamespace, pkt: Packet, dev: NetDevice, nextHop: number, ct: CtContext, inDev?: string): void {
    if (!this.hook(ns, "mangle", "POSTROUTING", pkt, ct, inDev, dev.name).ok) return;
    if (ct.orig) {
      const nat = this.hook(ns, "nat", "POSTROUTING", pkt, ct, inDev, dev.name);
      if (!nat.ok) return;
      if (nat.nat && nat.nat.kind !== "DNAT") {
        const before = formatPacket(pkt);
        pkt.src = nat.nat.kind === "SNAT" ? nat.nat.ip : (dev.primaryAddress ?? pkt.src);
        if (nat.nat.kind === "SNAT" && nat.nat.port !== undefined) pkt.sport = nat.nat.port;
        this.hop(ns, "nat", pkt, `${nat.nat.kind} ${before} -> ${formatPacket(pkt)}`);
      }
      const entry = ns.conntrack.confirm(ct.orig, { proto: pkt.proto, src: pkt.dst, sport: pkt.dport, dst: pkt.src, dport: pkt.sport }, pkt.mark);
      this.cts.push({ ns, entry });
    } else this.ctSource(ns, pkt, ct);
    this.transmit(ns, dev, nextHop, pkt);
  }

  /** A known connection's source NAT (SNAT, or the un-DNAT of a reply), applied at POSTROUTING or LOCAL_IN. */
  private ctSource(ns: NetNamespace, pkt: Packet, ct: CtContext): void {
    const e = ct.entry;
    if (!e) return;
    const wantSrc = ct.dir === "original" ? e.reply.dst : e.original.dst;
    const wantSport = ct.dir === "original" ? e.reply.dport : e.original.dport;
    if (pkt.src !== wantSrc || pkt.sport !== wantSport) {
      const before = formatPacket(pkt);
      pkt.src = wantSrc;
      pkt.sport = wantSport;
      this.hop(ns, "conntrack", pkt, `${ct.dir === "original" ? "SNAT" : "un-DNAT"} (established): ${before} -> ${formatPacket(pkt)}`);
    }
  }

  private transmit(ns: NetNamespace, dev: NetDevice, nextHop: number, pkt: Packet): void {
    if (++this.steps > MAX_STEPS) return this.drop(ns, pkt, "loop", "too many steps");
    if (!dev.up) return this.drop(ns, pkt, "device-down", `${dev.name} is down`);
    if (pkt.size > dev.mtu) {
      if (pkt.df) return this.drop(ns, pkt, "mtu-exceeded", `${pkt.size} bytes > mtu ${dev.mtu} of ${dev.name} with DF set (ICMP fragmentation needed, mtu ${dev.mtu})`);
      this.hop(ns, "tx", pkt, `fragmented: ${pkt.size} bytes > mtu ${dev.mtu}`, { device: dev.name });
    }
    dev.txPackets++;
    dev.txBytes += pkt.size;
    switch (dev.kind) {
      case "loopback":
        this.hop(ns, "tx", pkt, `lo`, { device: dev.name });
        return this.receive(ns, dev, pkt);
      case "dummy":
        return this.drop(ns, pkt, "no-route", `${dev.name} (dummy) discards what is sent through it`);
      case "tun": {
        if (dev.tunRelay) return this.relay(ns, dev, dev.tunRelay, pkt);
        if (!dev.tunReader) return this.drop(ns, pkt, "device-down", `${dev.name}: no process has the TUN device open (NO-CARRIER)`);
        this.hop(ns, "tx", pkt, `${dev.name} (tun, point-to-point: no ARP)`, { device: dev.name });
        this.finish("delivered", ns, pkt, undefined, undefined, undefined, `to the process reading ${dev.name}`);
        dev.tunReader({ ...pkt });
        return;
      }
      case "vxlan":
      case "ipip":
        return this.encapsulate(ns, dev, nextHop, pkt);
      default: {
        const target = this.env.l2Lookup(dev, nextHop);
        if (!target && dev.segment) {
          const remote = this.env.remote?.(nextHop);
          if (remote) {
            if (!ns.neigh.get(dev.name, nextHop)) ns.neigh.set(dev.name, nextHop, remote.mac, "REACHABLE", this.env.now());
            this.hop(ns, "tx", pkt, `${dev.name} -> ${remote.mac} (${uint32ToIpv4(nextHop)})`, { device: dev.name });
            return this.finish("remote", ns, pkt, undefined, undefined, undefined, undefined, remote);
          }
        }
        if (!target) return this.drop(ns, pkt, "host-unreachable", `no ARP reply for ${uint32ToIpv4(nextHop)} on ${dev.name}`);
        if (!ns.neigh.get(dev.name, nextHop)) ns.neigh.set(dev.name, nextHop, target.mac, "REACHABLE", this.env.now());
        this.hop(ns, "tx", pkt, `${dev.name} -> ${target.mac} (${uint32ToIpv4(nextHop)})`, { device: dev.name });
        return this.l2Send(ns, dev, target, pkt);
      }
    }
  }

  /**
   * Moves a frame from `from` towards `target` (the device owning the next hop): through a veth to
   * its peer, through bridges by FDB lookup (learning the source on the ingress port), over the
   * underlay segment.
   */
  private l2Send(ns: NetNamespace, from: NetDevice, target: NetDevice, pkt: Packet): void {
    const now = this.env.now();
    if (from.kind === "bridge") {
      // The bridge itself sends: out of the port its FDB knows for the target (flooding otherwise).
      const e = from.fdb!.lookup(target.mac, now);
      const port = e ? this.port(from, e.port) : [...from.ports!].find((p) => p.peer === target);
      if (!port?.peer) return this.drop(ns, pkt, "host-unreachable", `${from.name}: no port leads to ${target.mac}`);
      this.hop(ns, "bridge", pkt, `${from.name}: ${e ? "fdb hit" : "unknown unicast, flooded"} ${target.mac} -> port ${port.name}`, { device: from.name });
      return this.receive(port.peer.ns, port.peer, pkt);
    }
    if (from.kind === "veth") {
      const ingress = from.peer;
      if (!ingress) return this.drop(ns, pkt, "device-down", `${from.name} has no peer`);
      const br = ingress.master;
      if (!br) return this.receive(ingress.ns, ingress, pkt);
      br.fdb!.learn(from.mac, ingress.name, now);
      if (target === br) {
        this.hop(br.ns, "bridge", pkt, `${br.name}: learned ${from.mac} on ${ingress.name}; to the bridge itself`, { device: br.name });
        return this.receive(br.ns, br, pkt);
      }
      const e = br.fdb!.lookup(target.mac, now);
      const port = e ? this.port(br, e.port) : [...br.ports!].find((p) => p.peer === target);
      if (!port?.peer) return this.drop(br.ns, pkt, "host-unreachable", `${br.name}: no port leads to ${target.mac}`);
      if (port === ingress && !port.hairpin) return this.drop(br.ns, pkt, "hairpin-disabled", `${br.name}: frame would leave by its ingress port ${port.name} (hairpin off)`);
      this.hop(br.ns, "bridge", pkt, `${br.name}: learned ${from.mac} on ${ingress.name}; ${e ? "fdb hit" : "flooded"} ${target.mac} -> port ${port.name}`, { device: br.name });
      return this.receive(port.peer.ns, port.peer, pkt);
    }
    this.receive(target.ns, target, pkt);
  }

  private port(br: NetDevice, name: string): NetDevice | undefined {
    for (const p of br.ports!) if (p.name === name) return p;
    return undefined;
  }

  private encapsulate(ns: NetNamespace, dev: NetDevice, nextHop: number, pkt: Packet): void {
    let remote: number | undefined;
    if (dev.kind === "vxlan") {
      const n = ns.neigh.get(dev.name, nextHop);
      const e = n?.lladdr ? dev.fdb!.lookup(n.lladdr, this.env.now()) : undefined;
      remote = e?.dst;
      if (remote === undefined) return this.drop(ns, pkt, "host-unreachable", `${dev.name}: no neighbour/FDB entry for ${uint32ToIpv4(nextHop)}`);
    } else remote = nextHop;
    const overhead = dev.kind === "vxlan" ? HEADER.vxlan : HEADER.ipip;
    const local = dev.vxlan?.local ?? 0;
    const outer: Packet = {
      proto: dev.kind === "vxlan" ? "udp" : "ipip",
      src: local,
      dst: remote,
      sport: dev.kind === "vxlan" ? 32768 + ((pkt.src ^ pkt.dst ^ pkt.sport ^ pkt.dport) & 0x7fff) : 0,
      dport: dev.vxlan?.port ?? 0,
      ttl: 64,
      size: pkt.size + overhead,
      df: false,
      mark: 0,
      inner: pkt,
      encap: dev.kind === "vxlan" ? "vxlan" : "ipip",
    };
    this.hop(ns, "encap", outer, `${dev.kind}${dev.vxlan ? ` vni ${dev.vxlan.vni}` : ""}: +${overhead} bytes to ${uint32ToIpv4(remote)}`, { device: dev.name });
    this.localOut(ns, outer);
  }

  /** A userspace tunnel's process read `pkt` from its TUN device and sends it on to the peer in a UDP datagram of its own. */
  private relay(ns: NetNamespace, dev: NetDevice, relay: TunRelay, pkt: Packet): void {
    const peer = relay.peerFor(pkt.dst);
    if (peer === undefined) return this.drop(ns, pkt, "no-route", `${dev.name}: the process reading it knows no peer for ${uint32ToIpv4(pkt.dst)}`);
    const outer: Packet = { proto: "udp", src: relay.local, dst: peer, sport: relay.port, dport: relay.port, ttl: 64, size: pkt.size + HEADER.udpTunnel, df: false, mark: 0, inner: pkt, encap: "udp" };
    this.hop(ns, "encap", outer, `${dev.name} (tun, read by a userspace process): +${HEADER.udpTunnel} bytes in a UDP datagram to ${uint32ToIpv4(peer)}:${relay.port}`, { device: dev.name });
    this.localOut(ns, outer);
  }

  private receive(ns: NetNamespace, dev: NetDevice, pkt: Packet): void {
    if (++this.steps > MAX_STEPS) return this.drop(ns, pkt, "loop", "too many steps");
    dev.rxPackets++;
    dev.rxBytes += pkt.size;
    if (dev.kind !== "loopback") this.hop(ns, "rx", pkt, `${dev.name}`, { device: dev.name });
    const ct = dev.kind === "loopback" && pkt.src === pkt.dst ? ({ state: "ESTABLISHED" } as CtContext) : this.ctIn(ns, pkt);
    if (ct.state === "NEW" && !ct.entry && dev.kind !== "loopback") {
      if (!this.hook(ns, "raw", "PREROUTING", pkt, ct, dev.name).ok) return;
      if (!this.hook(ns, "mangle", "PREROUTING", pkt, ct, dev.name).ok) return;
      const nat = this.hook(ns, "nat", "PREROUTING", pkt, ct, dev.name);
      if (!nat.ok) return;
      if (nat.nat?.kind === "DNAT") this.applyDnat(ns, pkt, nat.nat.ip, nat.nat.port);
    }
    const r = ns.route(pkt.dst, pkt.src, pkt.mark);
    if (!r || r.route.type === "unreachable" || r.route.type === "blackhole" || r.route.type === "prohibit") return this.drop(ns, pkt, "no-route", `no route to ${uint32ToIpv4(pkt.dst)}`);
    if (dev.kind !== "loopback") this.hop(ns, "route", pkt, describeRoute(r.route, r.table), r.route.dev ? { device: r.route.dev } : {});
    if (r.route.type === "local") return this.localIn(ns, dev, pkt, ct);
    if (!ns.ipForward) return this.drop(ns, pkt, "forwarding-disabled", `${ns.name} does not forward (net.ipv4.ip_forward=0)`);
    if (--pkt.ttl <= 0) return this.drop(ns, pkt, "ttl-exceeded", "TTL reached 0 (ICMP time exceeded)");
    if (!this.hook(ns, "mangle", "FORWARD", pkt, ct, dev.name, r.route.dev).ok) return;
    if (!this.hook(ns, "filter", "FORWARD", pkt, ct, dev.name, r.route.dev).ok) return;
    const out = ns.devices.get(r.route.dev ?? "");
    if (!out) return this.drop(ns, pkt, "no-route", `device ${r.route.dev} is gone`);
    this.postRouting(ns, pkt, out, r.route.via ?? pkt.dst, ct, dev.name);
  }

  /** IPVS: if `pkt` opens a connection to a virtual service, DNAT it to a real server and send it on (true = handled). */
  private ipvs(ns: NetNamespace, pkt: Packet, ct: CtContext, inDev?: string): boolean {
    const vs = ns.ipvs.lookup(pkt.proto, pkt.dst, pkt.dport);
    if (!vs) return false;
    const real = ns.ipvs.schedule(vs, pkt.src, this.env.now());
    if (!real) {
      this.drop(ns, pkt, "no-real-server", `IPVS ${uint32ToIpv4(vs.ip)}:${vs.port} has no real servers`);
      return true;
    }
    real.activeConns++;
    const before = formatPacket(pkt);
    pkt.dst = real.ip;
    pkt.dport = real.port;
    this.hop(ns, "ipvs", pkt, `${vs.scheduler}: ${before} -> ${uint32ToIpv4(real.ip)}:${real.port} (masq, 1 of ${vs.reals.length} real servers)`);
    const r = ns.route(pkt.dst, pkt.src, pkt.mark);
    const out = r?.route.dev ? ns.devices.get(r.route.dev) : undefined;
    if (!r || !out) {
      this.drop(ns, pkt, "no-route", `no route to ${uint32ToIpv4(pkt.dst)}`);
      return true;
    }
    this.hop(ns, "route", pkt, describeRoute(r.route, r.table), { device: out.name });
    this.postRouting(ns, pkt, out, r.route.via ?? pkt.dst, ct, inDev);
    return true;
  }

  private localIn(ns: NetNamespace, dev: NetDevice, pkt: Packet, ct: CtContext): void {
    if (!this.hook(ns, "mangle", "INPUT", pkt, ct, dev.name).ok) return;
    if (!this.hook(ns, "filter", "INPUT", pkt, ct, dev.name).ok) return;
    // IPVS hooks LOCAL_IN: a new connection to a virtual service is scheduled and forwarded.
    if (ct.orig && ns.ipvs.size && this.ipvs(ns, pkt, ct, dev.name)) return;
    if (ct.orig) {
      const entry = ns.conntrack.confirm(ct.orig, { proto: pkt.proto, src: pkt.dst, sport: pkt.dport, dst: pkt.src, dport: pkt.sport }, pkt.mark);
      this.cts.push({ ns, entry });
    } else this.ctSource(ns, pkt, ct);
    if (pkt.encap && pkt.inner) {
      const tunnel = [...ns.devices.values()].find((d) => (pkt.encap === "vxlan" ? d.kind === "vxlan" && d.vxlan?.port === pkt.dport : pkt.encap === "udp" ? d.tunRelay?.port === pkt.dport : d.kind === "ipip"));
      if (tunnel) {
        this.hop(ns, "decap", pkt.inner, `${tunnel.name}: -${pkt.size - pkt.inner.size} bytes`, { device: tunnel.name });
        return this.receive(ns, tunnel, pkt.inner);
      }
    }
    this.finish("delivered", ns, pkt);
  }
}
