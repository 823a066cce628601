import type { DecodedPacket } from "dns-packet";

/** The types a plain query names most (their dns-packet names); other types take the full decoder. */
const TYPE_NAMES = new Map<number, string>([[1, "A"], [2, "NS"], [5, "CNAME"], [6, "SOA"], [12, "PTR"], [15, "MX"], [16, "TXT"], [28, "AAAA"], [33, "SRV"], [35, "NAPTR"], [255, "ANY"]]);
const CLASS_IN = 1;
const OPT = 41;
const DNSSEC_OK = 1 << 15;

/**
 * Reads the common query shape without the general decoder: a header (a standard query, rcode
 * 0), one question of a listed type in class IN whose name is plain ASCII labels (no
 * compression), and at most an EDNS0 OPT record, nothing else. Gives what dns-packet's `decode` gives for those fields (the OPT record's
 * options are not read: the server uses only its payload size and DO flag); undefined for any
 * other message, which then takes the full decoder.
 */
export function readPlainQuery(buf: Buffer): DecodedPacket | undefined {
  const n = buf.length;
  if (n < 17) return undefined;
  const flags = buf.readUInt16BE(2);
  if (flags & 0xf80f || buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return undefined;
  const arcount = buf.readUInt16BE(10);
  if (arcount > 1) return undefined;
  let o = 12;
  let name = "";
  for (;;) {
    const len = buf[o];
    if (len === undefined || len > 63) return undefined;
    if (len === 0) break;
    const end = o + 1 + len;
    if (end > n) return undefined;
    for (let i = o + 1; i < end; i++) if (buf[i]! >= 0x80) return undefined;
    name = name ? `${name}.${buf.toString("latin1", o + 1, end)}` : buf.toString("latin1", o + 1, end);
    o = end;
    if (o - 12 > 254) return undefined;
  }
  o++;
  if (o + 4 > n) return undefined;
  const type = TYPE_NAMES.get(buf.readUInt16BE(o));
  if (type === undefined || buf.readUInt16BE(o + 2) !== CLASS_IN) return undefined;
  o += 4;
  const additionals: DecodedPacket["additionals"] = [];
  if (arcount === 1) {
    // The root name, OPT, payload size, extended rcode, version, flags, options length.
    if (o + 11 > n || buf[o] !== 0 || buf.readUInt16BE(o + 1) !== OPT) return undefined;
    const optFlags = buf.readUInt16BE(o + 7);
    additionals.push({ name: ".", type: "OPT", udpPayloadSize: buf.readUInt16BE(o + 3), extendedRcode: buf[o + 5]!, ednsVersion: buf[o + 6]!, flags: optFlags, flag_do: (optFlags & DNSSEC_OK) !== 0, options: [] } as unknown as NonNullable<DecodedPacket["additionals"]>[number]);
    o += 11 + buf.readUInt16BE(o + 9);
  }
  if (o !== n) return undefined;
  return {
    id: buf.readUInt16BE(0),
    type: "query",
    flags: flags & 0x7fff,
    flag_qr: false,
    opcode: "QUERY",
    flag_aa: (flags & 0x400) !== 0,
    flag_tc: (flags & 0x200) !== 0,
    flag_rd: (flags & 0x100) !== 0,
    flag_ra: (flags & 0x80) !== 0,
    flag_z: (flags & 0x40) !== 0,
    flag_ad: (flags & 0x20) !== 0,
    flag_cd: (flags & 0x10) !== 0,
    rcode: "NOERROR",
    questions: [{ name: name || ".", type, class: "IN" }],
    answers: [],
    authorities: [],
    additionals,
  } as unknown as DecodedPacket;
}
