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

/** Told when a prefix starts or stops being originated somewhere, and when what speakers see may have changed. */
export interface FabricListener {
  originated(owner: string, route: BgpRoute): void;
  retracted(owner: string, network: number, prefix: number): void;
  changed(): void;
}

/**
 * The BGP speakers of a cluster (each node's BIRD), by address: what a TCP connection to port 179
 * reaches. Sessions are established when both ends are configured for each other; routes flow
 * over Established sessions, are reflected by route reflectors, and are withdrawn when a session
 * ends (a Cease from a stopping peer at once, a silent peer when the hold timer expires).
 *
 * Only route reflectors keep a RIB of their own (UPDATEs are delivered to them). Every other
 * speaker passes no learned route on (iBGP), so its RIB is exactly what its Established peers
 * export to it: it is read from those peers when asked instead of being copied into n tables —
 * the fabric indexes, per prefix, the speakers exporting it. A client of a reflector that knows
 * every originated prefix sees them all (its own aside) without a per-prefix test.
 */
export class BgpFabric {
  readonly speakers = new Map<number, BirdSpeaker>();
  /** Speakers with a RIB of their own (a `routeReflectorClusterID`). */
  readonly reflectors = new Set<BirdSpeaker>();
  /** prefix → the speakers exporting it (originators, and reflectors that learned it). */
  readonly advertisers = new Map<number, Set<BirdSpeaker>>();
  /** prefix → how many speakers originate it. */
  readonly origins = new Map<number, number>();
  /** Bumped whenever a session or a RIB changes (cached answers are recomputed). */
  version = 0;
  listener: FabricListener | undefined;

  constructor(readonly clock: Clock) {}

  /** Sessions Established in the whole cluster (each counted once). */
  establishedSessions(): number {
    let n = 0;
    for (const s of this.speakers.values()) for (const p of s.sessions.values()) if (p.state === "Established") n++;
    return n / 2;
  }

  touch(): void {
    this.version++;
    this.listener?.changed();
  }

  advertise(key: number, speaker: BirdSpeaker): void {
    let set = this.advertisers.get(key);
    if (!set) this.advertisers.set(key, (set = new Set()));
    set.add(speaker);
  }

  unadvertise(key: number, speaker: BirdSpeaker): void {
    const set = this.advertisers.get(key);
    if (set?.delete(speaker) && !set.size) this.advertisers.delete(key);
  }
}

/**
 * One node's BIRD: its `protocol bgp` sessions, the routes it originates (its blocks, installed
 * locally as blackholes by the static protocol), the routes learned per peer (add paths), and the
 * best one per prefix for the kernel. A route reflector (`rr cluster id`) passes its clients'
 * routes to every other peer and other routes to its clients; plain iBGP peers never pass
 * learned routes on.
 */
export class BirdSpeaker {
  readonly sessions = new Map<number, BgpSession>();
  readonly local = new Map<number, BgpRoute>();
  /** Reflectors only: prefix → (from speaker → route), and the prefixes learned per peer. */
  private ribIn: Map<number, Map<number, BgpRoute>> | undefined;
  private byFrom: Map<number, Set<number>> | undefined;
  up = true;
  /** The link is down: nothing reaches this speaker and it sends nothing (peers notice by their hold timers). */
  unreachable = false;
  readonly started: number;
  private reflectorId: string | undefined;
  private seenAt = -1;
  private seesAllCached = false;

  constructor(
    readonly fabric: BgpFabric,
    readonly node: string,
    readonly ip: number,
    readonly asn: number,
    clusterId: string | undefined,
  ) {
    this.started = fabric.clock.now();
    fabric.speakers.set(ip, this);
    this.clusterId = clusterId;
  }

  private get clock(): Clock {
    return this.fabric.clock;
  }

  /** The `rr cluster id` this speaker reflects with (undefined: not a reflector). */
  get clusterId(): string | undefined {
    return this.reflectorId;
  }

  /** Becoming a reflector builds the RIB from what the peers export now; ceasing drops it (only own routes are exported then). */
  set clusterId(id: string | undefined) {
    const was = this.reflectorId;
    this.reflectorId = id;
    if (!!was === !!id) return;
    const keys: number[] = [];
    if (id) {
      this.ribIn = new Map();
      this.byFrom = new Map();
      for (const key of [...this.fabric.advertisers.keys()]) {
        for (const r of this.viewPaths(key)) this.store(r.from, key, r);
        keys.push(key);
      }
      this.fabric.reflectors.add(this);
    } else {
      for (const key of this.ribIn!.keys()) {
        keys.push(key);
        if (!this.local.has(key)) this.fabric.unadvertise(key, this);
      }
      this.ribIn = this.byFrom = undefined;
      this.fabric.reflectors.delete(this);
    }
    this.fabric.touch();
    for (const key of keys) this.reflect(key);
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
      this.fabric.touch();
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
    if (wasUp) {
      this.fabric.touch();
      this.dropPeer(s.config.peerIP);
    }
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
    this.fabric.touch();
    this.dropPeer(peerIP);
    if (!s.config.passive && this.up) s.timer = this.clock.setTimeout(() => this.connect(s), BGP_TIMERS.connectRetryMs);
  }

