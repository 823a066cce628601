import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { NodeKubelet } from "../../plugins/kubelet/index.js";
import type { Kubelet } from "../../plugins/kubelet/kubelet.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { ClusterDnsAddressToken } from "../../core/cluster/cluster-dns.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { hostListeners, runningServers } from "../../plugins/coredns/index.js";
import type { HostDnsListener } from "../../plugins/coredns/server/host-listener.js";
import { DIG, requireTool } from "../support/require-tool.js";
import { processAlive } from "../support/process-alive.js";

requireTool(DIG);

// The host port's UDP answered by two worker processes (a real-clock cluster: the workers answer in real time).
const cluster = new Cluster({ clock: "real", seed: 3, nodes: 1, dnsPort: 0, dnsWorkers: 2, plugins: [...DEFAULT_PLUGINS.filter((p) => p !== "coredns"), "coredns"] });
let port = 0;
let listener: HostDnsListener;
/** Every worker pid seen, restarted ones included: none may outlive the cluster. */
const seen = new Set<number>();

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("dig", ["@127.0.0.1", "-p", String(port), "+time=3", "+tries=1", ...args], (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout))),
  );
}

/**
 * The answer and authority records dig printed, TTLs left out (a cache counts them down) and the
 * SOA serial too: as in CoreDNS, each server's is the time its own view of the cluster last changed.
 */
function records(out: string): string[] {
  const sections = [...out.matchAll(/;; (ANSWER|AUTHORITY) SECTION:\n([\s\S]*?)\n\n/g)];
  return sections.flatMap((m) => m[2]!.split("\n").map((l) => l.split(/\s+/).filter((_f, i) => i !== 1).join(" ").replace(/( SOA \S+ \S+ )\d+/, "$1<serial>")));
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.unreachable(what);
}

/** The CoreDNS pods' container logs (the kubelet's files). */
async function corednsLogs(): Promise<string> {
  const pods = await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" });
  let text = "";
  for (const p of pods.items) {
    const node = cluster.nodes.get(p.spec?.nodeName ?? "");
    if (!node) continue;
    const restarts = p.status?.containerStatuses?.[0]?.restartCount ?? 0;
    text += (node.scope.resolve<Kubelet>(NodeKubelet).runtime.logs.lines(`/var/log/pods/kube-system_${p.metadata!.name}_${p.metadata!.uid}/coredns/${restarts}.log`) ?? []).join("\n");
  }
  return text;
}

test.before(async () => {
  await cluster.start();
  port = cluster.resolve(ClusterDnsAddressToken).port;
  listener = hostListeners.get(cluster.resolve<DataPlane>(DataPlaneToken))!;
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "coredns" && d.status?.readyReplicas === 2, { namespace: "kube-system", timeout: 120_000 });
  await eventually(() => listener.workers?.size === 2, "two workers serve the host port", 120);
  for (const pid of listener.workers!.pids) seen.add(pid);
});

test.after(async () => {
  await cluster.stop();
});

test("dig over UDP (the workers) answers as over TCP (the CoreDNS pods): records, authority, NXDOMAIN with the SOA, case, EDNS", async () => {
  for (const args of [["kubernetes.default.svc.cluster.local"], ["KuBeRnEtEs.Default.svc.cluster.local"], ["SRV", "_https._tcp.kubernetes.default.svc.cluster.local"], ["nothing.default.svc.cluster.local"], ["AAAA", "kubernetes.default.svc.cluster.local"], ["TXT", "dns-version.cluster.local"], ["-x", "10.96.0.1"]]) {
    const udp = await dig(...args);
    const tcp = await dig("+tcp", ...args);
    assert.match(udp, /flags: qr aa rd;/, udp);
    assert.equal(records(udp), records(tcp), `${args.join(" ")}\nUDP:\n${udp}\nTCP:\n${tcp}`);
    assert.is(/status: (\w+)/.exec(udp)?.[1], /status: (\w+)/.exec(tcp)?.[1]);
    assert.match(udp, "; EDNS: version: 0");
  }
  const a = await dig("KuBeRnEtEs.Default.svc.cluster.local");
  assert.match(a, /^KuBeRnEtEs\.Default\.svc\.cluster\.local\.\s+(\d+)\s+IN\s+A\s+10\.96\.0\.1$/m);
  assert.ok(Number(/svc\.cluster\.local\.\s+(\d+)\s+IN\s+A/.exec(a)![1]) <= 30, "TTL at most the kubernetes plugin's 30");
  assert.match(await dig("nothing.default.svc.cluster.local"), /status: NXDOMAIN[\s\S]*AUTHORITY SECTION:\ncluster\.local\.\s+\d+\s+IN\s+SOA\s+ns\.dns\.cluster\.local\./);
  // No EDNS and a tiny buffer: over UDP the 512-byte limit, over TCP the whole answer.
  assert.match(await dig("+noedns", "kubernetes.default.svc.cluster.local"), "10.96.0.1");
});

