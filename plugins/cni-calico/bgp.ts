import type { Clock, TimerHandle } from "../../core/clock/clock.js";

/** BGP finite-state-machine states (RFC 4271), as BIRD names them. */
export type BgpState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";

/** BIRD's timers for Calico's bgp_template: hold 240 s (BIRD's default; Calico does not set it), keepalive a third of it. */
export const BGP_TIMERS = { holdMs: 240_000, keepaliveMs: 80_000, connectDelayMs: 2_000, connectRetryMs: 5_000, handshakeStepMs: 1 } as const;

/** One configured `protocol bgp` of a node's BIRD. */
export interface BgpProtocolConfig {
  /** `Mesh_172_18_0_3`, `Node_172_18_0_10`, `Global_...` */
  readonly name: string;
  readonly peerIP: number;
  readonly peerAS: number;
  /** Mesh sessions are unidirectional: the node with the higher address waits (`passive on`). */
  readonly passive: boolean;
  /** `rr client` (this node is a reflector and the peer one of its clients). */
  readonly rrClient: boolean;
  readonly kind: "node-to-node mesh" | "node specific" | "global";
}

/** A route as BGP carries it: prefix, next hop, and where it came from. */
export interface BgpRoute {
  readonly network: number;
  readonly prefix: number;
  /** NEXT_HOP: the originating node's address (iBGP and reflection keep it). */
  readonly nextHop: number;
  /** The address of the BGP speaker it was learned from (the reflector under RR). */
  readonly from: number;
  readonly since: number;
  /** The originator learned it from a route-reflector client (reflect to everyone). */
  readonly fromClient?: boolean;
}

/** A prefix as one number (`network·64 + prefix`): map keys without formatting an address per UPDATE. */
export function routeKey(network: number, prefix: number): number {
  return network * 64 + prefix;
}

/** A session of one protocol, with its state history (the state machine walked on the clock). */
export class BgpSession {
  state: BgpState = "Idle";
  since: number;
  lastError = "";
  established = 0;
  readonly history: { at: number; state: BgpState }[] = [];
  timer: TimerHandle | undefined;
  /** Set while the peer is silent: the hold timer that ends the session. */
  holdTimer: TimerHandle | undefined;

  constructor(
    public config: BgpProtocolConfig,
    now: number,
  ) {
    this.since = now;
  }

  go(state: BgpState, at: number): void {
    this.state = state;
    this.since = at;
    this.history.push({ at, state });
  }
}

/** What a speaker does with its best routes: the kernel protocol's export (install / remove). */
export interface KernelSync {
  install(route: BgpRoute): void;
  remove(network: number, prefix: number): void;
}

/**
 * The BGP speakers of a cluster (each node's BIRD), by address: what a TCP connection to port 179
 * reaches. Sessions are established when both ends are configured for each other; routes flow
 * over Established sessions, are reflected by route reflectors, and are withdrawn when a session
 * ends (a Cease from a stopping peer at once, a silent peer when the hold timer expires).
 */
export class BgpFabric {
  readonly speakers = new Map<number, BirdSpeaker>();

  constructor(readonly clock: Clock) {}

  /** Sessions Established in the whole cluster (each counted once). */
  establishedSessions(): number {
    let n = 0;
    for (const s of this.speakers.values()) for (const p of s.sessions.values()) if (p.state === "Established") n++;
    return n / 2;
  }
}

/**
 * One node's BIRD: its `protocol bgp` sessions, the routes it originates (its blocks, installed
 * locally as blackholes by the static protocol), the routes learned per peer (add paths), and the
 * export of the best one per prefix to the kernel. A route reflector (`rr cluster id`) passes its
 * clients' routes to every other peer and other routes to its clients; plain iBGP peers never pass
 * learned routes on.
 */
export class BirdSpeaker {
  readonly sessions = new Map<number, BgpSession>();
  readonly local = new Map<number, BgpRoute>();
  /** prefix → (from speaker → route) */
  readonly rib = new Map<number, Map<number, BgpRoute>>();
  private readonly installed = new Map<number, BgpRoute>();
  up = true;
  /** The link is down: nothing reaches this speaker and it sends nothing (peers notice by their hold timers). */
  unreachable = false;
  readonly started: number;

  constructor(
    readonly fabric: BgpFabric,
    readonly node: string,
    readonly ip: number,
    readonly asn: number,
    public clusterId: string | undefined,
    private readonly kernel: KernelSync,
  ) {
    this.started = fabric.clock.now();
    fabric.speakers.set(ip, this);
  }

  private get clock(): Clock {
    return this.fabric.clock;
  }

