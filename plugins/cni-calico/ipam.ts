import type { Random } from "../../core/clock/random.js";
import { ipv4ToUint32, parseIpv4Cidr, prefixMask, uint32ToIpv4 } from "../../core/net/ipv4.js";

export type EncapMode = "Always" | "CrossSubnet" | "Never";

/** An IPPool's spec as Calico IPAM uses it. */
export interface PoolSpec {
  readonly cidr: string;
  /** Block prefix length (default 26: 64 addresses per block). */
  readonly blockSize: number;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
}

/** One IPAM block (`IPAMBlock`): a /26 of a pool, affine to a node or not, with its allocations. */
export interface Block {
  readonly cidr: string;
  readonly network: number;
  readonly prefix: number;
  /** `host:<node>` in Calico's terms; undefined once released. */
  affinity?: string;
  /** Handle per ordinal (null = free). */
  readonly allocations: (string | null)[];
  /** Where each handle's address is used: pod or tunnel, and the node that borrowed it (in the order the attributes were added). */
  readonly attributes: Map<string, AllocationAttrs>;
  free: number;
  /** Free ordinals in the order they are handed out: ascending at first, a released one goes to the back. */
  readonly unallocated: number[];
  /** Bumped on every allocation; the figure each ordinal got is kept (`sequenceNumberForAllocation`). */
  sequenceNumber: number;
  readonly sequenceNumberForAllocation: Map<number, number>;
}

/** An allocation's secondary attributes as calico-ipam records them (`node`, `pod`, `namespace`, `timestamp`, or `type` for a tunnel address). */
export interface AllocationAttrs {
  readonly node: string;
  readonly pod?: string;
  readonly namespace?: string;
  readonly timestamp?: string;
  readonly type?: string;
}

/** What IPAM changes mean for routing: blocks claimed/released by a node, addresses borrowed across blocks. */
export interface IpamEvents {
  affinityClaimed(node: string, block: Block): void;
  affinityReleased(node: string, block: Block): void;
  borrowed(node: string, ip: number, block: Block): void;
  returned(node: string, ip: number, block: Block): void;
  /** A block's allocations changed, or it was deleted (no longer in `blocks`). */
  blockChanged?(block: Block): void;
  /** A handle got or lost addresses. */
  handleChanged?(handle: string): void;
}

export class IpamError extends Error {
  override readonly name = "IpamError";
}

/**
 * Calico IPAM (calico-ipam, libcalico-go's ipam): the pool is split into blocks of `blockSize`; a
 * node claims blocks (BlockAffinity) from a random place in the pool and allocates from its own
 * blocks first; when all its blocks are full it claims another; when the pool has no unclaimed
 * block left it borrows a free address from another node's block (refused under StrictAffinity).
 * Addresses are freed by handle (`k8s-pod-network.<containerID>`, `ipip-tunnel-addr-<node>`).
 */
export class CalicoIpam {
  readonly blocks = new Map<number, Block>();
  private readonly byNode = new Map<string, Set<Block>>();
  private readonly byHandle = new Map<string, { block: Block; ordinal: number }[]>();
  private readonly listeners = new Set<IpamEvents>();
  private readonly nodeListeners = new Map<string, Set<IpamEvents>>();
  strictAffinity = false;

  constructor(
    readonly pool: PoolSpec,
    private readonly random: Random,
    private readonly now: () => number = () => 0,
  ) {}

  /** Listens to every node's events, or with `node` only to that node's affinity and borrowing events (no per-event cost for the others). */
  subscribe(l: IpamEvents, node?: string): () => void {
    if (node === undefined) {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    }
    let set = this.nodeListeners.get(node);
    if (!set) this.nodeListeners.set(node, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (!set.size && this.nodeListeners.get(node) === set) this.nodeListeners.delete(node);
    };
  }

  /** The listeners told about `node`'s affinities and borrowing. */
  private about(node: string): Iterable<IpamEvents> {
    const own = this.nodeListeners.get(node);
    return own ? [...this.listeners, ...own] : this.listeners;
  }

  /** Blocks affine to `node`. */
  blocksOf(node: string): Block[] {
    return [...(this.byNode.get(node) ?? [])];
  }

  private claim(node: string): Block | undefined {
    const { network, prefix } = parseIpv4Cidr(this.pool.cidr);
    const count = 2 ** (this.pool.blockSize - prefix);
    const size = 2 ** (32 - this.pool.blockSize);
    // randomBlockGenerator: start at a random block of the pool and walk round it.
    const start = this.random.int(count);
    for (let i = 0; i < count; i++) {
      const net = (network + ((start + i) % count) * size) >>> 0;
      if (this.blocks.has(net)) continue;
      const block: Block = {
        cidr: `${uint32ToIpv4(net)}/${this.pool.blockSize}`,
        network: net,
        prefix: this.pool.blockSize,
        affinity: `host:${node}`,
        allocations: new Array(size).fill(null),
        attributes: new Map(),
        free: size,
        unallocated: Array.from({ length: size }, (_, i) => i),
        sequenceNumber: this.sequenceBase(),
        sequenceNumberForAllocation: new Map(),
      };
      this.blocks.set(net, block);
      let set = this.byNode.get(node);
      if (!set) this.byNode.set(node, (set = new Set()));
      set.add(block);
      for (const l of this.about(node)) l.affinityClaimed(node, block);
      return block;
    }
    return undefined;
  }

