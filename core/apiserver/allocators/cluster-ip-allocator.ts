import ipaddr from "ipaddr.js";
import type { Random } from "../../clock/random.js";
import { AllocationError } from "./allocation-error.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../../net/ipv4.js";
import { OffsetBitmap, staticBandSize } from "./offset-bitmap.js";

export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";

/**
 * Allocates Service cluster IPs from an IPv4 service CIDR, as kube-apiserver's bitmap
 * ipallocator: the network and broadcast addresses are never handed out; the first usable
 * address (`.1`, the `kubernetes` Service's) is only given when asked for explicitly; dynamic
 * allocation is random within the upper band, then the lower (static) band.
 */
export class ClusterIPAllocator {
  readonly cidr: string;
  private readonly base: number;
  private readonly bitmap: OffsetBitmap;

  constructor(cidr: string = DEFAULT_SERVICE_CIDR, random: Random) {
    const { network, prefix: bits } = parseIpv4Cidr(cidr);
    this.cidr = `${uint32ToIpv4(network)}/${bits}`;
    this.base = network + 1;
    const size = Math.max(2 ** (32 - bits) - 2, 0);
    this.bitmap = new OffsetBitmap(size, staticBandSize(size, 16, 256), random);
  }

  /** How many addresses can be handed out in total. */
  get size(): number {
    return this.bitmap.size;
  }

  get allocatedCount(): number {
    return this.bitmap.allocatedCount;
  }

  /** The address reserved for the `kubernetes` Service (first usable). */
  get kubernetesServiceIP(): string {
    return uint32ToIpv4(this.base);
  }

  /** A specific IP if `requested`, else the next free one. Throws AllocationError. */
  allocate(requested?: string): string {
    if (requested) {
      this.allocateSpecific(requested);
      return requested;
    }
    return this.allocateNext();
  }

  /** Takes `ip`; throws NotInRange or AlreadyAllocated as ipallocator does. */
  allocateSpecific(ip: string): void {
    const offset = this.offsetOf(ip);
    if (offset === undefined) throw new AllocationError("NotInRange", `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
    if (!this.bitmap.take(offset)) throw new AllocationError("AlreadyAllocated", "provided IP is already allocated");
  }

  /** A random free IP, never the reserved first one. Throws RangeFull. */
  allocateNext(): string {
    return uint32ToIpv4(this.base + this.bitmap.takeNext(1));
  }

  /** Frees `ip`; unknown or out-of-range addresses are ignored. */
  release(ip: string): void {
    const offset = this.offsetOf(ip);
    if (offset !== undefined) this.bitmap.free(offset);
  }

  isAllocated(ip: string): boolean {
    const offset = this.offsetOf(ip);
    return offset !== undefined && this.bitmap.has(offset);
  }

  /** Whether `ip` lies in the allocatable part of the range. */
  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  /** Marks already-stored IPs taken (at startup); addresses outside the range are skipped. */
  rebuild(ips: Iterable<string>): void {
    for (const ip of ips) {
      const offset = this.offsetOf(ip);
      if (offset !== undefined) this.bitmap.take(offset);
    }
  }

  private offsetOf(ip: string): number | undefined {
    if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
    const offset = ipv4ToUint32(ip) - this.base;
    return offset >= 0 && offset < this.bitmap.size ? offset : undefined;
  }
}