  /** This speaker's session to `peer` when Established on both ends (routes flow over it). */
  private linked(peer: BirdSpeaker): BgpSession | undefined {
    const mine = this.sessions.get(peer.ip);
    if (mine?.state !== "Established") return undefined;
    return peer.sessions.get(this.ip)?.state === "Established" ? mine : undefined;
  }

  /**
   * What this speaker sends to the peer at `toIP` (over `to`, its session to it) for `key`: its own
   * route, else as a reflector its best path the reflection rules let through (a client's routes to
   * everyone, other routes to clients only; never back to where it came from).
   */
  private exported(key: number, toIP: number, to: BgpSession): BgpRoute | undefined {
    const own = this.local.get(key);
    if (own) return own;
    const paths = this.ribIn?.get(key);
    if (!paths) return undefined;
    let best: BgpRoute | undefined;
    for (const r of paths.values()) {
      if (r.from === toIP || r.nextHop === toIP) continue;
      if (!to.config.rrClient && !this.sessions.get(r.from)?.config.rrClient) continue;
      if (!best || r.nextHop < best.nextHop) best = r;
    }
    return best;
  }

  /** A freshly Established reflector peer gets everything this speaker exports to it. */
  private exportAll(peer: BirdSpeaker): void {
    if (!peer.ribIn) return;
    const s = this.linked(peer);
    if (!s) return;
    const keys = this.ribIn ? [...new Set([...this.local.keys(), ...this.ribIn.keys()])] : [...this.local.keys()];
    for (const key of keys) {
      const r = this.exported(key, peer.ip, s);
      if (r) peer.receive(this.ip, r);
    }
  }

  /** Sends this speaker's current export of `key` to every Established reflector peer (an UPDATE, or a WITHDRAW when there is none). */
  private reflect(key: number): void {
    for (const peer of this.fabric.reflectors) {
      if (peer === this) continue;
      const s = this.linked(peer);
      if (!s) continue;
      const r = this.exported(key, peer.ip, s);
      if (r) peer.receive(this.ip, r);
      else peer.withdraw(this.ip, key);
    }
  }

  private store(from: number, key: number, route: BgpRoute): void {
    let paths = this.ribIn!.get(key);
    if (!paths) {
      this.ribIn!.set(key, (paths = new Map()));
      this.fabric.advertise(key, this);
    }
    paths.set(from, route);
    let keys = this.byFrom!.get(from);
    if (!keys) this.byFrom!.set(from, (keys = new Set()));
    keys.add(key);
  }

  private unstore(from: number, key: number): boolean {
    const paths = this.ribIn!.get(key);
    if (!paths?.delete(from)) return false;
    if (!paths.size) {
      this.ribIn!.delete(key);
      if (!this.local.has(key)) this.fabric.unadvertise(key, this);
    }
    const keys = this.byFrom!.get(from);
    if (keys?.delete(key) && !keys.size) this.byFrom!.delete(from);
    return true;
  }

  /** An UPDATE from `from` (reflectors only: other speakers read their peers' exports). */
  private receive(from: number, r: BgpRoute): void {
    if (!this.ribIn || r.nextHop === this.ip) return;
    const key = routeKey(r.network, r.prefix);
    const old = this.ribIn.get(key)?.get(from);
    if (old && old.nextHop === r.nextHop) return;
    this.store(from, key, { network: r.network, prefix: r.prefix, nextHop: r.nextHop, from, since: this.clock.now() });
    this.fabric.touch();
    this.reflect(key);
  }

  /** A WITHDRAW from `from`. */
  private withdraw(from: number, key: number): void {
    if (!this.ribIn || !this.unstore(from, key)) return;
    this.fabric.touch();
    this.reflect(key);
  }

  private dropPeer(peerIP: number): void {
    const keys = this.byFrom?.get(peerIP);
    if (!keys) return;
    for (const key of [...keys]) {
      this.unstore(peerIP, key);
      this.reflect(key);
    }
  }

  /** The paths a speaker without a RIB of its own has for `key`: what each Established peer exports to it. */
  private viewPaths(key: number): BgpRoute[] {
    const out: BgpRoute[] = [];
    for (const peer of this.fabric.advertisers.get(key) ?? []) {
      if (peer === this) continue;
      const mine = this.linked(peer);
      if (!mine) continue;
      const r = peer.exported(key, this.ip, peer.sessions.get(this.ip)!);
      if (!r || r.nextHop === this.ip) continue;
      out.push({ network: r.network, prefix: r.prefix, nextHop: r.nextHop, from: peer.ip, since: Math.max(mine.established, r.since) });
    }
    return out;
  }

