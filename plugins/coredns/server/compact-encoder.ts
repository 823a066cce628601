import type { Answer, Packet, Question } from "dns-packet";

/**
 * A hand-written encoder for the reply shapes CoreDNS's plugins produce — a question and A, AAAA,
 * CNAME, PTR, NS, SRV, TXT and SOA records in class IN, plus an EDNS0 OPT record without options
 * at the end — with name compression (RFC 1035 4.1.4) as CoreDNS compresses its replies. Any other
 * shape returns undefined and the caller encodes with dns-packet: decoded with dns-packet, the
 * bytes give the same message dns-packet's own encoding gives (property-tested), only shorter.
 *
 * Names are compared byte for byte when compressing (a pointer repeats the very spelling), so an
 * answer echoing the question's case decodes in that case.
 */

/** Type numbers of the records (and questions) this encoder writes. */
const RECORD_TYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 };
/** Question types: the record types and the other common ones a query names. */
const QUESTION_TYPES: Readonly<Record<string, number>> = { ...RECORD_TYPES, MX: 15, HINFO: 13, NAPTR: 35, DS: 43, DNSKEY: 48, ANY: 255, AXFR: 252, IXFR: 251, CAA: 257, HTTPS: 65, SVCB: 64 };
const OPT = 41;
const CLASS_IN = 1;
const RESPONSE_FLAG = 0x8000;
const TRUNCATED = 0x200;
/** Compression pointers reach offsets below 2^14. */
const POINTER_LIMIT = 0x4000;

const MAX_MESSAGE = 65_535;
/** One scratch buffer for every message (a message is at most 65,535 bytes, TCP's limit). */
const scratch = Buffer.allocUnsafe(MAX_MESSAGE + 4096);

/** Thrown inside the encoder when the message is not a shape it writes; never escapes. */
class Unsupported {}
const UNSUPPORTED = new Unsupported();

/**
 * Encodes `msg` within `limit` bytes, dropping records from the end as dns-packet-based
 * `encodeWithin` does (additionals but OPT, then authorities, then answers setting TC), or
 * returns undefined for a message of another shape.
 */
