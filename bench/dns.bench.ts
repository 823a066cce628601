/**
 * CoreDNS: queries/s answered by the server in process (wire in, wire out) and over real UDP on a
 * host port with 10,000 services, compared in the same run with dnsmasq serving the same names
 * from a hosts file (target ≥ 0.5× dnsmasq), both measured with dnsperf when installed (Debian
 * `dnsperf`, `dnsmasq-base`), else with a Node UDP client; memory per service record.
 */
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { RealClock } from "../core/clock/real-clock.js";
import { DnsServer } from "../plugins/coredns/server/dns-server.js";
import { BUILTIN_DNS_PLUGINS } from "../plugins/coredns/dns-plugins/builtins.js";
import { listenOnHost } from "../plugins/coredns/server/host-listener.js";

const SERVICES = 10_000;
const cpuMicros = (u: NodeJS.CpuUsage): number => u.user + u.system;
const gc = (globalThis as { gc?: () => void }).gc;
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

const cluster = new Cluster({ clock: "real", seed: 1, plugins: [] });
await cluster.start();
const services = cluster.client.resource<Service>("Service");
const names: string[] = [];
const ips: string[] = [];
for (let i = 0; i < SERVICES; i++) {
  const s = await services.create({ apiVersion: "v1", kind: "Service", metadata: { name: `svc-${i}`, namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] } }, { namespace: "default" });
  names.push(`svc-${i}.default.svc.cluster.local`);
  ips.push(s.spec!.clusterIP!);
}
const informers = cluster.informers;
informers.forResource("Service");
informers.forResource("EndpointSlice");
informers.forResource("Namespace");
informers.start();
await informers.waitForCacheSync();

const before = heap();
const server = new DnsServer(
  { clock: new RealClock(), random: cluster.random, log: () => undefined, readFile: () => undefined, informers, transport: { exchange: () => Promise.reject(new Error("no upstream")) }, fatal: () => undefined, hostname: "bench" },
  new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])),
);
await server.load(`.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    cache 30\n    loadbalance\n}\n`);
while (server.notReady().length) await new Promise((r) => setTimeout(r, 10));
const perService = (heap() - before) / SERVICES;

// 1. In process: wire-format queries straight into the server.
const queries = names.map((n, i) => dnsPacket.encode({ id: i & 0xffff, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: n, type: "A", class: "IN" }] }));
const info = { protocol: "udp" as const, remoteAddress: "127.0.0.1", remotePort: 1, port: 53 };
for (const q of queries) await server.handle(q, info);
const N = 200_000;
let t = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i++) await server.handle(queries[i % SERVICES]!, info);
const inProcess = N / ((performance.now() - t) / 1000);
const cpuInProcess = cpuMicros(process.cpuUsage(cpu0)) / N;
const check = dnsPacket.decode(Buffer.from((await server.handle(queries[42]!, info))!));
if ((check.answers?.[0] as { data?: string } | undefined)?.data !== ips[42]) throw new Error("wrong answer in the benchmark");

// 2. Over real UDP on a host port.
const infos = { udp: info, tcp: { ...info, protocol: "tcp" as const } };
const listener = await listenOnHost("127.0.0.1", 0, (q, protocol) => server.handle(q, infos[protocol]), { quick: (q, protocol) => server.answerCached(q, infos[protocol]) });
const dir = mkdtempSync(join(tmpdir(), "kubesim-dns-bench-"));
const queryFile = join(dir, "queries.txt");
writeFileSync(queryFile, names.map((n) => `${n} A`).join("\n") + "\n");
/** CPU time (µs) of other processes, from /proc (user + system, clock ticks of 10 ms). */
function procCpuMicros(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks * 10_000;
}
const have = (cmd: string, args: string[]): boolean => !spawnSync(cmd, args, { stdio: "ignore" }).error;

async function nodeClient(port: number, seconds: number): Promise<number> {
  const sock = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  let answered = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const inflight = 64;
  await new Promise<void>((resolve) => {
    const send = (): void => {
      if (performance.now() > end) return resolve();
      sock.send(queries[i++ % SERVICES]!, port, "127.0.0.1");
    };
    sock.on("message", () => {
      answered++;
      send();
    });
    for (let k = 0; k < inflight; k++) send();
  });
  sock.close();
  return answered / seconds;
}

/** dnsperf against `port`; run asynchronously, since the server under test answers on this event loop. */
const lost = new Map<number, string>();
const lostOf = (port: number): string => (lost.has(port) ? ` (${lost.get(port)})` : "");
function dnsperf(port: number, seconds: number): Promise<number> {
  const child = spawn("dnsperf", ["-s", "127.0.0.1", "-p", String(port), "-d", queryFile, "-l", String(seconds), "-c", "4", "-q", "200"]);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on("exit", () => {
      const m = /Queries per second:\s+([\d.]+)/.exec(out);
      const l = /Queries lost:\s+(\d+) \(([\d.]+%)\)/.exec(out);
      if (l) lost.set(port, `${l[1]} lost, ${l[2]}`);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`dnsperf failed: ${out}`));
    }),
  );
}

