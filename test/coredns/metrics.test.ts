/**
 * CoreDNS's `prometheus` plugin (prom-client): the families, label names and buckets CoreDNS 1.11
 * exposes move as the server answers, cache hits and misses, and forwarding succeeds or fails.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket from "dns-packet";
import { DnsServer } from "../../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../../plugins/coredns/dns-plugins/builtins.js";
import type { DnsEnvironment } from "../../plugins/coredns/server/handler.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

function server(exchange: DnsEnvironment["transport"]["exchange"]): DnsServer {
  const e: DnsEnvironment = {
    clock: new VirtualClock({ auto: false }),
    random: new SeededRandom(1),
    log: () => undefined,
    readFile: () => undefined,
    transport: { exchange },
    fatal: () => undefined,
    hostname: "t",
    corefilePath: "/etc/coredns/Corefile",
  };
  return new DnsServer(e, new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])));
}

async function ask(s: DnsServer, name: string, protocol: "udp" | "tcp" = "udp"): Promise<number> {
  const out = await s.handle(dnsPacket.encode({ id: 1, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: "A", class: "IN" }] }), { protocol, remoteAddress: "10.0.0.1", remotePort: 5353, port: 53 });
  return out!.byteLength;
}

/** An upstream that answers `ok.example.` with an A record and everything else with NXDOMAIN. */
const upstream: DnsEnvironment["transport"]["exchange"] = async (query) => {
  const q = dnsPacket.decode(Buffer.from(query));
  const name = q.questions![0]!.name;
  if (name === "down.example") throw new Error("i/o timeout");
  const found = name === "ok.example";
  return dnsPacket.encode({ id: q.id, type: "response", flags: found ? 0 : 3, questions: q.questions, answers: found ? [{ type: "A", name, ttl: 60, data: "192.0.2.7" }] : [] });
};

const TIME_BUCKETS = ["0.00025", "0.0005", "0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "1.024", "2.048", "4.096", "8.192", "+Inf"];
const SIZE_BUCKETS = ["0", "100", "200", "300", "400", "511", "1023", "2047", "4095", "8291", "16000", "32000", "48000", "64000", "+Inf"];

test("requests, responses, durations and sizes per server, zone, proto and type, with CoreDNS's buckets", async () => {
  const s = server(upstream);
  await s.load(`.:53 {\n  prometheus\n  forward . 192.0.2.53\n}`);
  const size = await ask(s, "ok.example");
  await ask(s, "ok.example", "tcp");
  await ask(s, "missing.example");
  const text = await s.metrics.exposition();
  const m = parseExposition(text);
  const zone = { server: "dns://:53", zone: ".", view: "" };
  assert.is(sampleValue(m, "coredns_dns_requests_total", { ...zone, proto: "udp", family: "1", type: "A" }), 2);
  assert.is(sampleValue(m, "coredns_dns_requests_total", { ...zone, proto: "tcp", family: "1", type: "A" }), 1);
  assert.is(sampleValue(m, "coredns_dns_responses_total", { ...zone, rcode: "NOERROR", plugin: "forward" }), 2);
  assert.is(sampleValue(m, "coredns_dns_responses_total", { ...zone, rcode: "NXDOMAIN", plugin: "forward" }), 1);
  assert.equal(Object.keys(m.get("coredns_dns_requests_total")!.samples[0]!.labels).sort(), ["family", "proto", "server", "type", "view", "zone"]);
  // Labels printed in name order, as Go's client prints them.
  assert.match(text, /^coredns_dns_requests_total\{family="1",proto="udp",server="dns:\/\/:53",type="A",view="",zone="\."\} 2$/m);
  const duration = m.get("coredns_dns_request_duration_seconds")!;
  assert.is(duration.type, "histogram");
  assert.equal(duration.samples.filter((x) => x.name.endsWith("_bucket") && x.labels["type"] === "A").map((x) => x.labels["le"]), TIME_BUCKETS);
  assert.is(sampleValue(m, "coredns_dns_request_duration_seconds_count", { ...zone, type: "A" }), 3);
  const response = m.get("coredns_dns_response_size_bytes")!;
  assert.equal(response.samples.filter((x) => x.name.endsWith("_bucket") && x.labels["proto"] === "udp").map((x) => x.labels["le"]), SIZE_BUCKETS);
  assert.is(sampleValue(m, "coredns_dns_response_size_bytes_sum", { ...zone, proto: "tcp" }), size);
  assert.is(sampleValue(m, "coredns_dns_request_size_bytes_count", { ...zone, proto: "udp" }), 2);
  assert.is(sampleValue(m, "coredns_plugin_enabled", { ...zone, name: "forward" }), 1);
  assert.is(sampleValue(m, "coredns_build_info", { version: "1.11.3", revision: "a6338e9", goversion: "go1.21.11" }), 1);
  assert.is(sampleValue(m, "coredns_panics_total"), 0);
  // Forwarding: per upstream, and the proxy's duration by proxy_name.
  assert.is(sampleValue(m, "coredns_forward_requests_total", { to: "192.0.2.53:53" }), 3);
  assert.is(sampleValue(m, "coredns_forward_responses_total", { to: "192.0.2.53:53", rcode: "NXDOMAIN" }), 1);
  assert.is(sampleValue(m, "coredns_proxy_request_duration_seconds_count", { proxy_name: "forward", to: "192.0.2.53:53", rcode: "NOERROR" }), 2);
  // A vector nothing used is left out, as Go's client leaves it out.
  assert.not.ok(text.includes("coredns_forward_max_concurrent_rejects_total{"));
  assert.not.ok(m.has("coredns_reload_version_info"));
  await s.stop();
});

test("cache: requests, hits by type, misses and entries per server and zones", async () => {
  const s = server(upstream);
  await s.load(`.:53 {\n  prometheus\n  cache 30\n  forward . 192.0.2.53\n}`);
  await ask(s, "ok.example");
  await ask(s, "ok.example");
  await ask(s, "ok.example");
  await ask(s, "missing.example");
  await ask(s, "missing.example");
  const m = parseExposition(await s.metrics.exposition());
  const zones = { server: "dns://:53", zones: ".", view: "" };
  assert.is(sampleValue(m, "coredns_cache_requests_total", zones), 5);
  assert.is(sampleValue(m, "coredns_cache_misses_total", zones), 2);
  assert.is(sampleValue(m, "coredns_cache_hits_total", { ...zones, type: "success" }), 2);
  assert.is(sampleValue(m, "coredns_cache_hits_total", { ...zones, type: "denial" }), 1);
  assert.is(sampleValue(m, "coredns_cache_entries", { ...zones, type: "success" }), 1);
  assert.is(sampleValue(m, "coredns_cache_entries", { ...zones, type: "denial" }), 1);
  assert.is(sampleValue(m, "coredns_forward_requests_total", { to: "192.0.2.53:53" }), 2);
  await s.stop();
});

test.run();
