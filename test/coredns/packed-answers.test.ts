import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket, { type DecodedPacket } from "dns-packet";
import { DnsServer, type QueryInfo } from "../../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../../plugins/coredns/dns-plugins/builtins.js";
import type { DnsEnvironment } from "../../plugins/coredns/server/handler.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createSocket } from "node:dgram";
import { listenOnHost } from "../../plugins/coredns/server/host-listener.js";

const HOSTS = "10.1.0.1 a.test\n10.2.0.1 two.test\n10.2.0.2 two.test\n";
const info: QueryInfo = { protocol: "udp", remoteAddress: "10.0.0.1", remotePort: 5353, port: 53 };

async function start(corefile: string, lines: string[] = []): Promise<{ s: DnsServer; clock: VirtualClock }> {
  const clock = new VirtualClock({ auto: false });
  const env: DnsEnvironment = {
    clock,
    random: new SeededRandom(1),
    log: (level, text) => lines.push(`[${level}] ${text}`),
    readFile: (p) => (p === "/etc/hosts" ? HOSTS : undefined),
    transport: { exchange: () => Promise.reject(new Error("i/o timeout")) },
    fatal: () => undefined,
    hostname: "t",
  };
  const s = new DnsServer(env, new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])));
  await s.load(corefile);
  return { s, clock };
}

const query = (name: string, id = 1): Buffer => dnsPacket.encode({ id, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: "A", class: "IN" }] });
const decode = (b: Uint8Array): DecodedPacket => dnsPacket.decode(Buffer.from(b));
const ttlOf = (r: DecodedPacket): number | undefined => (r.answers![0] as { ttl?: number }).ttl;
const metric = async (s: DnsServer, line: RegExp): Promise<number> => Number(line.exec(await s.metrics.exposition())?.[1] ?? NaN);

const KUBEADM_LIKE = `.:53 {\n  errors\n  prometheus :9153\n  cache 30\n  loadbalance\n  hosts {\n    ttl 20\n  }\n}`;

test("a cached answer is replayed from bytes: own ID, TTLs counted down, metrics moved as a full answer moves them", async () => {
  const { s, clock } = await start(KUBEADM_LIKE);
  assert.is(s.answerCached(query("a.test"), info), undefined, "nothing packed before the first answer");
  const first = decode((await s.handle(query("a.test"), info))!);
  assert.is(ttlOf(first), 20);
  const packed = s.answerCached(query("a.test", 4242), info);
  assert.ok(packed, "the cache's entry is packed after the miss that stored it");
  const r = decode(packed);
  assert.is(r.id, 4242);
  assert.equal(r.answers!.map((a) => [a.name, (a as { data: string }).data, (a as { ttl: number }).ttl]), [["a.test", "10.1.0.1", 20]]);
  assert.ok(r.flag_aa === first.flag_aa && r.flag_rd);
  await clock.advance(3500);
  assert.is(ttlOf(decode(s.answerCached(query("a.test", 7), info)!)), 17);
  // Two answers so far were hits (both packed), one a miss; the server counted all three.
  assert.is(await metric(s, /^coredns_cache_hits_total\{[^}]*type="success"[^}]*\} (\d+)$/m), 2);
  assert.is(await metric(s, /^coredns_cache_requests_total\{[^}]*\} (\d+)$/m), 3);
  assert.is(await metric(s, /^coredns_dns_requests_total\{[^}]*type="A"[^}]*\} (\d+)$/m), 3);
  assert.is(await metric(s, /^coredns_dns_response_size_bytes_count\{[^}]*\} (\d+)$/m), 3);
  // Another spelling or transport is another query form: answered in full first.
  assert.is(s.answerCached(query("A.Test"), info), undefined);
  assert.is(s.answerCached(query("a.test"), { ...info, protocol: "tcp" }), undefined);
  const spelled = decode((await s.handle(query("A.Test"), info))!);
  assert.is(spelled.answers![0]!.name, "A.Test");
  assert.is(decode(s.answerCached(query("A.Test", 9), info)!).answers![0]!.name, "A.Test");
  await s.stop();
});

test("a packed answer ends with its cache entry: expiry and reload send the query through the chain again", async () => {
  const { s, clock } = await start(KUBEADM_LIKE);
  await s.handle(query("a.test"), info);
  assert.ok(s.answerCached(query("a.test"), info));
  await clock.advance(30_000);
  assert.is(s.answerCached(query("a.test"), info), undefined, "the entry expired");
  assert.is(ttlOf(decode((await s.handle(query("a.test"), info))!)), 20, "answered afresh");
  assert.ok(s.answerCached(query("a.test"), info));
  await s.load(`.:53 {\n  cache 30\n  hosts {\n    ttl 10\n  }\n}`);
  assert.is(s.answerCached(query("a.test"), info), undefined, "a reload drops the packed answers");
  assert.is(ttlOf(decode((await s.handle(query("a.test"), info))!)), 10);
  await s.stop();
});

test("no replay past a plugin with per-query effects: log in front of the cache, loadbalance rotating", async () => {
  const lines: string[] = [];
  const logged = await start(`.:53 {\n  log\n  cache 30\n  hosts\n}`, lines);
  for (let i = 0; i < 3; i++) {
    await logged.s.handle(query("a.test"), info);
    assert.is(logged.s.answerCached(query("a.test"), info), undefined);
  }
  assert.is(lines.length, 3, "every query is logged");
  await logged.s.stop();

  const { s } = await start(KUBEADM_LIKE);
  const order: string[][] = [];
  for (let i = 0; i < 3; i++) {
    assert.is(s.answerCached(query("two.test"), info), undefined);
    order.push(decode((await s.handle(query("two.test"), info))!).answers!.map((a) => (a as { data: string }).data));
  }
  assert.not.equal(order[0], order[1], "successive answers are rotated");
  await s.stop();
});

test("the host listener answers a packed repeat in the same turn; other queries go to the relay", async () => {
  const { s } = await start(KUBEADM_LIKE);
  let relayed = 0;
  const l = await listenOnHost("127.0.0.1", 0, (q, protocol) => (relayed++, s.handle(q, { ...info, protocol })), { quick: (q, protocol) => s.answerCached(q, { ...info, protocol }) });
  const client = createSocket("udp4");
  await new Promise<void>((r) => client.bind(0, "127.0.0.1", () => r()));
  const ask = (id: number): Promise<DecodedPacket> =>
    new Promise((resolve) => {
      client.once("message", (m) => resolve(decode(m)));
      client.send(query("a.test", id), l.port, "127.0.0.1");
    });
  try {
    for (const id of [1, 2, 3]) {
      const r = await ask(id);
      assert.is(r.id, id);
      assert.is((r.answers![0] as { data: string }).data, "10.1.0.1");
    }
    assert.is(relayed, 1, "only the first query took the relay");
  } finally {
    client.close();
    await l.close();
    await s.stop();
  }
});

test.run();
