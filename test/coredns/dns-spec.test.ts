import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket, { type DecodedPacket } from "dns-packet";
import { Cluster } from "../../core/cluster/cluster.js";
import type { Service } from "kubernetes-types/core/v1.js";
import { DnsServer } from "../../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../../plugins/coredns/dns-plugins/builtins.js";
import type { DnsEnvironment } from "../../plugins/coredns/server/handler.js";

const COREFILE = `.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    forward . 192.0.2.1
}`;

let cluster: Cluster;
let server: DnsServer;

async function q(name: string, type: string, opts: { edns?: number; tcp?: boolean } = {}): Promise<DecodedPacket> {
  const wire = dnsPacket.encode({ id: 7, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as "A", class: "IN" }], ...(opts.edns ? { additionals: [{ type: "OPT", name: ".", udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}) });
  const out = await server.handle(wire, { protocol: opts.tcp ? "tcp" : "udp", remoteAddress: "10.244.0.9", remotePort: 40000, port: 53 });
  return dnsPacket.decode(Buffer.from(out!));
}

const rcode = (p: DecodedPacket): string => (p as unknown as { rcode: string }).rcode;

test.before(async () => {
  cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  const c = cluster.client;
  await c.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } }, { namespace: "default" });
  await c.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: "default" }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ name: "pg", port: 5432, protocol: "TCP" }] } }, { namespace: "default" });
  await c.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "empty", namespace: "default" }, spec: { clusterIP: "None", selector: { app: "none" }, ports: [{ port: 1 }] } }, { namespace: "default" });
  await c.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } }, { namespace: "default" });
  await c.resource("EndpointSlice").create(
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "db-abc", namespace: "default", labels: { "kubernetes.io/service-name": "db" } },
      addressType: "IPv4",
      ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
      endpoints: [
        { addresses: ["10.244.1.5"], hostname: "db-0", conditions: { ready: true }, targetRef: { kind: "Pod", name: "db-0", namespace: "default" } },
        { addresses: ["10.244.2.6"], hostname: "db-1", conditions: { ready: true }, targetRef: { kind: "Pod", name: "db-1", namespace: "default" } },
        { addresses: ["10.244.2.7"], conditions: { ready: false } },
      ],
    },
    { namespace: "default" },
  );
  const env: DnsEnvironment = {
    clock: cluster.clock,
    random: cluster.random,
    log: () => undefined,
    readFile: () => undefined,
    informers: cluster.informers,
    transport: { exchange: () => Promise.reject(new Error("i/o timeout")) },
    fatal: (m) => {
      throw new Error(m);
    },
    hostname: "coredns-test",
  };
  server = new DnsServer(env, new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])));
  await server.load(COREFILE);
  await cluster.clock.sleep(100);
});

test.after(async () => {
  await server.stop();
  await cluster.stop();
});

test("ClusterIP service: A is the cluster IP, authoritative, question case kept", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
  const r = await q("Web.Default.SVC.cluster.local", "A");
  assert.is(rcode(r), "NOERROR");
  assert.ok(r.flag_aa);
  assert.is(r.questions![0]!.name, "Web.Default.SVC.cluster.local");
  assert.equal(r.answers!.map((a) => [a.name, a.type, (a as { data: string }).data, (a as { ttl: number }).ttl]), [["Web.Default.SVC.cluster.local", "A", svc.spec!.clusterIP!, 30]]);
});

test("NODATA (AAAA of an IPv4 service) has the SOA; an unknown name is NXDOMAIN with the SOA", async () => {
  const nodata = await q("web.default.svc.cluster.local", "AAAA");
  assert.is(rcode(nodata), "NOERROR");
  assert.is(nodata.answers!.length, 0);
  assert.is(nodata.authorities![0]!.type, "SOA");
  const nx = await q("nope.default.svc.cluster.local", "A");
  assert.is(rcode(nx), "NXDOMAIN");
  assert.is(nx.authorities![0]!.type, "SOA");
  assert.is((nx.authorities![0] as { data: { mname: string } }).data.mname, "ns.dns.cluster.local");
});