  /** `birdc configure`: protocols not in `wanted` are shut down, new ones start, changed ones restart. */
  configure(wanted: readonly BgpProtocolConfig[]): void {
    const keep = new Set<number>();
    for (const cfg of wanted) {
      keep.add(cfg.peerIP);
      const s = this.sessions.get(cfg.peerIP);
      if (s && s.config.name === cfg.name && s.config.rrClient === cfg.rrClient && s.config.passive === cfg.passive) continue;
      if (s) this.shutdown(s, "Reconfiguration");
      const fresh = new BgpSession(cfg, this.clock.now());
      this.sessions.set(cfg.peerIP, fresh);
      this.startProtocol(fresh);
    }
    for (const [ip, s] of [...this.sessions]) if (!keep.has(ip)) this.shutdown(s, "Removed");
  }

  private startProtocol(s: BgpSession): void {
    s.go(s.config.passive ? "Active" : "Connect", this.clock.now());
    if (!s.config.passive) s.timer = this.clock.setTimeout(() => this.connect(s), BGP_TIMERS.connectDelayMs);
  }

  /** The active side's TCP connect: the peer must be up, reachable and configured for us. */
  private connect(s: BgpSession): void {
    s.timer = undefined;
    if (!this.up || this.sessions.get(s.config.peerIP) !== s || s.state === "Established") return;
    const peer = this.fabric.speakers.get(s.config.peerIP);
    const theirs = peer?.sessions.get(this.ip);
    if (!peer || !peer.up || peer.unreachable || this.unreachable || !theirs || theirs.state === "Established") {
      s.lastError = peer && peer.up && !peer.unreachable ? "Socket: Connection closed" : "Socket: Connection refused";
      s.go("Active", this.clock.now());
      s.timer = this.clock.setTimeout(() => this.connect(s), BGP_TIMERS.connectRetryMs);
      return;
    }
    const t = this.clock.now();
    for (const side of [s, theirs]) {
      side.lastError = "";
      side.go("Connect", t);
      side.go("OpenSent", t);
    }
    s.timer = this.clock.setTimeout(() => {
      s.timer = undefined;
      if (this.sessions.get(s.config.peerIP) !== s || peer.sessions.get(this.ip) !== theirs || !peer.up || !this.up) return;
      const at = this.clock.now();
      for (const side of [s, theirs]) side.go("OpenConfirm", at - BGP_TIMERS.handshakeStepMs);
      for (const side of [s, theirs]) {
        side.go("Established", at);
        side.established = at;
      }
      this.exportAll(peer);
      peer.exportAll(this);
    }, 2 * BGP_TIMERS.handshakeStepMs);
  }

  /** Ends a session: the routes learned over it are withdrawn, the peer's side goes down too (Cease). */
  private shutdown(s: BgpSession, reason: string, notifyPeer = true): void {
    this.fabric.clock.clearTimeout(s.timer);
    this.fabric.clock.clearTimeout(s.holdTimer);
    if (this.sessions.get(s.config.peerIP) === s) this.sessions.delete(s.config.peerIP);
    const wasUp = s.state === "Established";
    s.go("Idle", this.clock.now());
    s.lastError = reason;
    if (wasUp) this.dropPeer(s.config.peerIP);
    if (notifyPeer && wasUp) this.fabric.speakers.get(s.config.peerIP)?.peerClosed(this.ip, "Received: Administrative shutdown");
  }

  /** The peer closed (Cease) or its hold timer expired: back to Active, learned routes withdrawn, reconnect later. */
  private peerClosed(peerIP: number, error: string): void {
    const s = this.sessions.get(peerIP);
    if (!s || s.state !== "Established") return;
    this.fabric.clock.clearTimeout(s.holdTimer);
    s.holdTimer = undefined;
    s.lastError = error;
    s.go(s.config.passive ? "Active" : "Connect", this.clock.now());
    this.dropPeer(peerIP);
    if (!s.config.passive && this.up) s.timer = this.clock.setTimeout(() => this.connect(s), BGP_TIMERS.connectRetryMs);
  }

  private exportable(to: BgpSession): BgpRoute[] {
    const out = [...this.local.values()];
    if (this.clusterId) {
      for (const paths of this.rib.values())
        for (const r of paths.values()) {
          if (r.from === to.config.peerIP || r.nextHop === to.config.peerIP) continue;
          const fromSession = this.sessions.get(r.from);
          // Routes from clients go to everyone; routes from non-clients only to clients.
          if (fromSession?.config.rrClient || to.config.rrClient) out.push(r);
        }
    }
    return out;
  }

  private exportAll(peer: BirdSpeaker): void {
    const s = this.sessions.get(peer.ip);
    if (!s || s.state !== "Established") return;
    for (const r of this.exportable(s)) peer.receive(this.ip, r);
  }

