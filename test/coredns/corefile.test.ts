import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket, { type DecodedPacket } from "dns-packet";
import { parseCorefile, CorefileError } from "../../plugins/coredns/corefile/parse.js";
import { parseZoneAddress } from "../../plugins/coredns/corefile/address.js";
import { DnsServer } from "../../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../../plugins/coredns/dns-plugins/builtins.js";
import type { DnsEnvironment, DnsPluginDefinition } from "../../plugins/coredns/server/handler.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { kubeadmCorefile } from "../../plugins/coredns/addon/manifests.js";

function env(files: Record<string, string> = {}, lines: string[] = []): DnsEnvironment {
  return {
    clock: new VirtualClock({ auto: false }),
    random: new SeededRandom(1),
    log: (level, text) => lines.push(`[${level}] ${text}`),
    readFile: (p) => files[p],
    transport: { exchange: () => Promise.reject(new Error("i/o timeout")) },
    fatal: (m) => lines.push(`[FATAL] ${m}`),
    hostname: "t",
    corefilePath: "/etc/coredns/Corefile",
  };
}

function server(e: DnsEnvironment, extra: DnsPluginDefinition[] = []): DnsServer {
  return new DnsServer(e, new Map([...BUILTIN_DNS_PLUGINS, ...extra].map((d) => [d.name, d])));
}

async function ask(s: DnsServer, name: string, type = "A", port = 53): Promise<DecodedPacket & { rcode?: string }> {
  const out = await s.handle(dnsPacket.encode({ id: 1, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as "A", class: "IN" }] }), { protocol: "udp", remoteAddress: "10.0.0.1", remotePort: 5353, port });
  return dnsPacket.decode(Buffer.from(out!)) as DecodedPacket & { rcode?: string };
}

test("parses kubeadm's Corefile: one block, directives with arguments and blocks, lines", () => {
  const [block, ...rest] = parseCorefile(kubeadmCorefile());
  assert.is(rest.length, 0);
  assert.equal(block!.keys, [".:53"]);
  assert.equal(block!.directives.map((d) => d.name), ["errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop", "reload", "loadbalance"]);
  const k = block!.directives[3]!;
  assert.equal(k.args, ["cluster.local", "in-addr.arpa", "ip6.arpa"]);
  assert.equal(k.block!.map((d) => [d.name, d.args, d.line]), [["pods", ["insecure"], 8], ["fallthrough", ["in-addr.arpa", "ip6.arpa"], 9], ["ttl", ["30"], 10]]);
});

test("several keys, comments, quotes, env placeholders; zone addresses normalised", () => {
  const blocks = parseCorefile(`# top\nexample.org:1053, Example.NET {\n  hosts "/etc/my hosts" # inline comment\n  log {$FMT}\n}\n10.0.0.0/23 {\n whoami\n}\n`, { FMT: "{remote}" });
  assert.equal(blocks[0]!.keys, ["example.org:1053", "Example.NET"]);
  assert.equal(blocks[0]!.directives[0]!.args, ["/etc/my hosts"]);
  assert.equal(blocks[0]!.directives[1]!.args, ["{remote}"]);
  assert.equal(parseZoneAddress("Example.NET", 1), [{ zone: "example.net.", port: 53, transport: "dns" }]);
  assert.equal(parseZoneAddress("dns://.:1053", 1), [{ zone: ".", port: 1053, transport: "dns" }]);
  assert.equal(parseZoneAddress("10.0.0.0/23", 1).map((a) => a.zone), ["0.0.10.in-addr.arpa.", "1.0.10.in-addr.arpa."]);
});

test("structural errors name the line", () => {
  const err = (text: string): string => {
    try {
      parseCorefile(text);
    } catch (e) {
      assert.instance(e, CorefileError);
      return (e as Error).message;
    }
    throw new Error("no error");
  };
  assert.is(err(".:53 {\n errors\n"), "Corefile:1 - Error during parsing: Unexpected EOF: missing closing brace '}'");
  assert.is(err(".:53\n errors\n"), "Corefile:1 - Error during parsing: Expected '{' after the server block keys .:53 errors");
  assert.is(err("}"), `Corefile:1 - Error during parsing: Unexpected '}': a server block starts with its zones (e.g. ".:53 {")`);
  assert.is(err(""), "Corefile:1 - Error during parsing: no server blocks: the Corefile is empty");
});