test("SRV for a named port; PTR for the cluster IP; dns-version TXT", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
  const srv = await q("_http._tcp.web.default.svc.cluster.local", "SRV");
  assert.equal(srv.answers!.map((a) => (a as { data: unknown }).data), [{ priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }]);
  assert.equal(srv.additionals!.map((a) => (a as { data: string }).data), [svc.spec!.clusterIP!]);
  assert.is(rcode(await q("_nope._tcp.web.default.svc.cluster.local", "SRV")), "NXDOMAIN");
  const ptr = await q(svc.spec!.clusterIP!.split(".").reverse().join(".") + ".in-addr.arpa", "PTR");
  assert.equal(ptr.answers!.map((a) => (a as { data: string }).data), ["web.default.svc.cluster.local"]);
  const txt = await q("dns-version.cluster.local", "TXT");
  assert.is(String((txt.answers![0] as { data: Buffer[] }).data[0]), "1.1.0");
});

test("headless: one A per ready endpoint, hostnames, SRV per endpoint, endpoint PTR; none ready is NXDOMAIN", async () => {
  const a = await q("db.default.svc.cluster.local", "A");
  assert.equal(a.answers!.map((x) => (x as { data: string }).data).sort(), ["10.244.1.5", "10.244.2.6"]);
  const host = await q("db-1.db.default.svc.cluster.local", "A");
  assert.equal(host.answers!.map((x) => (x as { data: string }).data), ["10.244.2.6"]);
  const srv = await q("_pg._tcp.db.default.svc.cluster.local", "SRV");
  assert.equal(srv.answers!.map((x) => (x as { data: { target: string; weight: number } }).data.target).sort(), ["db-0.db.default.svc.cluster.local", "db-1.db.default.svc.cluster.local"]);
  assert.is((srv.answers![0] as { data: { weight: number } }).data.weight, 50);
  const ptr = await q("5.1.244.10.in-addr.arpa", "PTR");
  assert.equal(ptr.answers!.map((x) => (x as { data: string }).data), ["db-0.db.default.svc.cluster.local"]);
  assert.is(rcode(await q("empty.default.svc.cluster.local", "A")), "NXDOMAIN");
});

test("ExternalName is a CNAME; pods insecure echo the dashed IP", async () => {
  const c = await q("ext.default.svc.cluster.local", "A");
  assert.equal(c.answers!.map((x) => [x.type, (x as { data: string }).data]), [["CNAME", "example.com"]]);
  const pod = await q("10-244-1-5.default.pod.cluster.local", "A");
  assert.equal(pod.answers!.map((x) => (x as { data: string }).data), ["10.244.1.5"]);
  assert.is(rcode(await q("default.svc.cluster.local", "A")), "NOERROR");
  assert.is(rcode(await q("nonamespace.svc.cluster.local", "A")), "NXDOMAIN");
});

test("unknown reverse name falls through to forward: no upstream answers → SERVFAIL", async () => {
  const r = await q("9.9.9.9.in-addr.arpa", "PTR");
  assert.is(rcode(r), "SERVFAIL");
});

test("UDP answers past 512 bytes are truncated (TC); EDNS0 and TCP carry them whole", async () => {
  const eps = Array.from({ length: 60 }, (_x, i) => ({ addresses: [`10.244.3.${i + 1}`], conditions: { ready: true } }));
  await cluster.client.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "big", namespace: "default" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } }, { namespace: "default" });
  await cluster.client.resource("EndpointSlice").create({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "big-1", namespace: "default", labels: { "kubernetes.io/service-name": "big" } }, addressType: "IPv4", ports: [{ port: 80 }], endpoints: eps }, { namespace: "default" });
  await cluster.clock.sleep(10);
  const udp = await q("big.default.svc.cluster.local", "A");
  assert.ok(udp.flag_tc, "TC set");
  assert.ok(udp.answers!.length < 60);
  const edns = await q("big.default.svc.cluster.local", "A", { edns: 4096 });
  assert.not.ok(edns.flag_tc);
  assert.is(edns.answers!.length, 60);
  assert.ok(edns.additionals!.some((a) => a.type === "OPT"));
  const tcp = await q("big.default.svc.cluster.local", "A", { tcp: true });
  assert.is(tcp.answers!.length, 60);
});

test.run();