test("a Service created now resolves through every worker", async () => {
  const web = await cluster.client.resource<Service>("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] } }, { namespace: "default" });
  const ip = web.spec!.clusterIP!;
  // Each query lands on either worker: several answers in a row show both know it.
  await eventually(async () => {
    for (let i = 0; i < 6; i++) if ((await dig("+short", "web.default.svc.cluster.local")).trim() !== ip) return false;
    return true;
  }, "the new service resolves over UDP", 10);
  await cluster.client.resource<Service>("Service").delete("web", { namespace: "default" });
  // A name not asked before (the A record stays in the cache for its TTL, as in CoreDNS). A query
  // that reaches a worker before the deletion does gets the SRV record, which that worker's cache
  // then keeps for its TTL (30 s, the kubernetes plugin's): wait longer than that.
  await eventually(async () => {
    for (let i = 0; i < 6; i++) if (!(await dig("SRV", "_http._tcp.web.default.svc.cluster.local")).includes("status: NXDOMAIN")) return false;
    return true;
  }, "the deleted service is gone", 45);
});

test("a CoreDNS pod's reload reaches the workers; their log lines go to that pod's log", async () => {
  const server = [...runningServers.get(cluster.resolve<DataPlane>(DataPlaneToken))!][0]!;
  const before = server.corefile!;
  const next = before.replace(/\n}\s*$/, `\n    template IN A reloaded.test {\n        answer "{{ .Name }} 60 IN A 10.9.8.7"\n    }\n    log\n}\n`);
  assert.is.not(next, before);
  // What the reload plugin does on a changed Corefile; the pods mirrored first may be the other one.
  for (const s of runningServers.get(cluster.resolve<DataPlane>(DataPlaneToken))!) await s.load(next);
  await eventually(async () => {
    for (let i = 0; i < 4; i++) if ((await dig("+short", "reloaded.test")).trim() !== "10.9.8.7") return false;
    return true;
  }, "the reloaded Corefile answers over UDP", 10);
  await eventually(async () => {
    await dig("+short", "logged.web.default.svc.cluster.local");
    return (await corednsLogs()).includes("A IN logged.web.default.svc.cluster.local. udp");
  }, "a worker's log line appears in a CoreDNS pod's log", 10);
  for (const s of runningServers.get(cluster.resolve<DataPlane>(DataPlaneToken))!) await s.load(before);
});

test("a worker killed is restarted and answers again", async () => {
  const [victim] = listener.workers!.pids;
  process.kill(victim!, "SIGKILL");
  await eventually(() => listener.workers!.serving === 2 && !listener.workers!.pids.includes(victim!), "the killed worker is replaced", 30);
  for (const pid of listener.workers!.pids) seen.add(pid);
  await eventually(async () => (await dig("+short", "kubernetes.default.svc.cluster.local")).trim() === "10.96.0.1", "the workers answer", 10);
});

test("stopping the cluster leaves no worker process", async () => {
  for (const pid of listener.workers?.pids ?? []) seen.add(pid);
  assert.ok(seen.size >= 3, `workers seen: ${[...seen]}`);
  await cluster.stop();
  for (const pid of seen) assert.not.ok(processAlive(pid), `worker ${pid} outlived the cluster`);
});

test.run();
