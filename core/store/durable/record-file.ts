import { crc32 } from "./crc32.js";

/**
 * The framing shared by log segments and snapshots. A file is a 8-byte header — 4 magic bytes
 * naming the kind of file, then the format version (u32 LE) — followed by records, each
 * `[payload length u32 LE][crc32 of payload u32 LE][payload]`, the payload being UTF-8 JSON.
 * A record whose length runs past the end of the file, or whose checksum does not match, ends the
 * readable part of the file (a torn write or corruption).
 */

/** The store format this version writes and reads; a file with a higher one is refused. */
export const STORE_FORMAT = 1;
export const HEADER_BYTES = 8;
const FRAME_BYTES = 8;
/** Largest payload accepted on read: a length beyond it is corruption, not a real record. */
const MAX_PAYLOAD = 256 * 1024 * 1024;

export type FileMagic = "KSWL" | "KSSN";

export function encodeHeader(magic: FileMagic): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(magic, 0, "latin1");
  header.writeUInt32LE(STORE_FORMAT, 4);
  return header;
}

/** One framed record holding `payload` (JSON text). */
export function encodeRecord(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const record = Buffer.allocUnsafe(FRAME_BYTES + length);
  record.write(payload, FRAME_BYTES, "utf8");
  record.writeUInt32LE(length, 0);
  record.writeUInt32LE(crc32(record.subarray(FRAME_BYTES)), 4);
  return record;
}

/** A state file written by a newer kubesim; never read, never truncated. */
export class NewerFormatError extends Error {
  override readonly name = "NewerFormatError";
}

/** What a file's header says. */
export type HeaderCheck = { ok: true } | { ok: false; reason: string };

/** Checks `data` starts with a header of `magic`; throws {@link NewerFormatError} for a newer format. */
export function checkHeader(data: Buffer, magic: FileMagic, file: string): HeaderCheck {
  if (data.length < HEADER_BYTES) return { ok: false, reason: `${data.length}-byte file has no complete header` };
  if (data.toString("latin1", 0, 4) !== magic) return { ok: false, reason: "bad magic bytes" };
  const format = data.readUInt32LE(4);
  if (format > STORE_FORMAT) {
    throw new NewerFormatError(`${file} was written by a newer kubesim (store format ${format}; this kubesim reads format ${STORE_FORMAT} and older): upgrade kubesim, or start empty with --reset`);
  }
  if (format < 1) return { ok: false, reason: `invalid format ${format}` };
  return { ok: true };
}

export interface ScanResult {
  /** Offset just past the last good record. */
  goodEnd: number;
  /** Why reading stopped before the end of the data (absent: it reached the end cleanly). */
  problem?: string;
}

/** Calls `visit` with each intact record's payload after the header, in order, until the first bad one. `visit` returning a reason stops there (reported as the problem). */
export function scanRecords(data: Buffer, visit: (payload: string, offset: number) => string | undefined): ScanResult {
  return scanFrames(data, (start, end, offset) => visit(data.toString("utf8", start, end), offset));
}

/** As {@link scanRecords}, handing over each intact record's payload position instead of its text (for readers that decode only part of it). */
export function scanFrames(data: Buffer, visit: (start: number, end: number, offset: number) => string | undefined): ScanResult {
  let offset = HEADER_BYTES;
  while (offset < data.length) {
    if (data.length - offset < FRAME_BYTES) return { goodEnd: offset, problem: `incomplete record header at offset ${offset}` };
    const length = data.readUInt32LE(offset);
    const start = offset + FRAME_BYTES;
    if (length > MAX_PAYLOAD || start + length > data.length) return { goodEnd: offset, problem: `record at offset ${offset} runs past the end of the file` };
    if (crc32(data.subarray(start, start + length)) !== data.readUInt32LE(offset + 4)) return { goodEnd: offset, problem: `checksum mismatch in record at offset ${offset}` };
    const refused = visit(start, start + length, offset);
    if (refused !== undefined) return { goodEnd: offset, problem: `record at offset ${offset}: ${refused}` };
    offset = start + length;
  }
  return { goodEnd: offset };
}
