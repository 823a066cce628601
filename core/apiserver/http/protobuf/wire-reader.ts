import { badRequest } from "../../../api/status.js";

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/** A 64-bit varint split into its low and high 32 bits (both unsigned). */
export interface Varint64 {
  lo: number;
  hi: number;
}

function malformed(what: string): Error {
  return badRequest(`the object provided is unrecognized: protobuf: ${what}`);
}

/**
 * Reads protobuf wire data from a byte range: tags, varints, fixed 32/64-bit values and
 * length-delimited slices (views, not copies). Malformed input throws a 400 Status error.
 */
export class WireReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const v = this.varint();
    const field = v.hi * 2 ** 29 + (v.lo >>> 3);
    if (field === 0) throw malformed("illegal field number 0");
    return { field, wireType: v.lo & 7 };
  }

  varint(): Varint64 {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw malformed("unexpected end of varint");
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw malformed("varint overflow");
  }

  /** The next varint as a signed 32-bit integer (negative values are sign-extended to 64 bits on the wire). */
  int32(): number {
    return this.varint().lo | 0;
  }

  /** The next varint as a signed 64-bit integer (exact up to 2^53). */
  int64(): number {
    const { lo, hi } = this.varint();
    return (hi | 0) * 2 ** 32 + lo;
  }

  bool(): boolean {
    const { lo, hi } = this.varint();
    return lo !== 0 || hi !== 0;
  }

  double(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.take(8), 8);
    return view.getFloat64(0, true);
  }

  /** A length-delimited field's bytes, as a view into the buffer. */
  bytes(): Uint8Array {
    const length = this.int64();
    if (length < 0) throw malformed("negative length");
    const start = this.take(length);
    return this.buf.subarray(start, start + length);
  }

  string(): string {
    return Buffer.from(this.bytes()).toString("utf8");
  }

  /** Skips a field's value of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.FIXED64:
        this.take(8);
        return;
      case WireType.LENGTH_DELIMITED:
        this.bytes();
        return;
      case WireType.FIXED32:
        this.take(4);
        return;
      case WireType.START_GROUP:
        for (;;) {
          const t = this.tag();
          if (t.wireType === WireType.END_GROUP) return;
          this.skip(t.wireType);
        }
      default:
        throw malformed(`illegal wire type ${wireType}`);
    }
  }

  private take(n: number): number {
    const start = this.pos;
    if (start + n > this.end) throw malformed("unexpected end of data");
    this.pos += n;
    return start;
  }
}
