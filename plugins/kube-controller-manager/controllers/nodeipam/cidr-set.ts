import { parseIpv4Cidr, uint32ToIpv4 } from "../../../../core/net/ipv4.js";

/**
 * The node CIDRs of a cluster CIDR (upstream's cidrset): `--cluster-cidr` cut into
 * `/--node-cidr-mask-size` blocks, handed out round-robin from the last allocation (a released
 * block is reused once the search wraps around), occupied blocks remembered.
 */
export class CidrSet {
  readonly network: number;
  readonly prefix: number;
  readonly blocks: number;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(readonly clusterCidr: string, readonly maskSize: number) {
    const { network, prefix } = parseIpv4Cidr(clusterCidr);
    if (maskSize < prefix) throw new Error(`--node-cidr-mask-size ${maskSize} is smaller than the --cluster-cidr ${clusterCidr} mask`);
    if (maskSize - prefix > 16) throw new Error(`--node-cidr-mask-size ${maskSize} is too large for --cluster-cidr ${clusterCidr}: more than 65536 node CIDRs`);
    this.network = network;
    this.prefix = prefix;
    this.blocks = 2 ** (maskSize - prefix);
  }

  get allocated(): number {
    return this.used.size;
  }

  /** The next free block, or undefined when every one is taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.blocks; i++) {
      const candidate = (this.next + i) % this.blocks;
      if (this.used.has(candidate)) continue;
      this.used.add(candidate);
      this.next = (candidate + 1) % this.blocks;
      return this.cidrOf(candidate);
    }
    return undefined;
  }

  /** Marks every block `cidr` overlaps as used; false when it lies outside the cluster CIDR. */
  occupy(cidr: string): boolean {
    const range = this.blockRange(cidr);
    if (!range) return false;
    for (let b = range.first; b <= range.last; b++) this.used.add(b);
    return true;
  }

  /** Frees the blocks of `cidr` (a node's CIDR when the node is deleted). */
  release(cidr: string): void {
    const range = this.blockRange(cidr);
    if (!range) return;
    for (let b = range.first; b <= range.last; b++) this.used.delete(b);
  }

  private cidrOf(block: number): string {
    return `${uint32ToIpv4((this.network + block * 2 ** (32 - this.maskSize)) >>> 0)}/${this.maskSize}`;
  }

  /** The blocks `cidr` overlaps, clipped to the cluster CIDR; undefined when it does not overlap at all. */
  private blockRange(cidr: string): { first: number; last: number } | undefined {
    const { network, prefix } = parseIpv4Cidr(cidr);
    const start = network >>> 0;
    const end = start + 2 ** (32 - prefix) - 1;
    const clusterEnd = this.network + 2 ** (32 - this.prefix) - 1;
    if (end < this.network || start > clusterEnd) return undefined;
    const size = 2 ** (32 - this.maskSize);
    const first = Math.floor((Math.max(start, this.network) - this.network) / size);
    const last = Math.floor((Math.min(end, clusterEnd) - this.network) / size);
    return { first, last };
  }
}