test("plugin errors name the line and the plugin; unknown directives are refused", async () => {
  const load = async (text: string): Promise<string> => {
    try {
      await server(env({ "/etc/resolv.conf": "nameserver 1.1.1.1\n" })).load(text);
    } catch (e) {
      return (e as Error).message;
    }
    return "loaded";
  };
  assert.is(await load(".:53 {\n  bogus\n}"), "Corefile:2 - Error during parsing: Unknown directive 'bogus'");
  assert.is(await load(".:53 {\n  forward .\n}"), "plugin/forward: Corefile:2 - Error during parsing: Wrong argument count or unexpected line ending after 'forward'");
  assert.is(await load(".:53 {\n  cache 30\n  cache 10\n}"), "plugin/cache: Corefile:3 - Error during parsing: this plugin can only be used once per Server Block");
  assert.is(await load(".:53 {\n  health {\n    lameduck five\n  }\n}"), `plugin/health: Corefile:3 - Error during parsing: time: invalid duration "five"`);
  assert.is(await load(".:53 {\n  reload 1s\n}"), "plugin/reload: Corefile:2 - Error during parsing: interval value must be greater or equal to 2s");
  assert.is(await load(".:53 {\n  forward . /etc/resolv.conf\n}\n.:53 {\n  errors\n}"), "Corefile:4 - Error during parsing: cannot serve dns://.:53 - it is already defined");
});

test("chain order is plugin.cfg's, not the file's; most specific zone wins; no zone is REFUSED", async () => {
  const s = server(env());
  await s.load(`example.org {\n  hosts {\n    192.0.2.2 www.example.org\n  }\n  template IN A example.org {\n    answer "{{ .Name }} 60 IN A 192.0.2.1"\n  }\n}\nsub.example.org {\n  template IN A {\n    answer "{{ .Name }} 60 IN A 192.0.2.9"\n  }\n}`);
  // template comes before hosts in plugin.cfg, so it answers although hosts is written first.
  assert.equal((await ask(s, "www.example.org")).answers!.map((a) => (a as { data: string }).data), ["192.0.2.1"]);
  assert.equal((await ask(s, "a.sub.example.org")).answers!.map((a) => (a as { data: string }).data), ["192.0.2.9"]);
  assert.is((await ask(s, "other.test")).rcode, "REFUSED");
  await s.stop();
});

test("a third-party DNS plugin joins the chain at its position", async () => {
  const whoami: DnsPluginDefinition = {
    name: "whoami2",
    position: { before: "hosts" },
    setup: () => ({ handler: () => ({ name: "whoami2", serveDNS: async (req) => ({ rcode: 0, answers: [{ name: req.question.name, type: "TXT", class: "IN", ttl: 0, data: [req.remoteAddress] }], authorities: [], additionals: [] }) }) }),
  };
  const s = server(env(), [whoami]);
  await s.load(`.:53 {\n  hosts {\n    192.0.2.2 x.test\n    fallthrough\n  }\n  whoami2\n}`);
  const r = await ask(s, "x.test", "TXT");
  assert.is(String((r.answers![0] as { data: Buffer[] }).data[0]), "10.0.0.1");
  await s.stop();
});

test("rewrite, hosts, loadbalance, cache and log together", async () => {
  const lines: string[] = [];
  const e = env({ "/etc/hosts": "10.1.0.1 a.test\n10.1.0.2 a.test\n" }, lines);
  const s = server(e);
  await s.load(`.:53 {\n  log\n  rewrite name exact alias.test a.test\n  loadbalance\n  cache 30\n  hosts\n}`);
  const r1 = await ask(s, "alias.test");
  assert.is(r1.questions![0]!.name, "alias.test");
  assert.equal(r1.answers!.map((a) => [a.name, (a as { data: string }).data]), [["alias.test", "10.1.0.1"], ["alias.test", "10.1.0.2"]]);
  const r2 = await ask(s, "alias.test");
  assert.equal(r2.answers!.map((a) => (a as { data: string }).data), ["10.1.0.2", "10.1.0.1"]);
  assert.match(lines[0]!, /^\[INFO\] 10\.0\.0\.1:5353 - 1 "A IN alias\.test\. udp \d+ false 512" NOERROR qr,aa,rd \d+ [\d.]+s$/);
  assert.is((await ask(s, "missing.test")).rcode, "NXDOMAIN");
  await s.stop();
});

