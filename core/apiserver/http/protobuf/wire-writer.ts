import { WireType } from "./wire-reader.js";

/** A queued write: a varint (number), UTF-8 text (string), raw bytes, or a nested message. */
type Op = number | string | Uint8Array | MessageWriter;

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

/**
 * Builds one protobuf message (https://protobuf.dev/programming-guides/encoding/). Writes are
 * queued with their sizes and laid out once by `finish()` into a single buffer, nested messages
 * included, so a large document costs one allocation and no re-copying per level. A nested
 * message must be complete when it is handed to `message()`. Proto3 default-skipping is the
 * caller's choice: the `*IfSet` forms leave empty strings and false out.
 */
export class MessageWriter {
  private readonly ops: Op[] = [];
  private size = 0;

  /** The encoded length of this message so far. */
  get length(): number {
    return this.size;
  }

  private push(v: number): void {
    this.ops.push(v);
    this.size += varintSize(v);
  }

  private tag(field: number, wireType: number): void {
    this.push(field * 8 + wireType);
  }

  /** A non-negative integer as a varint (int32, int64, uint*, enum; exact up to 2^53). */
  uint(field: number, value: number): this {
    if (value < 0 || !Number.isInteger(value)) throw new RangeError(`protobuf: ${value} is not a non-negative integer`);
    this.tag(field, WireType.VARINT);
    this.push(value);
    return this;
  }

  /** An int64 (negative values as their 64-bit two's complement: ten bytes). */
  int64(field: number, value: number): this {
    if (value >= 0) return this.uint(field, value);
    this.tag(field, WireType.VARINT);
    const bytes: number[] = [];
    for (let v = BigInt.asUintN(64, BigInt(Math.trunc(value))); ; v >>= 7n) {
      if (v < 0x80n) {
        bytes.push(Number(v));
        break;
      }
      bytes.push(Number(v & 0x7fn) | 0x80);
    }
    return this.raw(Uint8Array.from(bytes));
  }

  bool(field: number, value: boolean): this {
    this.tag(field, WireType.VARINT);
    this.push(value ? 1 : 0);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WireType.FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.raw(bytes);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.push(value.length);
    return this.raw(value);
  }

  string(field: number, value: string): this {
    const length = Buffer.byteLength(value, "utf8");
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.push(length);
    this.ops.push(value);
    this.size += length;
    return this;
  }

  /** A nested message (written even when empty, as a set submessage is). */
  message(field: number, child: MessageWriter): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.push(child.length);
    this.ops.push(child);
    this.size += child.length;
    return this;
  }

  /** Proto3 presence: a string field is written only when not empty. */
  stringIfSet(field: number, value: string | undefined): this {
    return value ? this.string(field, value) : this;
  }

  /** Proto3 presence: a bool field is written only when true. */
  boolIfSet(field: number, value: boolean | undefined): this {
    return value ? this.bool(field, true) : this;
  }

  /** The message's bytes. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    const end = this.writeInto(out, 0);
    if (end !== this.size) throw new Error(`protobuf: wrote ${end} bytes of ${this.size}`);
    return out;
  }

  private raw(bytes: Uint8Array): this {
    this.ops.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private writeInto(out: Buffer, offset: number): number {
    let at = offset;
    for (const op of this.ops) {
      if (typeof op === "number") {
        let v = op;
        while (v >= 0x80) {
          out[at++] = (v % 0x80) | 0x80;
          v = Math.floor(v / 0x80);
        }
        out[at++] = v;
      } else if (typeof op === "string") at += out.write(op, at, "utf8");
      else if (op instanceof MessageWriter) at = op.writeInto(out, at);
      else {
        out.set(op, at);
        at += op.length;
      }
    }
    return at;
  }
}
