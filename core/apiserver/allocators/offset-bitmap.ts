import type { Random } from "../../clock/random.js";
import { AllocationError } from "./allocation-error.js";

/**
 * Which offsets 0..size-1 of a range are taken, with Kubernetes' static/dynamic band split:
 * dynamic allocations draw from the upper band first (random start, then a scan) and fall back to
 * the lower band, so addresses users pick by hand (low offsets) rarely collide.
 * One bit per offset; O(1) allocate-specific/release, O(size) worst case when nearly full.
 */
export class OffsetBitmap {
  private readonly bits: Uint32Array;
  private used = 0;

  /**
   * @param size number of offsets in the range
   * @param staticBandSize offsets [0, staticBandSize) form the static band
   */
  constructor(readonly size: number, readonly staticBandSize: number, private readonly random: Random) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
  }

  get allocatedCount(): number {
    return this.used;
  }

  has(offset: number): boolean {
    return (this.bits[offset >>> 5]! & (1 << (offset & 31))) !== 0;
  }

  /** Marks `offset` taken; false if it already was. */
  take(offset: number): boolean {
    if (this.has(offset)) return false;
    this.bits[offset >>> 5]! |= 1 << (offset & 31);
    this.used++;
    return true;
  }

  /** Frees `offset`; releasing a free offset is a no-op. */
  free(offset: number): void {
    if (!this.has(offset)) return;
    this.bits[offset >>> 5]! &= ~(1 << (offset & 31));
    this.used--;
  }

  /**
   * Takes a free offset from [minOffset, size): upper band first, then lower band.
   * Throws AllocationError("RangeFull") when none is free.
   */
  takeNext(minOffset = 0): number {
    const lowStart = Math.min(Math.max(minOffset, 0), this.size);
    const highStart = Math.max(this.staticBandSize, lowStart);
    const found = this.scanFromRandom(highStart, this.size) ?? this.scanFromRandom(lowStart, highStart);
    if (found === undefined) throw new AllocationError("RangeFull", "range is full");
    this.take(found);
    return found;
  }

  private scanFromRandom(from: number, to: number): number | undefined {
    const n = to - from;
    if (n <= 0) return undefined;
    const start = from + this.random.int(n);
    for (let i = 0; i < n; i++) {
      const offset = start + i < to ? start + i : start + i - n;
      if (!this.has(offset)) return offset;
    }
    return undefined;
  }
}

/** Kubernetes' static band size: min(max(min, size/factor), max). */
export function staticBandSize(size: number, factor: number, max: number): number {
  return Math.min(Math.max(16, Math.floor(size / factor)), max, size);
}
