import type { L4Protocol } from "./packet.js";

/** IPVS schedulers modelled: round robin, least connection, source hashing. */
export type IpvsScheduler = "rr" | "lc" | "sh";

export interface RealServer {
  readonly ip: number;
  readonly port: number;
  weight: number;
  activeConns: number;
  inactConns: number;
}

export interface VirtualServer {
  readonly proto: L4Protocol;
  readonly ip: number;
  readonly port: number;
  scheduler: IpvsScheduler;
  /** `-p` persistence timeout in seconds (sessionAffinity ClientIP), 0 = none. */
  persistence: number;
  reals: RealServer[];
  /** round-robin cursor */
  next: number;
  /** persistence templates: client ip → [real, expires] */
  readonly templates: Map<number, { real: RealServer; expires: number }>;
}

/**
 * The kernel's IP Virtual Server table: virtual services looked up by a hash of (proto, ip, port)
 * — O(1) whatever the number of services, unlike iptables' linear chains — each scheduling new
 * connections over its real servers.
 */
export class Ipvs {
  private readonly services = new Map<string, VirtualServer>();

  private static key(proto: L4Protocol, ip: number, port: number): string {
    return `${proto}|${ip}|${port}`;
  }

  get size(): number {
    return this.services.size;
  }

  /** `ipvsadm -A` (or updates the scheduler of an existing service). */
  addService(proto: L4Protocol, ip: number, port: number, scheduler: IpvsScheduler = "rr", persistence = 0): VirtualServer {
    const k = Ipvs.key(proto, ip, port);
    let vs = this.services.get(k);
    if (vs) {
      vs.scheduler = scheduler;
      vs.persistence = persistence;
    } else this.services.set(k, (vs = { proto, ip, port, scheduler, persistence, reals: [], next: 0, templates: new Map() }));
    return vs;
  }

  deleteService(proto: L4Protocol, ip: number, port: number): boolean {
    return this.services.delete(Ipvs.key(proto, ip, port));
  }

  /** Replaces a service's real servers, keeping the counters of those that stay. */
  setReals(vs: VirtualServer, reals: readonly { ip: number; port: number; weight?: number }[]): void {
    const old = new Map(vs.reals.map((r) => [`${r.ip}:${r.port}`, r]));
    vs.reals = reals.map((r) => old.get(`${r.ip}:${r.port}`) ?? { ip: r.ip, port: r.port, weight: r.weight ?? 1, activeConns: 0, inactConns: 0 });
    vs.next = 0;
  }

  lookup(proto: L4Protocol, ip: number, port: number): VirtualServer | undefined {
    return this.services.get(Ipvs.key(proto, ip, port));
  }

  /** Picks the real server for a new connection from `client`; undefined when the service has none (weight > 0). */
  schedule(vs: VirtualServer, client: number, now: number): RealServer | undefined {
    const live = vs.reals.filter((r) => r.weight > 0);
    if (live.length === 0) return undefined;
    if (vs.persistence > 0) {
      const t = vs.templates.get(client);
      if (t && t.expires > now && live.includes(t.real)) {
        t.expires = now + vs.persistence * 1000;
        return t.real;
      }
    }
    let real: RealServer;
    if (vs.scheduler === "lc") real = live.reduce((a, b) => (b.activeConns * 256 + b.inactConns < a.activeConns * 256 + a.inactConns ? b : a));
    else if (vs.scheduler === "sh") real = live[hash32(client) % live.length]!;
    else real = live[vs.next++ % live.length]!;
    if (vs.persistence > 0) vs.templates.set(client, { real, expires: now + vs.persistence * 1000 });
    return real;
  }

  all(): VirtualServer[] {
    return [...this.services.values()];
  }
}

function hash32(n: number): number {
  let h = Math.imul(n ^ (n >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
