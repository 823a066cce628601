import type { Packet } from "../packet.js";
import { uint32ToIpv4 } from "../ipv4.js";

/** ipset types kube-proxy's IPVS mode uses. */
export type IpSetType = "hash:ip,port" | "hash:ip,port,ip" | "hash:ip,port,net" | "hash:net" | "bitmap:port" | "hash:ip";

export interface IpSet {
  readonly name: string;
  readonly type: IpSetType;
  readonly comment: string;
  /** Members as ipset prints them (`10.96.0.1,tcp:443`, `30080`, `10.244.0.0/16`). */
  readonly members: Set<string>;
}

/** A namespace's ipsets: hashed membership tests (`-m set --match-set`), O(1) per lookup. */
export class IpSets {
  private readonly sets = new Map<string, IpSet>();

  ensure(name: string, type: IpSetType, comment = ""): IpSet {
    let s = this.sets.get(name);
    if (!s) this.sets.set(name, (s = { name, type, comment, members: new Set() }));
    return s;
  }

  get(name: string): IpSet | undefined {
    return this.sets.get(name);
  }

  all(): IpSet[] {
    return [...this.sets.values()];
  }

  /** Does `pkt` match set `name` with the given src/dst flags? */
  test(name: string, pkt: Packet, flags: readonly ("src" | "dst")[]): boolean {
    const s = this.sets.get(name);
    if (!s) return false;
    const addr = (i: number): number => (flags[i] === "src" ? pkt.src : pkt.dst);
    const port = (i: number): number => (flags[i] === "src" ? pkt.sport : pkt.dport);
    switch (s.type) {
      case "hash:ip":
        return s.members.has(uint32ToIpv4(addr(0)));
      case "hash:ip,port":
        return s.members.has(`${uint32ToIpv4(addr(0))},${pkt.proto}:${port(1)}`);
      case "hash:ip,port,ip":
        return s.members.has(`${uint32ToIpv4(addr(0))},${pkt.proto}:${port(1)},${uint32ToIpv4(addr(2))}`);
      case "bitmap:port":
        return s.members.has(String(port(0)));
      case "hash:net":
      case "hash:ip,port,net":
        for (const m of s.members) {
          const [net, bits] = m.split("/");
          const mask = bits ? (0xffffffff << (32 - Number(bits))) >>> 0 : 0xffffffff;
          if (((addr(0) & mask) >>> 0) === (ipv4Int(net!) & mask) >>> 0) return true;
        }
        return false;
    }
  }
}

function ipv4Int(ip: string): number {
  const p = ip.split(".").map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
