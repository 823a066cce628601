import { createInflate, constants as zlibConstants, type Inflate } from "node:zlib";
import { SPDY3_HEADER_DICTIONARY } from "./dictionary.js";

/** SPDY/3.1 control frame types (draft 3.1, section 2.6). */
export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** The FIN flag of data frames and SYN_STREAM/SYN_REPLY/HEADERS. */
export const FLAG_FIN = 0x01;

/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_CANCEL = 5;

/** One frame read off the wire (header blocks still compressed). */
export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/**
 * Splits a SPDY byte stream into frames: feed it bytes as they arrive, it calls `onFrame` for each
 * complete frame in order (a frame may span several chunks, a chunk may hold several frames).
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const length = this.pending.readUIntBE(5, 3);
      if (this.pending.length < 8 + length) return;
      const head = this.pending;
      const body = head.subarray(8, 8 + length);
      this.pending = head.subarray(8 + length);
      const flags = head[4]!;
      if (head[0]! & 0x80) this.onFrame({ control: true, type: head.readUInt16BE(2), flags, payload: body });
      else this.onFrame({ control: false, streamId: head.readUInt32BE(0) & 0x7fffffff, flags, data: body });
    }
  }
}

function controlFrame(type: ControlType, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0); // control bit + version 3
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

/** A DATA frame (at most 2^24-1 bytes of data; callers split larger writes). */
export function dataFrame(streamId: number, data: Uint8Array, fin: boolean): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = fin ? FLAG_FIN : 0;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

export function synReplyFrame(streamId: number, headerBlock: Buffer, fin: boolean): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId);
  return controlFrame(ControlType.SynReply, fin ? FLAG_FIN : 0, Buffer.concat([id, headerBlock]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(ControlType.RstStream, 0, p);
}

export function pingFrame(id: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0);
  return controlFrame(ControlType.Ping, 0, p);
}

export function goAwayFrame(lastStreamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastStreamId, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(ControlType.GoAway, 0, p);
}

/** Serialises a name/value block (names lowercased; several values joined by NUL). */
function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  const entries = Object.entries(headers);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const s of [name.toLowerCase(), value]) {
      const b = Buffer.from(s, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function adler32(data: Buffer): number {
  let a = 1, b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The empty stored block a sync flush ends with: inflaters hand out the block's data when they reach it. */
const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * The sending side's header compression: one zlib stream per connection and direction, primed
 * with the SPDY dictionary. Blocks are written as deflate stored blocks followed by the empty
 * stored block of a SYNC_FLUSH, which every conforming inflater reads.
 */
export class HeaderCompressor {
  private started = false;

  compress(headers: Record<string, string>): Buffer {
    const raw = headerBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      const zhead = Buffer.alloc(6);
      zhead[0] = 0x78;
      zhead[1] = 0xbb; // FDICT set, FCHECK valid
      zhead.writeUInt32BE(adler32(SPDY3_HEADER_DICTIONARY), 2);
      parts.push(zhead);
    }
    for (let off = 0; off < raw.length; off += 0xffff) {
      const chunk = raw.subarray(off, off + 0xffff);
      const block = Buffer.alloc(5);
      block[0] = 0; // BFINAL=0, BTYPE=00 (stored)
      block.writeUInt16LE(chunk.length, 1);
      block.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(block, chunk);
    }
    parts.push(SYNC_MARKER);
    return Buffer.concat(parts);
  }
}

/**
 * The receiving side's header decompression: the peer's single zlib stream, fed one header block
 * at a time (each ends with a sync flush), decoded in order.
 */
export class HeaderDecompressor {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private failed: Error | undefined;

  constructor() {
    this.inflate.on("error", (err: Error) => (this.failed = err));
  }

  /** Decodes one block. Calls must not overlap (the connection serialises them). */
  decompress(block: Buffer): Promise<Record<string, string>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.inflate.write(block);
      this.inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        if (this.failed) return reject(this.failed);
        const out: Buffer[] = [];
        for (let c: Buffer | null; (c = this.inflate.read() as Buffer | null) !== null; ) out.push(c);
        try {
          resolve(parseHeaderBlock(Buffer.concat(out)));
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  close(): void {
    this.inflate.close();
  }
}

/** Parses a decompressed name/value block; names are lowercase, multiple values keep their NULs. */
export function parseHeaderBlock(raw: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  const need = (n: number): void => {
    if (off + n > raw.length) throw new Error("spdy: truncated header block");
  };
  need(4);
  const count = raw.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = raw.readUInt32BE(off);
    off += 4;
    need(nl);
    const name = raw.toString("utf8", off, off + nl);
    off += nl;
    need(4);
    const vl = raw.readUInt32BE(off);
    off += 4;
    need(vl);
    out[name] = raw.toString("utf8", off, off + vl);
    off += vl;
  }
  return out;
}