export function encodeCompact(msg: Packet, limit: number): Buffer | undefined {
  const questions = msg.questions ?? [];
  const answers = msg.answers ?? [];
  const authorities = msg.authorities ?? [];
  const additionals = msg.additionals ?? [];
  resetNames();
  try {
    const b = scratch;
    let o = 12;
    for (const q of questions) o = writeQuestion(b, o, q);
    const recordsStart = o;
    // Every record but a trailing OPT, in order; `ends[i]` is where record i ends.
    let opt: Extract<Answer, { type: "OPT" }> | undefined;
    const ends: number[] = [];
    const lists = [answers, authorities, additionals];
    for (let l = 0; l < 3; l++) {
      const list = lists[l]!;
      for (let i = 0; i < list.length; i++) {
        const a = list[i]!;
        if (a.type === "OPT") {
          // Only as the very last record, without options.
          if (l !== 2 || i !== list.length - 1) return undefined;
          opt = a as Extract<Answer, { type: "OPT" }>;
          if (opt.name !== "." || (opt.options && opt.options.length > 0)) return undefined;
          continue;
        }
        o = writeRecord(b, o, a);
        ends.push(o);
      }
    }
    const optSize = opt ? 11 : 0;
    // The longest prefix of the records that fits with the OPT (pointers only point back, so a
    // prefix stands alone); none fitting leaves the header, questions and OPT, as encodeWithin does.
    let kept = ends.length;
    while (kept > 0 && ends[kept - 1]! + optSize > limit) kept--;
    const end = kept === 0 ? recordsStart : ends[kept - 1]!;
    const out = Buffer.allocUnsafe(end + optSize);
    b.copy(out, 0, 0, end);
    let flags = ((msg.flags ?? 0) & 0x7fff) | (msg.type === "response" ? RESPONSE_FLAG : 0);
    const keptAnswers = Math.min(kept, answers.length);
    if (keptAnswers < answers.length) flags |= TRUNCATED;
    const keptAuthorities = Math.min(Math.max(0, kept - answers.length), authorities.length);
    const keptAdditionals = kept - keptAnswers - keptAuthorities;
    out.writeUInt16BE(msg.id ?? 0, 0);
    out.writeUInt16BE(flags, 2);
    out.writeUInt16BE(questions.length, 4);
    out.writeUInt16BE(keptAnswers, 6);
    out.writeUInt16BE(keptAuthorities, 8);
    out.writeUInt16BE(keptAdditionals + (opt ? 1 : 0), 10);
    if (opt) {
      let p = end;
      out[p++] = 0;
      out.writeUInt16BE(OPT, p);
      out.writeUInt16BE(opt.udpPayloadSize || 4096, p + 2);
      out[p + 4] = (opt.extendedRcode || 0) & 0xff;
      out[p + 5] = (opt.ednsVersion || 0) & 0xff;
      out.writeUInt16BE((opt.flags || 0) & 0xffff, p + 6);
      out.writeUInt16BE(0, p + 8);
    }
    return out;
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
}

function writeQuestion(b: Buffer, o: number, q: Question): number {
  const type = QUESTION_TYPES[q.type as string];
  if (type === undefined || (q.class !== undefined && q.class !== "IN")) throw UNSUPPORTED;
  o = writeName(b, o, q.name, true);
  b.writeUInt16BE(type, o);
  b.writeUInt16BE(CLASS_IN, o + 2);
  return o + 4;
}

function writeRecord(b: Buffer, o: number, a: Answer): number {
  const type = RECORD_TYPES[a.type];
  const r = a as Answer & { class?: string; flush?: boolean; ttl?: number };
  // Past a message's limit (no record is longer than the scratch buffer's margin but TXT's, checked there).
  if (type === undefined || (r.class !== undefined && r.class !== "IN") || r.flush || o > MAX_MESSAGE) throw UNSUPPORTED;
  o = writeName(b, o, a.name, true);
  b.writeUInt16BE(type, o);
  b.writeUInt16BE(CLASS_IN, o + 2);
  b.writeUInt32BE((r.ttl || 0) >>> 0, o + 4);
  const rdata = o + 10;
  let p = rdata;
  const data = (a as { data: unknown }).data;
  switch (type) {
    case 1:
      p = writeIpv4(b, p, data);
      break;
    case 28:
      p = writeIpv6(b, p, data);
      break;
    case 2:
    case 5:
    case 12:
      if (typeof data !== "string") throw UNSUPPORTED;
      p = writeName(b, p, data, true);
      break;
    case 33: {
      const d = data as { priority?: number; weight?: number; port?: number; target?: unknown } | undefined;
      if (!d || typeof d.target !== "string") throw UNSUPPORTED;
      b.writeUInt16BE(d.priority || 0, p);
      b.writeUInt16BE(d.weight || 0, p + 2);
      b.writeUInt16BE(d.port || 0, p + 4);
      // RFC 2782: the target is not compressed.
      p = writeName(b, p + 6, d.target, false);
      break;
    }
    case 16:
      p = writeTxt(b, p, data);
      break;
    case 6: {
      const d = data as { mname?: unknown; rname?: unknown; serial?: number; refresh?: number; retry?: number; expire?: number; minimum?: number } | undefined;
      // dns-packet reads `rname` as a mailbox (a backslash joins labels): only plain names here.
      if (!d || typeof d.mname !== "string" || typeof d.rname !== "string" || d.rname.includes("\\")) throw UNSUPPORTED;
      p = writeName(b, p, d.mname, true);
      p = writeName(b, p, d.rname, true);
      b.writeUInt32BE((d.serial || 0) >>> 0, p);
      b.writeUInt32BE((d.refresh || 0) >>> 0, p + 4);
      b.writeUInt32BE((d.retry || 0) >>> 0, p + 8);
      b.writeUInt32BE((d.expire || 0) >>> 0, p + 12);
      b.writeUInt32BE((d.minimum || 0) >>> 0, p + 16);
      p += 20;
      break;
    }
  }
  b.writeUInt16BE(p - rdata, o + 8);
  return p;
}

/**
 * The names written so far in the message being encoded, for compression: each distinct name's
 * text and bounds, and for each of its labels the label's position in the text and the offset of
 * that label in the message (labels reached through a pointer take the offsets pointed at).
 * Suffixes are found by comparing text from the end: no substring or hash per label.
 */
const names: string[] = [];
const nameStart: number[] = [];
const nameEnd: number[] = [];
/** Entry i's labels are labelPos/labelWire[labelFrom[i] .. labelFrom[i + 1]). */
const labelFrom: number[] = [0];
const labelPos: number[] = [];
const labelWire: number[] = [];

function resetNames(): void {
  names.length = 0;
  nameStart.length = 0;
  nameEnd.length = 0;
  labelFrom.length = 1;
  labelPos.length = 0;
  labelWire.length = 0;
}

/** The message offset of entry `k`'s label starting at text position `q`, or -1. */
function wireOf(k: number, q: number): number {
  for (let j = labelFrom[k]!; j < labelFrom[k + 1]!; j++) if (labelPos[j] === q) return labelWire[j]!;
  return -1;
}

/**
 * Writes `name` (dns-packet's text form: one leading and one trailing dot ignored, `.` the root)
 * at `o`, ending in a pointer to an earlier spelling of its longest written suffix when `compress`.
 * Only plain names: ASCII labels of 1–63 bytes without backslashes.
 */
function writeName(b: Buffer, o: number, name: string, compress: boolean): number {
  const s = name.charCodeAt(0) === 46 ? 1 : 0;
  let e = name.length;
  if (e > s && name.charCodeAt(e - 1) === 46) e--;
  if (e - s > 253) throw UNSUPPORTED;
  if (e === s) {
    b[o] = 0;
    return o + 1;
  }
  // The longest suffix (at a label boundary in both names) some earlier name ends with.
  let best = e;
  let bestWire = -1;
  let bestEntry = -1;
  let bestQ = 0;
  if (compress) {
    for (let k = 0; k < names.length && best > s; k++) {
      const other = names[k]!;
      const ks = nameStart[k]!;
      let i = e;
      let j = nameEnd[k]!;
      while (i > s && j > ks && name.charCodeAt(i - 1) === other.charCodeAt(j - 1)) {
        i--;
        j--;
      }
      // [i, e) equals [j, end): the first label boundary in it common to both names.
      let p = i;
      let q = j;
      if (!((p === s || name.charCodeAt(p - 1) === 46) && (q === ks || other.charCodeAt(q - 1) === 46))) {
        while (p < e && name.charCodeAt(p) !== 46) {
          p++;
          q++;
        }
        p++;
        q++;
      }
      if (p >= best) continue;
      const wire = wireOf(k, q);
      if (wire < 0) continue;
      best = p;
      bestWire = wire;
      bestEntry = k;
      bestQ = q;
    }
  }
  const record = compress && best > s && o + (best - s) < POINTER_LIMIT;
  if (record) {
    names.push(name);
    nameStart.push(s);
    nameEnd.push(e);
  }
  let at = s;
  while (at < best) {
    let i = at;
    for (; i < e; i++) {
      const c = name.charCodeAt(i);
      if (c === 46) break;
      if (c >= 0x80 || c === 92) throw UNSUPPORTED;
      b[o + 1 + i - at] = c;
    }
    const len = i - at;
    if (len === 0 || len > 63) throw UNSUPPORTED;
    if (record) {
      labelPos.push(at);
      labelWire.push(o);
    }
    b[o] = len;
    o += len + 1;
    at = i + 1;
  }
  if (bestWire >= 0) {
    if (record) for (let j = labelFrom[bestEntry]!; j < labelFrom[bestEntry + 1]!; j++) if (labelPos[j]! >= bestQ) {
      labelPos.push(best + labelPos[j]! - bestQ);
      labelWire.push(labelWire[j]!);
    }
    if (record) labelFrom.push(labelPos.length);
    b[o] = 0xc0 | (bestWire >> 8);
    b[o + 1] = bestWire & 0xff;
    return o + 2;
  }
  if (record) labelFrom.push(labelPos.length);
  b[o] = 0;
  return o + 1;
}

function writeIpv4(b: Buffer, o: number, data: unknown): number {
  if (typeof data !== "string") throw UNSUPPORTED;
  let value = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= data.length; i++) {
    const c = i < data.length ? data.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || parts === 4) throw UNSUPPORTED;
      b[o + parts++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + c - 48;
      digits++;
    } else throw UNSUPPORTED;
  }
  if (parts !== 4) throw UNSUPPORTED;
  return o + 4;
}

