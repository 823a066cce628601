import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import dnsPacket, { type Answer, type Packet } from "dns-packet";
import { encodeCompact } from "../../plugins/coredns/server/compact-encoder.js";
import { encodeWithin } from "../../plugins/coredns/server/dns-server.js";

// Names drawn from a few shared suffixes (so compression has work to do) in mixed case.
const label = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?$/);
const suffix = fc.constantFrom("svc.cluster.local", "default.svc.cluster.local", "Default.SVC.cluster.local", "cluster.local", "in-addr.arpa", "example.com", "");
const name = fc.tuple(fc.array(label, { minLength: 0, maxLength: 3 }), suffix).map(([ls, s]) => [...ls, ...(s ? [s] : [])].join(".") || ".");
const ttl = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":").replace(/(^|:)0(:0)+(:|$)/, "::"));
const txt = fc.array(fc.string({ maxLength: 60 }), { minLength: 1, maxLength: 3 });

const record: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ name, ttl, data: ipv4 }).map((r) => ({ ...r, type: "A", class: "IN" }) as Answer),
  fc.record({ name, ttl, data: ipv6 }).map((r) => ({ ...r, type: "AAAA", class: "IN" }) as Answer),
  fc.record({ name, ttl, data: name, type: fc.constantFrom("CNAME", "PTR", "NS") }).map((r) => ({ ...r, class: "IN" }) as Answer),
  fc.record({ name, ttl, data: fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target: name }) }).map((r) => ({ ...r, type: "SRV", class: "IN" }) as Answer),
  fc.record({ name, ttl, data: txt }).map((r) => ({ ...r, type: "TXT", class: "IN" }) as Answer),
  fc.record({ name, ttl, mname: name, rname: name, serial: fc.nat(), minimum: fc.nat(3600) }).map(
    (r) => ({ name: r.name, ttl: r.ttl, type: "SOA", class: "IN", data: { mname: r.mname, rname: r.rname, serial: r.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: r.minimum } }) as Answer,
  ),
);
const opt = fc.record({ udpPayloadSize: fc.integer({ min: 512, max: 4096 }), flags: fc.constantFrom(0, dnsPacket.DNSSEC_OK) }).map(
  (o) => ({ type: "OPT", name: ".", udpPayloadSize: o.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: o.flags, flag_do: o.flags !== 0, options: [] }) as Answer,
);
const message: fc.Arbitrary<Packet> = fc
  .record({
    id: fc.nat(65535),
    flags: fc.nat(0x7fff),
    question: fc.record({ name, type: fc.constantFrom("A", "AAAA", "SRV", "PTR", "TXT", "SOA", "CNAME", "MX", "ANY") }),
    answers: fc.array(record, { maxLength: 12 }),
    authorities: fc.array(record, { maxLength: 3 }),
    additionals: fc.array(record, { maxLength: 4 }),
    opt: fc.option(opt),
  })
  .map((m) => ({
    id: m.id,
    type: "response",
    flags: m.flags & ~dnsPacket.TRUNCATED_RESPONSE,
    questions: [{ ...m.question, class: "IN" }],
    answers: m.answers,
    authorities: m.authorities,
    additionals: m.opt ? [...m.additionals, m.opt] : m.additionals,
  }) as Packet);

/** What a message decodes to, without the fields the encoding's length shows through. */
const decoded = (b: Buffer): unknown => dnsPacket.decode(b);

test("the compact encoding decodes (with dns-packet) to what dns-packet's own encoding decodes to, and is no longer", () => {
  fc.assert(
    fc.property(message, (m) => {
      const compact = encodeCompact(m, 65_535);
      assert.ok(compact, "a supported shape is encoded");
      const reference = dnsPacket.encode(m);
      assert.equal(decoded(compact!), decoded(reference));
      assert.ok(compact!.length <= reference.length);
    }),
    { numRuns: 2000, seed: 15 },
  );
});

test("within a size limit: the longest prefix of the records that fits is kept, the OPT stays, TC iff an answer was dropped", () => {
  fc.assert(
    fc.property(message, fc.integer({ min: 12, max: 700 }), (m, limit) => {
      const out = encodeCompact(m, limit)!;
      const d = dnsPacket.decode(out);
      const full = dnsPacket.decode(encodeCompact(m, 65_535)!);
      const records = (p: typeof d): Answer[] => [...(p.answers ?? []), ...(p.authorities ?? []), ...(p.additionals ?? []).filter((a) => a.type !== "OPT")];
      const kept = records(d);
      const all = records(full);
      assert.equal(kept, all.slice(0, kept.length));
      assert.is(d.additionals!.some((a) => a.type === "OPT"), full.additionals!.some((a) => a.type === "OPT"));
      assert.is(d.flag_tc, (d.answers?.length ?? 0) < (full.answers?.length ?? 0));
      if (kept.length > 0) assert.ok(out.length <= limit, `${out.length} > ${limit}`);
      // One more record would not have fitted.
      if (kept.length < all.length) {
        const more = { ...m, flags: m.flags, answers: [], authorities: [], additionals: [] } as Packet;
        const next = encodeCompact({ ...more, answers: all.slice(0, kept.length + 1), additionals: m.additionals!.filter((a) => a.type === "OPT") }, 65_535)!;
        assert.ok(next.length > limit, `${kept.length + 1} records fit in ${limit}`);
      }
    }),
    { numRuns: 1000, seed: 15 },
  );
});

test("names are compressed: a kubernetes answer points back at the question's name", () => {
  const m: Packet = { id: 1, type: "response", flags: 0x0500, questions: [{ name: "Web.default.svc.cluster.local", type: "SRV", class: "IN" }], answers: [{ name: "Web.default.svc.cluster.local", type: "SRV", class: "IN", ttl: 30, data: { priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" } }], authorities: [], additionals: [{ name: "web.default.svc.cluster.local", type: "A", class: "IN", ttl: 30, data: "10.96.0.5" }] };
  const b = encodeCompact(m, 512)!;
  // Header 12, question 31 + 4; the answer's name is a pointer to offset 12.
  assert.is(b.readUInt16BE(47), 0xc000 | 12);
  // The SRV target is written out (RFC 2782), the additional's name points at it: case kept apart.
  const d = dnsPacket.decode(b);
  assert.is(d.answers![0]!.name, "Web.default.svc.cluster.local");
  assert.is(d.additionals![0]!.name, "web.default.svc.cluster.local");
  assert.ok(b.length < dnsPacket.encode(m).length);
});

test("other shapes fall back: encodeWithin still encodes them with dns-packet", () => {
  const mx: Packet = { id: 2, type: "response", flags: 0, questions: [{ name: "example.com", type: "MX", class: "IN" }], answers: [{ name: "example.com", type: "MX", class: "IN", ttl: 5, data: { preference: 10, exchange: "mail.example.com" } }] };
  assert.is(encodeCompact(mx, 512), undefined);
  assert.equal(dnsPacket.decode(encodeWithin(mx, 512)).answers, dnsPacket.decode(dnsPacket.encode(mx)).answers);
  const nonAscii: Packet = { id: 3, type: "response", flags: 0, questions: [{ name: "bücher.example", type: "A", class: "IN" }], answers: [] };
  assert.is(encodeCompact(nonAscii, 512), undefined);
  const withOptions: Packet = { id: 4, type: "response", flags: 0, questions: [{ name: "a.example", type: "A", class: "IN" }], additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options: [{ code: 10, data: Buffer.alloc(8) }] } as unknown as Answer] };
  assert.is(encodeCompact(withOptions, 512), undefined);
});

test.run();
