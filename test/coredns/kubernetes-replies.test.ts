import { test } from "uvu";
import * as assert from "uvu/assert";
import dnsPacket, { type DecodedPacket } from "dns-packet";
import type { Namespace, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DnsServer } from "../../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../../plugins/coredns/dns-plugins/builtins.js";

// No cache: every query reaches the kubernetes plugin, which reuses its last reply per question
// only while its index is unchanged.
const COREFILE = `.:53 {\n    kubernetes cluster.local {\n       ttl 30\n    }\n}`;

async function setup(corefile = COREFILE): Promise<{ cluster: Cluster; server: DnsServer; ask: (name: string, type?: string) => Promise<DecodedPacket> }> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  const server = new DnsServer(
    { clock: cluster.clock, random: cluster.random, log: () => undefined, readFile: () => undefined, informers: cluster.informers, transport: { exchange: () => Promise.reject(new Error("no upstream")) }, fatal: (m) => { throw new Error(m); }, hostname: "t" },
    new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])),
  );
  await server.load(corefile);
  await cluster.clock.sleep(100);
  const ask = async (name: string, type = "A"): Promise<DecodedPacket> => {
    const wire = dnsPacket.encode({ id: 9, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as "A", class: "IN" }] });
    return dnsPacket.decode(Buffer.from((await server.handle(wire, { protocol: "udp", remoteAddress: "10.0.0.1", remotePort: 1, port: 53 }))!));
  };
  return { cluster, server, ask };
}

const rcode = (p: DecodedPacket): string => (p as unknown as { rcode: string }).rcode;
const data = (p: DecodedPacket): string[] => (p.answers ?? []).map((a) => `${a.name} ${(a as { data: string }).data}`);

test("a repeated question is answered alike; a changed service, a deleted one and a new namespace are seen at once", async () => {
  const { cluster, server, ask } = await setup();
  try {
    const services = cluster.client.resource<Service>("Service");
    assert.is(rcode(await ask("web.default.svc.cluster.local")), "NXDOMAIN");
    const web = await services.create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { ports: [{ port: 80 }] } }, { namespace: "default" });
    await cluster.clock.sleep(10);
    const ip = web.spec!.clusterIP!;
    assert.equal(data(await ask("web.default.svc.cluster.local")), [`web.default.svc.cluster.local ${ip}`], "the NXDOMAIN given before the service existed is not reused");
    assert.equal(data(await ask("web.default.svc.cluster.local")), [`web.default.svc.cluster.local ${ip}`]);
    // Another spelling of the same question keeps its own case.
    assert.equal(data(await ask("WEB.default.svc.cluster.local")), [`WEB.default.svc.cluster.local ${ip}`]);
    await services.delete("web", { namespace: "default" });
    await cluster.clock.sleep(10);
    assert.is(rcode(await ask("web.default.svc.cluster.local")), "NXDOMAIN", "a deleted service is not answered from the reply kept for it");
    // Namespace events change answers too (NODATA for an existing namespace, NXDOMAIN otherwise).
    assert.is(rcode(await ask("team.svc.cluster.local")), "NXDOMAIN");
    await cluster.client.resource<Namespace>("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await cluster.clock.sleep(10);
    const nodata = await ask("team.svc.cluster.local");
    assert.is(rcode(nodata), "NOERROR");
    assert.is(nodata.answers?.length, 0);
  } finally {
    await server.stop();
    await cluster.stop();
  }
});

test("an expired cache entry whose reply still holds is stored again from the packed path: a miss counted, full TTL; a changed index is answered in full", async () => {
  const { cluster, server, ask } = await setup(`.:53 {\n    prometheus :9153\n    cache 30\n    kubernetes cluster.local {\n       ttl 30\n    }\n}`);
  try {
    const services = cluster.client.resource<Service>("Service");
    const web = await services.create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { ports: [{ port: 80 }] } }, { namespace: "default" });
    await cluster.clock.sleep(10);
    const info = { protocol: "udp" as const, remoteAddress: "10.0.0.1", remotePort: 1, port: 53 };
    const wire = (id: number): Buffer => dnsPacket.encode({ id, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "web.default.svc.cluster.local", type: "A", class: "IN" }] });
    const misses = async (): Promise<number> => Number(/^coredns_cache_misses_total\{[^}]*\} (\d+)$/m.exec(await server.metrics.exposition())?.[1]);
    await ask("web.default.svc.cluster.local");
    assert.is(await misses(), 1);
    await cluster.clock.sleep(31_000);
    const refilled = server.answerCached(wire(77), info);
    assert.ok(refilled, "answered without the chain");
    const r = dnsPacket.decode(refilled);
    assert.is(r.id, 77);
    assert.equal(r.answers!.map((a) => [(a as { data: string }).data, (a as { ttl: number }).ttl]), [[web.spec!.clusterIP!, 30]], "a fresh entry: the full TTL");
    assert.is(await misses(), 2, "counted as the miss it is");
    await cluster.clock.sleep(2_000);
    assert.is((dnsPacket.decode(server.answerCached(wire(78), info)!).answers![0] as { ttl: number }).ttl, 28, "the stored-again entry counts down");
    await services.delete("web", { namespace: "default" });
    await cluster.clock.sleep(31_000);
    assert.is(server.answerCached(wire(79), info), undefined, "the index changed: the reply no longer holds");
    assert.is(rcode(await ask("web.default.svc.cluster.local")), "NXDOMAIN");
  } finally {
    await server.stop();
    await cluster.stop();
  }
});

test.run();
