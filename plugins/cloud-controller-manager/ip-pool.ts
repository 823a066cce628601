import { ipv4ToUint32, uint32ToIpv4 } from "../../core/net/ipv4.js";

/** An inclusive IPv4 range (`172.18.255.200-172.18.255.250`) handed out one address per key, as MetalLB's address pools. */
export class IpPool {
  private readonly first: number;
  private readonly last: number;
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<number>();

  constructor(readonly range: string) {
    const [a, b] = range.split("-");
    if (!a || !b) throw new Error(`load balancer pool ${JSON.stringify(range)} is not a range "first-last"`);
    this.first = ipv4ToUint32(a.trim());
    this.last = ipv4ToUint32(b.trim());
    if (this.last < this.first) throw new Error(`load balancer pool ${range}: the last address is before the first`);
  }

  /** The key's address (the same one again on later calls), or undefined when the pool is exhausted. */
  allocate(key: string): string | undefined {
    const have = this.byKey.get(key);
    if (have) return have;
    for (let n = this.first; n <= this.last; n++) {
      if (this.used.has(n)) continue;
      this.used.add(n);
      const ip = uint32ToIpv4(n);
      this.byKey.set(key, ip);
      return ip;
    }
    return undefined;
  }

  /** The key's address, if it has one. */
  get(key: string): string | undefined {
    return this.byKey.get(key);
  }

  /** Takes a specific address for the key (an address already in a Service's status); false when taken by another. */
  claim(key: string, ip: string): boolean {
    const n = ipv4ToUint32(ip);
    if (n < this.first || n > this.last) return false;
    if (this.used.has(n)) return this.byKey.get(key) === ip;
    this.used.add(n);
    this.byKey.set(key, ip);
    return true;
  }

  release(key: string): void {
    const ip = this.byKey.get(key);
    if (!ip) return;
    this.byKey.delete(key);
    this.used.delete(ipv4ToUint32(ip));
  }
}
