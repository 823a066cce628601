import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket, { type Packet } from "dns-packet";
import { readPlainQuery } from "../../plugins/coredns/server/query-header.js";

const pick = (p: ReturnType<typeof dnsPacket.decode>) => ({
  id: p.id,
  type: p.type,
  flags: p.flags,
  flag_rd: p.flag_rd,
  flag_cd: p.flag_cd,
  questions: p.questions,
  opt: (p.additionals ?? []).map((a) => {
    const o = a as unknown as { udpPayloadSize: number; flags: number; flag_do: boolean; ednsVersion: number };
    return { type: a.type, udpPayloadSize: o.udpPayloadSize, flags: o.flags, flag_do: o.flag_do, ednsVersion: o.ednsVersion };
  }),
});

const plain: Packet[] = [
  { id: 7, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "Web.Default.svc.cluster.local", type: "A", class: "IN" }] },
  { id: 65535, type: "query", flags: dnsPacket.CHECKING_DISABLED, questions: [{ name: "_http._tcp.web.default.svc.cluster.local", type: "SRV", class: "IN" }] },
  { id: 1, type: "query", questions: [{ name: ".", type: "NS", class: "IN" }] },
  { id: 2, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "1.0.96.10.in-addr.arpa", type: "PTR", class: "IN" }], additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK, options: [{ code: 10, data: Buffer.from("0123456789abcdef", "hex") }] } as never] },
  { id: 3, type: "query", questions: [{ name: "example.org", type: "AAAA", class: "IN" }], additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: 0, options: [] } as never] },
];

test("reads plain queries as dns-packet decodes them", () => {
  for (const p of plain) {
    const wire = dnsPacket.encode(p);
    const fast = readPlainQuery(wire);
    assert.ok(fast, `read ${p.questions![0]!.name}`);
    assert.equal(pick(fast), pick(dnsPacket.decode(wire)));
  }
});

test("leaves other messages to the full decoder", () => {
  const q = (over: Partial<Packet>): Buffer => dnsPacket.encode({ id: 1, type: "query", questions: [{ name: "a.example", type: "A", class: "IN" }], ...over });
  const other: Buffer[] = [
    q({ type: "response" }),
    q({ flags: 4 << 11 }), // NOTIFY opcode
    q({ questions: [{ name: "a.example", type: "A", class: "IN" }, { name: "b.example", type: "A", class: "IN" }] }),
    q({ questions: [{ name: "a.example", type: "A", class: "CH" }] }),
    q({ questions: [{ name: "a.example", type: "CAA", class: "IN" }] }),
    q({ questions: [{ name: "ünï.example", type: "A", class: "IN" }] }),
    q({ answers: [{ name: "a.example", type: "A", ttl: 1, data: "1.2.3.4" }] }),
    q({ additionals: [{ name: "a.example", type: "A", ttl: 1, data: "1.2.3.4" }] }),
    Buffer.concat([q({}), Buffer.from([0])]),
    q({}).subarray(0, 20),
  ];
  for (const wire of other) assert.is(readPlainQuery(wire), undefined);
  // A compressed question name (pointer into the header) is not plain either.
  const pointer = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
  assert.is(readPlainQuery(pointer), undefined);
});

test.run();
