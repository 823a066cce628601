import type { Random } from "../../clock/random.js";
import { AllocationError } from "./allocation-error.js";
import { OffsetBitmap, staticBandSize } from "./offset-bitmap.js";

/** The inclusive node port range, `30000-32767` by default (--service-node-port-range). */
export interface PortRange {
  base: number;
  size: number;
}

export const DEFAULT_NODE_PORT_RANGE: PortRange = { base: 30000, size: 2768 };

/** `30000-32767` → {base: 30000, size: 2768}. */
export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`unable to parse port range: ${text}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo || hi > 65535) throw new Error(`unable to parse port range: ${text}`);
  return { base: lo, size: hi - lo + 1 };
}

/**
 * Allocates Service node ports, as kube-apiserver's portallocator: specific ports on request,
 * random free ports otherwise (upper band first, then the static band).
 */
export class NodePortAllocator {
  readonly range: PortRange;
  private readonly bitmap: OffsetBitmap;

  constructor(range: PortRange = DEFAULT_NODE_PORT_RANGE, random: Random) {
    this.range = range;
    this.bitmap = new OffsetBitmap(range.size, staticBandSize(range.size, 32, 128), random);
  }

  /** `30000-32767`, as messages print it. */
  get rangeText(): string {
    return `${this.range.base}-${this.range.base + this.range.size - 1}`;
  }

  get allocatedCount(): number {
    return this.bitmap.allocatedCount;
  }

  /** A specific port if `requested`, else the next free one. Throws AllocationError. */
  allocate(requested?: number): number {
    if (requested) {
      this.allocateSpecific(requested);
      return requested;
    }
    return this.allocateNext();
  }

  allocateSpecific(port: number): void {
    const offset = this.offsetOf(port);
    if (offset === undefined) throw new AllocationError("NotInRange", `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`);
    if (!this.bitmap.take(offset)) throw new AllocationError("AlreadyAllocated", "provided port is already allocated");
  }

  allocateNext(): number {
    return this.range.base + this.bitmap.takeNext();
  }

  release(port: number): void {
    const offset = this.offsetOf(port);
    if (offset !== undefined) this.bitmap.free(offset);
  }

  isAllocated(port: number): boolean {
    const offset = this.offsetOf(port);
    return offset !== undefined && this.bitmap.has(offset);
  }

  contains(port: number): boolean {
    return this.offsetOf(port) !== undefined;
  }

  /** Marks already-stored ports taken (at startup); ports outside the range are skipped. */
  rebuild(ports: Iterable<number>): void {
    for (const p of ports) {
      const offset = this.offsetOf(p);
      if (offset !== undefined) this.bitmap.take(offset);
    }
  }

  private offsetOf(port: number): number | undefined {
    const offset = port - this.range.base;
    return Number.isInteger(offset) && offset >= 0 && offset < this.range.size ? offset : undefined;
  }
}