  /** The paths for `key` (add paths: one per peer), best first (lowest next hop, then lowest peer address). */
  paths(key: number): BgpRoute[] {
    const list = this.ribIn ? [...(this.ribIn.get(key)?.values() ?? [])] : this.viewPaths(key);
    return list.sort((a, b) => a.nextHop - b.nextHop || a.from - b.from);
  }

  /** Every prefix this speaker has paths for, with them (best first). */
  *rib(): Generator<[key: number, paths: BgpRoute[]]> {
    for (const key of this.ribIn ? this.ribIn.keys() : this.fabric.advertisers.keys()) {
      const paths = this.paths(key);
      if (paths.length) yield [key, paths];
    }
  }

  /** The next hop of the best path for `key` (what the kernel protocol installs), if any. */
  bestNextHop(key: number): number | undefined {
    let best: number | undefined;
    if (this.ribIn) {
      for (const r of this.ribIn.get(key)?.values() ?? []) if (best === undefined || r.nextHop < best) best = r.nextHop;
      return best;
    }
    for (const peer of this.fabric.advertisers.get(key) ?? []) {
      if (peer === this || !this.linked(peer)) continue;
      const r = peer.exported(key, this.ip, peer.sessions.get(this.ip)!);
      if (r && r.nextHop !== this.ip && (best === undefined || r.nextHop < best)) best = r.nextHop;
    }
    return best;
  }

  /**
   * True when this speaker has a path for every prefix originated anywhere but by itself: a client
   * of a reflector that knows them all (the steady state of a route-reflected cluster).
   */
  seesAll(): boolean {
    if (this.seenAt === this.fabric.version) return this.seesAllCached;
    this.seenAt = this.fabric.version;
    this.seesAllCached = false;
    if (this.ribIn || !this.up) return false;
    for (const [ip, s] of this.sessions) {
      if (s.state !== "Established") continue;
      const peer = this.fabric.speakers.get(ip);
      const theirs = peer?.sessions.get(this.ip);
      if (peer && theirs?.state === "Established" && theirs.config.rrClient && peer.knowsAll()) return (this.seesAllCached = true);
    }
    return false;
  }

  /** A reflector with a path or an own route for every originated prefix. */
  private knowsAll(): boolean {
    if (!this.ribIn) return false;
    let n = this.ribIn.size;
    for (const key of this.local.keys()) if (!this.ribIn.has(key)) n++;
    return n === this.fabric.origins.size;
  }

  /** Originates a route (a block, a borrowed /32) and sends it to every Established peer. */
  originate(network: number, prefix: number): void {
    const key = routeKey(network, prefix);
    if (this.local.has(key)) return;
    const r: BgpRoute = { network, prefix, nextHop: this.ip, from: this.ip, since: this.clock.now() };
    this.local.set(key, r);
    this.fabric.origins.set(key, (this.fabric.origins.get(key) ?? 0) + 1);
    this.fabric.advertise(key, this);
    this.fabric.listener?.originated(this.node, r);
    this.fabric.touch();
    this.reflect(key);
  }

  /** Stops originating a route: WITHDRAW to every Established peer. */
  retract(network: number, prefix: number): void {
    const key = routeKey(network, prefix);
    if (!this.local.delete(key)) return;
    const left = (this.fabric.origins.get(key) ?? 1) - 1;
    if (left) this.fabric.origins.set(key, left);
    else this.fabric.origins.delete(key);
    if (!this.ribIn?.has(key)) this.fabric.unadvertise(key, this);
    this.fabric.listener?.retracted(this.node, network, prefix);
    this.fabric.touch();
    this.reflect(key);
  }

  /** BIRD stops (calico-node stopped): every peer gets a Cease and withdraws at once. */
  stop(): void {
    if (!this.up) return;
    this.up = false;
    for (const s of [...this.sessions.values()]) this.shutdown(s, "Shutdown");
    if (this.fabric.speakers.get(this.ip) === this) this.fabric.speakers.delete(this.ip);
    this.fabric.reflectors.delete(this);
    this.fabric.touch();
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

  /** Prefixes with a best path (what the kernel protocol installs). */
  learned(): number {
    if (this.ribIn) return this.ribIn.size;
    if (this.seesAll()) {
      let own = 0;
      for (const key of this.local.keys()) if (this.fabric.origins.get(key) === 1) own++;
      return this.fabric.origins.size - own;
    }
    let n = 0;
    for (const key of this.fabric.advertisers.keys()) if (this.bestNextHop(key) !== undefined) n++;
    return n;
  }
}
