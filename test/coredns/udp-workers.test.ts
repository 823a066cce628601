import { test } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import dnsPacket, { type DecodedPacket } from "dns-packet";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { listenOnHost, type HostDnsListener } from "../../plugins/coredns/server/host-listener.js";
import { onTcpMessages, tcpFrame } from "../../plugins/coredns/server/stack-listeners.js";

const COREFILE = `.:53 {
    errors
    log . "{type} {name} {rcode}"
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    loadbalance
}
`;

const cluster = new Cluster({ clock: "real", seed: 1, plugins: [] });
const services = (): ReturnType<typeof cluster.client.resource<Service>> => cluster.client.resource<Service>("Service");
const logged: string[] = [];
let listener: HostDnsListener;
let webIp = "";

function ask(name: string, type: "A" | "SRV" = "A"): Promise<DecodedPacket> {
  const sock = createSocket("udp4");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no answer for ${name}`));
    }, 5000);
    sock.on("message", (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(m));
    });
    sock.send(dnsPacket.encode({ id: 9, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: "IN" }] }), listener.port, "127.0.0.1");
  });
}

const addresses = (p: DecodedPacket): string[] => (p.answers ?? []).map((a) => (a as { data: string }).data);

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.unreachable(what);
}

test.before(async () => {
  await cluster.start();
  const web = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] } }, { namespace: "default" });
  webIp = web.spec!.clusterIP!;
  const relay = async (): Promise<Uint8Array | undefined> => dnsPacket.encode({ id: 9, type: "response", flags: 3, questions: [{ name: "from.relay", type: "A", class: "IN" }] });
  listener = await listenOnHost("127.0.0.1", 0, relay, {
    udpWorkers: { workers: 2, corefile: COREFILE, port: 53, informers: cluster.informers, log: (level, text) => logged.push(`[${level}] ${text}`) },
  });
});

test.after(async () => {
  await listener?.close();
  await cluster.stop();
});

test("workers answer UDP from their replicas of the cluster's services", async () => {
  assert.is(listener.workers?.size, 2);
  for (let i = 0; i < 8; i++) {
    const r = await ask(i % 2 ? "web.default.svc.cluster.local" : "WEB.default.svc.Cluster.Local");
    assert.equal(addresses(r), [webIp]);
    assert.ok(r.flag_aa, "authoritative");
    assert.is(r.questions?.[0]?.name, i % 2 ? "web.default.svc.cluster.local" : "WEB.default.svc.Cluster.Local");
  }
  const srv = await ask("_http._tcp.web.default.svc.cluster.local", "SRV");
  assert.is((srv.answers?.[0] as { data: { port: number } }).data.port, 80);
  assert.is((await ask("nothing.default.svc.cluster.local") as { rcode?: string }).rcode, "NXDOMAIN");
});

test("services created and deleted after the start reach every worker", async () => {
  const api = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: "default" }, spec: { ports: [{ name: "http", port: 8080 }] } }, { namespace: "default" });
  // Each query may land on either worker: several answers in a row show both know it.
  await eventually(async () => {
    for (let i = 0; i < 6; i++) if (addresses(await ask("api.default.svc.cluster.local"))[0] !== api.spec!.clusterIP) return false;
    return true;
  }, "the new service resolves");
  await services().delete("api", { namespace: "default" });
  await eventually(async () => {
    for (let i = 0; i < 6; i++) if ((await ask("api.default.svc.cluster.local") as { rcode?: string }).rcode !== "NXDOMAIN") return false;
    return true;
  }, "the deleted service is gone");
});

test("the workers' log lines reach this process, and their metrics merge", async () => {
  const before = logged.length;
  await ask("web.default.svc.cluster.local");
  await eventually(async () => logged.slice(before).includes("[INFO] A web.default.svc.cluster.local. NOERROR"), "the log line arrives");
  const text = await listener.workers!.exposition();
  assert.match(text, /^coredns_build_info\{[^}]*\} 1$/m);
  const requests = [...text.matchAll(/^coredns_dns_requests_total\{[^}]*type="A"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const answered = logged.filter((l) => l.startsWith("[INFO] A ")).length;
  assert.is(requests, answered, "A requests counted once across the workers");
  assert.match(text, /^coredns_dns_request_duration_seconds_count\{/m);
});

test("TCP stays with the relay", async () => {
  const conn = connect(listener.port, "127.0.0.1");
  const answer = await new Promise<DecodedPacket>((resolve) => {
    onTcpMessages(conn, (m) => resolve(dnsPacket.decode(Buffer.from(m))));
    conn.write(tcpFrame(dnsPacket.encode({ id: 9, type: "query", questions: [{ name: "web.default.svc.cluster.local", type: "A", class: "IN" }] })));
  });
  conn.destroy();
  assert.is(answer.questions?.[0]?.name, "from.relay");
});

test("a Corefile the workers cannot load is refused", async () => {
  try {
    await listenOnHost("127.0.0.1", 0, async () => undefined, { udpWorkers: { workers: 1, corefile: ".:53 {\n    nosuchplugin\n}\n", port: 53, informers: cluster.informers } });
    assert.unreachable("started");
  } catch (err) {
    assert.match((err as Error).message, /Unknown directive 'nosuchplugin'/);
  }
});

test.run();