  /** An UPDATE from `from`. */
  private receive(from: number, r: BgpRoute): void {
    const key = routeKey(r.network, r.prefix);
    if (r.nextHop === this.ip) return;
    let paths = this.rib.get(key);
    if (!paths) this.rib.set(key, (paths = new Map()));
    const route: BgpRoute = { network: r.network, prefix: r.prefix, nextHop: r.nextHop, from, since: this.clock.now() };
    paths.set(from, route);
    this.select(key);
    if (this.clusterId) this.reflect(route, "update");
  }

  /** A WITHDRAW from `from`. */
  private withdraw(from: number, network: number, prefix: number): void {
    const key = routeKey(network, prefix);
    const paths = this.rib.get(key);
    const old = paths?.get(from);
    if (!paths || !old) return;
    paths.delete(from);
    if (!paths.size) this.rib.delete(key);
    this.select(key);
    if (this.clusterId) this.reflect(old, "withdraw");
  }

  private reflect(r: BgpRoute, what: "update" | "withdraw"): void {
    const fromClient = this.sessions.get(r.from)?.config.rrClient ?? false;
    for (const [ip, s] of this.sessions) {
      if (s.state !== "Established" || ip === r.from || ip === r.nextHop) continue;
      if (!fromClient && !s.config.rrClient) continue;
      const peer = this.fabric.speakers.get(ip);
      if (!peer) continue;
      if (what === "update") peer.receive(this.ip, r);
      else peer.withdraw(this.ip, r.network, r.prefix);
    }
  }

  private dropPeer(peerIP: number): void {
    for (const [key, paths] of [...this.rib]) {
      const r = paths.get(peerIP);
      if (!r) continue;
      paths.delete(peerIP);
      if (!paths.size) this.rib.delete(key);
      this.select(key);
      if (this.clusterId) this.reflect(r, "withdraw");
    }
  }

  /** Best path per prefix to the kernel (lowest next hop among equals: deterministic). */
  private select(key: number): void {
    const paths = this.rib.get(key);
    let best: BgpRoute | undefined;
    if (paths) for (const r of paths.values()) if (!best || r.nextHop < best.nextHop) best = r;
    const had = this.installed.get(key);
    if (best && had?.nextHop === best.nextHop) return;
    if (had && !best) {
      this.installed.delete(key);
      this.kernel.remove(had.network, had.prefix);
      return;
    }
    if (best) {
      this.installed.set(key, best);
      this.kernel.install(best);
    }
  }

  /** Originates a route (a block, a borrowed /32) and sends it to every Established peer. */
  originate(network: number, prefix: number): void {
    const key = routeKey(network, prefix);
    if (this.local.has(key)) return;
    const r: BgpRoute = { network, prefix, nextHop: this.ip, from: this.ip, since: this.clock.now() };
    this.local.set(key, r);
    for (const [ip, s] of this.sessions) if (s.state === "Established") this.fabric.speakers.get(ip)?.receive(this.ip, r);
  }

  /** Stops originating a route: WITHDRAW to every Established peer. */
  retract(network: number, prefix: number): void {
    const key = routeKey(network, prefix);
    if (!this.local.delete(key)) return;
    for (const [ip, s] of this.sessions) if (s.state === "Established") this.fabric.speakers.get(ip)?.withdraw(this.ip, network, prefix);
  }

  /** BIRD stops (calico-node stopped): every peer gets a Cease and withdraws at once. */
  stop(): void {
    if (!this.up) return;
    this.up = false;
    for (const s of [...this.sessions.values()]) this.shutdown(s, "Shutdown");
    if (this.fabric.speakers.get(this.ip) === this) this.fabric.speakers.delete(this.ip);
  }

  /**
   * The node's link goes down: nothing is sent or received. Each peer notices when its hold timer
   * expires — 240 s after the last KEEPALIVE it got (they come every 80 s) — and withdraws.
   */
  linkDown(): void {
    this.unreachable = true;
    const now = this.clock.now();
    for (const [ip, mine] of this.sessions) {
      const peer = this.fabric.speakers.get(ip);
      const s = peer?.sessions.get(this.ip);
      if (!peer || !s || s.state !== "Established") continue;
      const lastKeepalive = s.established + Math.floor((now - s.established) / BGP_TIMERS.keepaliveMs) * BGP_TIMERS.keepaliveMs;
      const expiry = Math.max(0, lastKeepalive + BGP_TIMERS.holdMs - now);
      s.holdTimer = this.clock.setTimeout(() => peer.peerClosed(this.ip, "Error: Hold timer expired"), expiry);
      mine.holdTimer = this.clock.setTimeout(() => this.peerClosed(ip, "Error: Hold timer expired"), expiry);
    }
  }

  /** Prefixes installed in the kernel from BGP. */
  learned(): number {
    return this.installed.size;
  }
}
