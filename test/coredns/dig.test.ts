import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { offClock } from "../../core/clock/clock.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { ClusterDnsAddressToken } from "../../core/cluster/cluster-dns.js";
import { DIG, requireTool } from "../support/require-tool.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { runningServers } from "../../plugins/coredns/index.js";

requireTool(DIG);

const cluster = new Cluster({ clock: "virtual", seed: 5, dnsPort: 0, plugins: [...DEFAULT_PLUGINS.filter((p) => p !== "coredns"), "coredns"] });
let port = 0;

/**
 * Runs dig against the host port. The virtual clock is held while dig runs: dig is real work
 * outside the simulation, and a clock jumping from timer to timer meanwhile would age the CoreDNS
 * pods' cache entries (TTL 30 s) by however long the machine takes to start dig.
 */
function dig(...args: string[]): Promise<string> {
  return offClock(
    cluster.clock,
    new Promise((resolve, reject) =>
      execFile("dig", ["@127.0.0.1", "-p", String(port), "+time=5", "+tries=1", ...args], (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout))),
    ),
  );
}

test.before(async () => {
  await cluster.start();
  port = cluster.resolve(ClusterDnsAddressToken).port;
  await cluster.apply(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { selector: { app: web }, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec: { clusterIP: None, selector: { app: db }, ports: [{ name: pg, port: 5432 }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: default }
spec:
  serviceName: db
  replicas: 2
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: c, image: busybox:1.36, command: [sleep, infinity] }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: example.com }
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "coredns" && d.status?.readyReplicas === 2, { namespace: "kube-system", timeout: 120_000 });
  await cluster.waitFor("StatefulSet", (s: { metadata?: { name?: string }; status?: { readyReplicas?: number } }) => s.metadata?.name === "db" && s.status?.readyReplicas === 2, { timeout: 120_000 });
  await cluster.clock.sleep(2000);
});

test.after(async () => {
  await cluster.stop();
});

test("dig on the host port: kubernetes.default answers 10.96.0.1, authoritative, TTL 30", async () => {
  const out = await dig("kubernetes.default.svc.cluster.local");
  assert.match(out, "status: NOERROR");
  assert.match(out, /flags: qr aa rd;/);
  assert.match(out, /kubernetes\.default\.svc\.cluster\.local\.\s+30\s+IN\s+A\s+10\.96\.0\.1/);
  assert.is((await dig("+short", "kubernetes.default.svc.cluster.local")).trim(), "10.96.0.1");
});

test("case is preserved; NXDOMAIN vs NODATA with the SOA", async () => {
  assert.match(await dig("KUBERNETES.Default.svc.cluster.local"), /KUBERNETES\.Default\.svc\.cluster\.local\.\s+\d+\s+IN\s+A\s+10\.96\.0\.1/);
  const nx = await dig("missing.default.svc.cluster.local");
  assert.match(nx, "status: NXDOMAIN");
  assert.match(nx, /cluster\.local\.\s+\d+\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\./);
  const nodata = await dig("web.default.svc.cluster.local", "AAAA");
  assert.match(nodata, "status: NOERROR");
  assert.match(nodata, "ANSWER: 0");
  assert.match(nodata, "AUTHORITY: 1");
});

test("SRV, StatefulSet hostnames under a headless service, ExternalName CNAME, PTR, TCP", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
  assert.match(await dig("+short", "_http._tcp.web.default.svc.cluster.local", "SRV"), "0 100 80 web.default.svc.cluster.local.");
  const hosts = (await dig("+short", "_pg._tcp.db.default.svc.cluster.local", "SRV")).trim().split("\n").map((l) => l.split(" ")[3]).sort();
  assert.equal(hosts, ["db-0.db.default.svc.cluster.local.", "db-1.db.default.svc.cluster.local."]);
  assert.match(await dig("+short", "db-0.db.default.svc.cluster.local"), /^10\.244\.\d+\.\d+\n$/);
  assert.is((await dig("+short", "db.default.svc.cluster.local")).trim().split("\n").length, 2);
  assert.match(await dig("ext.default.svc.cluster.local"), /ext\.default\.svc\.cluster\.local\.\s+30\s+IN\s+CNAME\s+example\.com\./);
  assert.is((await dig("+short", "-x", svc.spec!.clusterIP!)).trim(), "web.default.svc.cluster.local.");
  const tcp = await dig("+tcp", "web.default.svc.cluster.local");
  assert.match(tcp, new RegExp(`IN\\s+A\\s+${svc.spec!.clusterIP!.replace(/\./g, "\\.")}`));
  assert.match(await dig("+short", "dns-version.cluster.local", "TXT"), '"1.1.0"');
});

test("repeats on the host port are answered from a CoreDNS pod's cache entry, counted by that pod as hits and requests", async () => {
  const servers = [...(runningServers.get(cluster.resolve<DataPlane>(DataPlaneToken)) ?? [])];
  assert.is(servers.length, 2);
  const sum = async (re: RegExp): Promise<number> => {
    let total = 0;
    for (const s of servers) for (const m of (await s.metrics.exposition()).matchAll(re)) total += Number(m[1]);
    return total;
  };
  const hits = /^coredns_cache_hits_total\{[^}]*type="success"[^}]*\} (\d+)$/gm;
  const requests = /^coredns_dns_requests_total\{[^}]*type="A"[^}]*\} (\d+)$/gm;
  const ip = (await dig("+short", "web.default.svc.cluster.local")).trim();
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `dig answered "${ip}"`);
  const [hits0, requests0] = [await sum(hits), await sum(requests)];
  // Without a client cookie every dig sends the same bytes after the ID: repeats are packed.
  for (let i = 0; i < 4; i++) assert.is((await dig("+short", "+nocookie", "web.default.svc.cluster.local")).trim(), ip);
  // Every dig reached a pod's server one way or the other; at most one per pod missed its cache.
  assert.is((await sum(requests)) - requests0, 4);
  assert.ok((await sum(hits)) - hits0 >= 2);
});

test.run();