  private take(block: Block, handle: string, attrs: AllocationAttrs): number {
    const ordinal = block.unallocated.shift()!;
    block.allocations[ordinal] = handle;
    block.free--;
    block.attributes.set(handle, attrs);
    block.sequenceNumberForAllocation.set(ordinal, block.sequenceNumber++);
    const list = this.byHandle.get(handle) ?? [];
    list.push({ block, ordinal });
    this.byHandle.set(handle, list);
    for (const l of this.listeners) {
      l.blockChanged?.(block);
      l.handleChanged?.(handle);
    }
    return (block.network + ordinal) >>> 0;
  }

  /** AutoAssign one IPv4 address for `handle` on `node`. */
  assign(node: string, handle: string, attrs: Omit<AllocationAttrs, "node"> = {}): { ip: number; block: Block; borrowed: boolean } {
    const existing = this.byHandle.get(handle)?.[0];
    if (existing) return { ip: (existing.block.network + existing.ordinal) >>> 0, block: existing.block, borrowed: existing.block.affinity !== `host:${node}` };
    for (const b of this.byNode.get(node) ?? []) if (b.free > 0) return { ip: this.take(b, handle, { node, ...attrs }), block: b, borrowed: false };
    const fresh = this.claim(node);
    if (fresh) return { ip: this.take(fresh, handle, { node, ...attrs }), block: fresh, borrowed: false };
    if (this.strictAffinity) throw new IpamError(`failed to request IPv4 addresses: no more free affine blocks and strict affinity enabled`);
    for (const b of this.blocks.values()) {
      if (b.free === 0) continue;
      const ip = this.take(b, handle, { node, ...attrs });
      for (const l of this.about(node)) l.borrowed(node, ip, b);
      return { ip, block: b, borrowed: true };
    }
    throw new IpamError(`failed to request IPv4 addresses: no IP addresses available in pool ${this.pool.cidr}`);
  }

  /** ReleaseByHandle: frees the handle's addresses; borrowed ones stop being routed to the borrower. */
  release(handle: string): void {
    const list = this.byHandle.get(handle);
    if (!list) return;
    this.byHandle.delete(handle);
    for (const { block, ordinal } of list) {
      const attrs = block.attributes.get(handle);
      block.allocations[ordinal] = null;
      block.free++;
      block.unallocated.push(ordinal);
      block.sequenceNumberForAllocation.delete(ordinal);
      block.attributes.delete(handle);
      if (attrs && block.affinity !== `host:${attrs.node}`) for (const l of this.about(attrs.node)) l.returned(attrs.node, (block.network + ordinal) >>> 0, block);
      for (const l of this.listeners) l.blockChanged?.(block);
    }
    for (const l of this.listeners) l.handleChanged?.(handle);
  }

  /** The blocks `handle` holds addresses in, with how many in each (an IPAMHandle's `spec.block`). */
  handleBlocks(handle: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const { block } of this.byHandle.get(handle) ?? []) out.set(block.cidr, (out.get(block.cidr) ?? 0) + 1);
    return out;
  }

  /** A new block's first sequence number: its creation time (upstream: nanoseconds; here microseconds, exact in a JS number). */
  private sequenceBase(): number {
    return this.now() * 1000;
  }

  /** What calico-kube-controllers does for a deleted Node: its handles are released, its blocks lose their affinity (and are freed when empty). */
  releaseNode(node: string): void {
    for (const [handle, list] of [...this.byHandle]) if (list.some((e) => e.block.attributes.get(handle)?.node === node)) this.release(handle);
    for (const b of this.byNode.get(node) ?? []) {
      b.affinity = undefined;
      for (const l of this.about(node)) l.affinityReleased(node, b);
      if (b.free === b.allocations.length) this.blocks.delete(b.network);
      for (const l of this.listeners) l.blockChanged?.(b);
    }
    this.byNode.delete(node);
  }

  /** The address `handle` holds, if any. */
  addressOf(handle: string): string | undefined {
    const e = this.byHandle.get(handle)?.[0];
    return e ? uint32ToIpv4((e.block.network + e.ordinal) >>> 0) : undefined;
  }

  /** Addresses in use in the pool. */
  inUse(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b.allocations.length - b.free;
    return n;
  }

  /** True when `ip` is inside the pool. */
  contains(ip: string): boolean {
    const { network, prefix } = parseIpv4Cidr(this.pool.cidr);
    return ((ipv4ToUint32(ip) & prefixMask(prefix)) >>> 0) === network;
  }
}
