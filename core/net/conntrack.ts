import type { L4Protocol, Packet } from "./packet.js";

/** One direction of a connection: the addresses as a packet in that direction carries them. */
export interface Tuple {
  readonly proto: L4Protocol;
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
}

export type TcpCtState = "SYN_SENT" | "SYN_RECV" | "ESTABLISHED" | "FIN_WAIT" | "TIME_WAIT" | "CLOSE";

/** A conntrack entry: the original tuple, the reply tuple (NAT shows as their difference), state and expiry. */
export interface CtEntry {
  readonly original: Tuple;
  readonly reply: Tuple;
  tcpState?: TcpCtState;
  /** A reply was seen ([UNREPLIED] until then). */
  replied: boolean;
  assured: boolean;
  mark: number;
  /** Clock time the entry expires. */
  expires: number;
}

/** Timeouts (seconds) the kernel applies; kube-proxy sets established TCP to 86400. */
export const CT_TIMEOUT = { SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 86_400, FIN_WAIT: 120, TIME_WAIT: 120, CLOSE: 10, udp: 30, udpStream: 120, icmp: 30 } as const;

export type CtDirection = "original" | "reply";

function key(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
}

export function tupleOf(p: Packet): Tuple {
  return { proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
}

/**
 * A namespace's connection tracking table. Each entry is indexed by both its tuples, so a packet
 * in either direction finds it in O(1); the reply tuple records NAT (a DNAT'd connection's reply
 * comes from the real backend and is rewritten back to the service address). Expired entries are
 * removed lazily.
 */
export class Conntrack {
  private readonly index = new Map<string, { entry: CtEntry; dir: CtDirection }>();
  private readonly entries = new Set<CtEntry>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry a packet belongs to and its direction, if any (and not expired). */
  lookup(p: Packet): { entry: CtEntry; dir: CtDirection } | undefined {
    const hit = this.index.get(`${p.proto}|${p.src}|${p.sport}|${p.dst}|${p.dport}`);
    if (!hit) return undefined;
    if (hit.entry.expires <= this.now()) {
      this.remove(hit.entry);
      return undefined;
    }
    return hit;
  }

  /**
   * Confirms a new connection: `original` as first seen (before NAT), `reply` as the answer will
   * look (after NAT: from the real destination to the real source).
   */
  confirm(original: Tuple, reply: Tuple, mark: number): CtEntry {
    const existing = this.index.get(key(original));
    if (existing) return existing.entry;
    const entry: CtEntry = {
      original,
      reply,
      replied: false,
      assured: false,
      mark,
      expires: this.now() + 1000 * (original.proto === "tcp" ? CT_TIMEOUT.SYN_SENT : original.proto === "udp" ? CT_TIMEOUT.udp : CT_TIMEOUT.icmp),
      ...(original.proto === "tcp" ? { tcpState: "SYN_SENT" as const } : {}),
    };
    this.entries.add(entry);
    this.index.set(key(original), { entry, dir: "original" });
    this.index.set(key(reply), { entry, dir: "reply" });
    return entry;
  }

  /** Updates state on a packet of the entry (a reply makes it ESTABLISHED and ASSURED). */
  see(entry: CtEntry, dir: CtDirection, flags?: Packet["flags"]): void {
    const now = this.now();
    if (dir === "reply") entry.replied = true;
    if (entry.original.proto === "tcp") {
      if (flags === "RST") entry.tcpState = "CLOSE";
      else if (flags === "FIN,ACK") entry.tcpState = entry.tcpState === "FIN_WAIT" ? "TIME_WAIT" : "FIN_WAIT";
      else if (dir === "reply" && flags === "SYN,ACK") entry.tcpState = "SYN_RECV";
      else if (entry.replied && (entry.tcpState === "SYN_RECV" || entry.tcpState === "SYN_SENT")) {
        entry.tcpState = "ESTABLISHED";
        entry.assured = true;
      }
      entry.expires = now + 1000 * CT_TIMEOUT[entry.tcpState!];
    } else {
      if (entry.replied) entry.assured = true;
      entry.expires = now + 1000 * (entry.assured ? CT_TIMEOUT.udpStream : CT_TIMEOUT.udp);
    }
  }

  remove(entry: CtEntry): void {
    this.entries.delete(entry);
    this.index.delete(key(entry.original));
    this.index.delete(key(entry.reply));
  }

  /** Live entries (expired ones are dropped). */
  list(): CtEntry[] {
    const now = this.now();
    const out: CtEntry[] = [];
    for (const e of this.entries) {
      if (e.expires <= now) this.remove(e);
      else out.push(e);
    }
    return out;
  }

  /** `conntrack -D`: removes entries whose original or reply destination is `ip` (kube-proxy clears stale UDP this way). */
  deleteByDestination(ip: number): number {
    let n = 0;
    for (const e of [...this.entries])
      if (e.original.dst === ip || e.reply.src === ip) {
        this.remove(e);
        n++;
      }
    return n;
  }
}