/** IPv6 text (hex groups, at most one `::`; no embedded IPv4 or zone) as its 16 bytes. */
function writeIpv6(b: Buffer, o: number, data: unknown): number {
  if (typeof data !== "string" || data.length < 2) throw UNSUPPORTED;
  const gap = data.indexOf("::");
  if (gap >= 0 && data.indexOf("::", gap + 1) >= 0) throw UNSUPPORTED;
  const head = gap >= 0 ? data.slice(0, gap) : data;
  const tail = gap >= 0 ? data.slice(gap + 2) : "";
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  if (gap < 0 ? h.length !== 8 : h.length + t.length > 7) throw UNSUPPORTED;
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill("0"), ...t];
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw UNSUPPORTED;
    b.writeUInt16BE(parseInt(g, 16), o + 2 * i);
  }
  return o + 16;
}

/** TXT data as dns-packet takes it: a string or Buffer, or a list of them; each at most 255 bytes. */
function writeTxt(b: Buffer, o: number, data: unknown): number {
  const list = Array.isArray(data) ? data : [data];
  for (const d of list) {
    const bytes = typeof d === "string" ? Buffer.from(d) : Buffer.isBuffer(d) ? d : undefined;
    if (!bytes || bytes.length > 255 || o > MAX_MESSAGE) throw UNSUPPORTED;
    b[o] = bytes.length;
    bytes.copy(b, o + 1);
    o += bytes.length + 1;
  }
  return o;
}