const useDnsperf = have("dnsperf", ["-h"]);
const measure = (port: number): Promise<number> => (useDnsperf ? dnsperf(port, SECONDS) : nodeClient(port, SECONDS));
const SECONDS = 5;
let c0 = process.cpuUsage();
const udp = await measure(listener.port);
const cpuUdp = cpuMicros(process.cpuUsage(c0)) / (udp * SECONDS);
await listener.close();

// 2b. Over real UDP answered by worker processes sharing the socket (each with replicas of the
// informers); DNS_WORKERS lists the pool sizes to measure (default 1,2,3: dnsperf takes a core).
const WORKER_COUNTS = (process.env.DNS_WORKERS ?? "1,2,3").split(",").map(Number).filter((n) => n >= 1);
interface WorkerRun {
  workers: number;
  qps: number;
  /** CPU µs per query: all workers + this process, and each worker's share. */
  cpu: number;
  perWorker: number[];
  lost: string;
}
const workerRuns: WorkerRun[] = [];
for (const workers of WORKER_COUNTS) {
  const workerListener = await listenOnHost("127.0.0.1", 0, (q, protocol) => server.handle(q, { ...info, protocol }), {
    udpWorkers: { workers, corefile: server.corefile!, port: 53, informers },
  });
  // Warm the workers' caches and code first, as the single-process server was warmed.
  await measure(workerListener.port);
  const pids = workerListener.workers!.pids;
  const each0 = pids.map((p) => procCpuMicros([p]));
  c0 = process.cpuUsage();
  const qps = await measure(workerListener.port);
  const queries = qps * SECONDS;
  const perWorker = pids.map((p, i) => (procCpuMicros([p]) - each0[i]!) / queries);
  const cpu = (perWorker.reduce((a, b) => a + b, 0) * queries + cpuMicros(process.cpuUsage(c0))) / queries;
  workerRuns.push({ workers, qps, cpu, perWorker, lost: lostOf(workerListener.port) });
  await workerListener.close();
}

// 3. dnsmasq with the same names from a hosts file.
let dnsmasq: number | undefined;
let cpuDnsmasq = 0;
let dnsmasqPort = 0;
if (have("dnsmasq", ["--version"])) {
  const hostsFile = join(dir, "hosts");
  writeFileSync(hostsFile, names.map((n, i) => `${ips[i]} ${n}`).join("\n") + "\n");
  const probe = createSocket("udp4");
  await new Promise<void>((r) => probe.bind(0, "127.0.0.1", () => r()));
  const port = probe.address().port;
  probe.close();
  const child = spawn("dnsmasq", ["-k", "--port", String(port), "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", `--addn-hosts=${hostsFile}`, "--cache-size=10000", "--user=root", `--pid-file=${join(dir, "pid")}`], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 500));
  const w0 = procCpuMicros([child.pid!]);
  dnsmasq = await measure(port);
  cpuDnsmasq = (procCpuMicros([child.pid!]) - w0) / (dnsmasq * SECONDS);
  dnsmasqPort = port;
  child.kill("SIGTERM");
}

console.log(`services: ${fmt(SERVICES)}; memory per service record: ${fmt(perService)} bytes`);
console.log(`in process (wire → server → wire, cache 30): ${fmt(inProcess)} queries/s, ${cpuInProcess.toFixed(1)} µs CPU/query`);
const client = useDnsperf ? "dnsperf -c 4 -q 200" : "node client, 64 in flight";
console.log(`UDP host port, one process (${client}): ${fmt(udp)} queries/s${lostOf(listener.port)}, ${cpuUdp.toFixed(1)} µs CPU/query`);
for (const r of workerRuns) console.log(`UDP host port, ${r.workers} worker process${r.workers > 1 ? "es" : ""} (${client}): ${fmt(r.qps)} queries/s${r.lost}, ${r.cpu.toFixed(1)} µs CPU/query (workers + main; per worker ${r.perWorker.map((c) => c.toFixed(1)).join(" + ")})`);
if (dnsmasq !== undefined) {
  const ratios = (f: (r: WorkerRun) => string): string => workerRuns.map((r) => `${f(r)} with ${r.workers} worker${r.workers > 1 ? "s" : ""}`).join(", ");
  console.log(`dnsmasq, same names from a hosts file: ${fmt(dnsmasq)} queries/s${lostOf(dnsmasqPort)}, ${cpuDnsmasq.toFixed(1)} µs CPU/query; kubesim/dnsmasq = ${(udp / dnsmasq).toFixed(2)} one process, ${ratios((r) => (r.qps / dnsmasq!).toFixed(2))} (target ≥ 0.5)`);
  console.log(`CPU per query, kubesim/dnsmasq = ${(cpuUdp / cpuDnsmasq).toFixed(2)} one process, ${ratios((r) => (r.cpu / cpuDnsmasq).toFixed(2))} (the load-independent view: dnsmasq's CPU read from /proc in the same run)`);
} else console.log("dnsmasq not installed (apt-get install -y dnsmasq-base): no comparison");
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(", ")} (${useDnsperf ? "dnsperf" : "the client"} and the servers share the machine's cores)`);
await server.stop();
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
