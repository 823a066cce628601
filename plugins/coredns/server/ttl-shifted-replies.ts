import type { DnsReply } from "./handler.js";

/**
 * Replies a plugin serves as "an earlier reply with every TTL lowered": a cache hit is its entry's
 * reply counted down by the seconds elapsed. The server encodes such a template once per query
 * form and answers later hits by copying those bytes and rewriting the ID and the TTL fields — what
 * the answer would encode to anyway, without encoding every record again.
 *
 * The mark is kept beside the reply, not in it: a plugin that derives a new reply from a marked one
 * (by spreading it, rotating its records) makes an unmarked reply, encoded in full.
 */
const marks = new WeakMap<DnsReply, TtlShift>();

/**
 * How a packed copy of a marked reply stays in step with the plugin that served it, so the server
 * can answer the same query again from bytes without running the chain: `renew` is called for each
 * such replayed hit with the clock's time and either counts the hit as the plugin would have
 * (its metrics, prefetch bookkeeping) and returns the TTL shift to serve, or — with no effect —
 * returns undefined when the plugin must run (its entry gone or replaced, expired, a refresh due).
 */
export interface ReplayLease {
  /** The plugin that served the reply (links ahead of it in the chain must be passive to be skipped). */
  readonly plugin: string;
  renew(now: number): number | undefined;
  /**
   * Called when `renew` declined because the entry left (evicted) or expired: when the reply it
   * held is still what the plugins behind would answer ({@link reusableOf}, from a plugin
   * `allowed` accepts), does what a miss does (counts it, stores that reply again) and returns the
   * new entry's lease, the answer being the reply at TTL shift 0; else undefined, with no effect.
   */
  refill?(now: number, allowed: (plugin: string) => boolean): ReplayLease | undefined;
}

/** A plugin's word that it answers the same question with the very same reply while `valid()`. */
export interface Reusable {
  readonly plugin: string;
  valid(): boolean;
}
const reusables = new WeakMap<DnsReply, Reusable>();

/** Marks `reply` as what `plugin` answers its question with while `valid()` holds. */
export function markReusable(reply: DnsReply, reusable: Reusable): void {
  reusables.set(reply, reusable);
}

/** The reusable mark of `reply`, if any. */
export function reusableOf(reply: DnsReply): Reusable | undefined {
  return reusables.get(reply);
}

/** A reply's mark: the earlier reply it is a TTL-shifted copy of, and optionally its lease. */
export interface TtlShift {
  readonly template: DnsReply;
  readonly shift: number;
  readonly lease?: ReplayLease;
}

/**
 * Declares that `served` equals `template` with every record's TTL lowered by `shift` seconds
 * (floored at 0), the answers' names possibly respelled in the question's case, and nothing else
 * changed. Both replies must stay unmodified from here on (replies are immutable once returned).
 * With a `lease`, the server may answer later identical queries (same bytes after the ID, same
 * port, transport and address family) from the packed reply while the lease renews.
 */
export function markTtlShifted(served: DnsReply, template: DnsReply, shift: number, lease?: ReplayLease): void {
  marks.set(served, lease ? { template, shift, lease } : { template, shift });
}

/** The template and shift `reply` was marked with, if any. */
export function ttlShiftOf(reply: DnsReply): TtlShift | undefined {
  return marks.get(reply);
}

/** One encoded answer of a template: the query it answered (after the ID), and where its TTLs are. */
export interface EncodedTemplate {
  /** The query's bytes after its ID: same bytes, same question spelling, flags and EDNS0. */
  readonly queryTail: Buffer;
  /** The size limit it was encoded within (transport, EDNS0). */
  readonly limit: number;
  readonly bytes: Buffer;
  /** Offsets of the TTL fields of every record but OPT, and their values at shift 0. */
  readonly ttlOffsets: readonly number[];
  readonly baseTtls: readonly number[];
}

/**
 * Records where `bytes` (a response encoded for `query` within `limit`, its records' TTLs lowered
 * by `shift`) keeps its TTLs. Undefined when a TTL was floored at 0 (its value at shift 0 is lost)
 * or the message cannot be walked.
 */
export function encodedTemplate(query: Buffer, limit: number, bytes: Buffer, shift: number): EncodedTemplate | undefined {
  const ttlOffsets: number[] = [];
  const baseTtls: number[] = [];
  if (bytes.length < 12) return undefined;
  const questions = bytes.readUInt16BE(4);
  const records = bytes.readUInt16BE(6) + bytes.readUInt16BE(8) + bytes.readUInt16BE(10);
  let o = 12;
  for (let i = 0; i < questions; i++) o = skipName(bytes, o) + 4;
  for (let i = 0; i < records; i++) {
    o = skipName(bytes, o);
    if (o + 10 > bytes.length) return undefined;
    const type = bytes.readUInt16BE(o);
    if (type !== OPT) {
      const ttl = bytes.readUInt32BE(o + 4);
      if (ttl === 0 && shift > 0) return undefined;
      ttlOffsets.push(o + 4);
      baseTtls.push(ttl + shift);
    }
    o += 10 + bytes.readUInt16BE(o + 8);
  }
  if (o !== bytes.length) return undefined;
  return { queryTail: Buffer.from(query.subarray(2)), limit, bytes, ttlOffsets, baseTtls };
}

/** `encoded`'s bytes answering query `id`, every TTL lowered by `shift` seconds (floored at 0). */
export function replayEncoded(encoded: EncodedTemplate, id: number, shift: number): Buffer {
  const out = Buffer.allocUnsafe(encoded.bytes.length);
  // TypedArray#set: a plain memory copy (Buffer#copy checks and slices in JavaScript first).
  out.set(encoded.bytes);
  out[0] = id >>> 8;
  out[1] = id & 0xff;
  const offsets = encoded.ttlOffsets;
  const base = encoded.baseTtls;
  for (let i = 0; i < offsets.length; i++) out.writeUInt32BE(Math.max(0, base[i]! - shift), offsets[i]!);
  return out;
}

/** Whether `encoded` answers `query` (same bytes after the ID) within `limit`. */
export function answersQuery(encoded: EncodedTemplate, query: Buffer, limit: number): boolean {
  return encoded.limit === limit && encoded.queryTail.length === query.length - 2 && encoded.queryTail.equals(query.subarray(2));
}

const OPT = 41;

/** The offset just past the (uncompressed or pointer-terminated) name at `o`. */
function skipName(b: Buffer, o: number): number {
  for (;;) {
    const len = b[o];
    if (len === undefined) return b.length + 1;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2;
    o += len + 1;
  }
}