test("cache: hits count the TTL down by the seconds elapsed and echo the question's case, also within one second", async () => {
  const e = env({ "/etc/hosts": "10.1.0.1 a.test\n" });
  const clock = e.clock as VirtualClock;
  const s = server(e);
  await s.load(`.:53 {\n  cache 30\n  hosts {\n    ttl 20\n  }\n}`);
  const ttlAndName = (r: DecodedPacket): [number | undefined, string] => [(r.answers![0] as { ttl?: number }).ttl, r.answers![0]!.name];
  assert.equal(ttlAndName(await ask(s, "a.test")), [20, "a.test"]);
  assert.equal(ttlAndName(await ask(s, "a.test")), [20, "a.test"]);
  assert.equal(ttlAndName(await ask(s, "A.Test")), [20, "A.Test"]);
  assert.equal(ttlAndName(await ask(s, "a.test")), [20, "a.test"]);
  await clock.advance(3200);
  assert.equal(ttlAndName(await ask(s, "a.test")), [17, "a.test"]);
  assert.equal(ttlAndName(await ask(s, "A.TEST")), [17, "A.TEST"]);
  await clock.advance(1000);
  assert.equal(ttlAndName(await ask(s, "A.TEST")), [16, "A.TEST"]);
  // A repeated query form answered from the earlier encoding carries its own ID and EDNS0 size.
  const withId = async (id: number, udpPayloadSize: number) => dnsPacket.decode(Buffer.from((await s.handle(dnsPacket.encode({ id, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "A.TEST", type: "A", class: "IN" }], additionals: [{ type: "OPT", name: ".", udpPayloadSize } as dnsPacket.Answer] }), { protocol: "udp", remoteAddress: "10.0.0.1", remotePort: 5353, port: 53 }))!));
  for (const [id, size] of [[7, 1232], [4242, 1232], [9, 4096]] as const) {
    const r = await withId(id, size);
    assert.is(r.id, id);
    assert.equal(ttlAndName(r), [16, "A.TEST"]);
    assert.is((r.additionals!.find((a) => a.type === "OPT") as { udpPayloadSize: number }).udpPayloadSize, size);
  }
  await clock.advance(30_000);
  const expired = await withId(11, 1232);
  assert.equal(ttlAndName(expired), [20, "A.TEST"]);
  await s.stop();
});

test("reload: a changed Corefile is loaded; one that does not parse keeps the old and counts a failure", async () => {
  const files: Record<string, string> = { "/etc/coredns/Corefile": `.:53 {\n  reload 2s 1s\n  template IN A {\n    answer "{{ .Name }} 5 IN A 192.0.2.1"\n  }\n  prometheus\n}` };
  const lines: string[] = [];
  const e = env(files, lines);
  const clock = e.clock as VirtualClock;
  const s = server(e);
  await s.load(files["/etc/coredns/Corefile"]!);
  files["/etc/coredns/Corefile"] = files["/etc/coredns/Corefile"]!.replace("192.0.2.1", "192.0.2.2");
  await clock.advance(3500);
  assert.equal((await ask(s, "x.test")).answers!.map((a) => (a as { data: string }).data), ["192.0.2.2"]);
  assert.ok(lines.includes("[INFO] Reloading complete"));
  files["/etc/coredns/Corefile"] = files["/etc/coredns/Corefile"]!.replace("prometheus", "prometheus\n  nonsense");
  await clock.advance(3500);
  assert.ok(lines.some((l) => l.startsWith("[ERROR] Restart failed: Corefile:7 - Error during parsing: Unknown directive 'nonsense'")));
  assert.equal((await ask(s, "x.test")).answers!.map((a) => (a as { data: string }).data), ["192.0.2.2"]);
  const text = await s.metrics.exposition();
  assert.match(text, "coredns_reload_failed_total 1");
  assert.match(text, /coredns_dns_requests_total\{family="1",proto="udp",server="dns:\/\/:53",type="A",view="",zone="."\} \d/);
  await s.stop();
});

test("forward with no answering upstream is SERVFAIL after its deadline, never a hang", async () => {
  const lines: string[] = [];
  const e = env({}, lines);
  const s = server(e);
  await s.load(`.:53 {\n  errors\n  forward . 192.0.2.53\n}`);
  const r = await ask(s, "example.com");
  assert.is(r.rcode, "SERVFAIL");
  assert.match(lines[0]!, /^\[ERROR\] plugin\/errors: 2 example\.com\. A: read udp 192\.0\.2\.53:53: i\/o timeout/);
  await s.stop();
});

test.run();
