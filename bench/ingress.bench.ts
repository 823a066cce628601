/**
 * Ingress throughput: wrk (Debian) against the ingress-nginx plugin's host port, backends answering
 * small responses (nginx pods), compared in the same run with Debian's nginx as a reverse proxy to a
 * local upstream. Prints requests/s, p99 latency and the ratio (target ≥ 0.5× nginx), and — as the
 * machine may be shared and wall-clock figures then mean little — the CPU time each side spent per
 * request (kubesim: this process; nginx: its worker) and the ratio of requests per CPU-second.
 * Needs `apt-get install -y wrk nginx-light`; prints what is missing otherwise.
 * `BENCH_HOST_ROUNDS=N` measures the host port N times more after the first run, one line each
 * (main thread and process CPU per request), and `BENCH_HOST_ONLY=1` stops after the host port's
 * runs: for A/B comparisons of the front, where the machine's load moves the figures run to run.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { Session } from "node:inspector/promises";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../core/cluster/default-distribution.js";
import { ingressNginx, IngressEntryToken, IngressHostPortsToken } from "../plugins/ingress-nginx/index.js";
import { applyWithIngresses } from "../test/ingress-nginx/harness.js";

const TARGET_RATIO = 0.5;
const DURATION = process.env["BENCH_SECONDS"] ?? "5";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

interface WrkResult { rps: number; p99ms: number }

function wrk(url: string, host: string, seconds = DURATION): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn("wrk", ["-t1", "-c16", `-d${seconds}s`, "--latency", "-H", `Host: ${host}`, url]);
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("close", () => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
      if (!rps || !p99) return reject(new Error(`unexpected wrk output:\n${out}`));
      const unit = p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1;
      resolve({ rps: Number(rps[1]), p99ms: Number(p99[1]) * unit });
    });
  });
}

/** User and system CPU seconds of a process (from /proc/<pid>/stat, in clock ticks of 1/100 s). */
function procCpu(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds of this process's threads: the main thread (`main`) and the others by name (V8's GC and compiler helpers, libuv's pool). */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended
    }
    const name = Number(tid) === process.pid ? "main" : `${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "")} threads`;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return byName;
}

/** nginx's worker processes (the master's children). */
function nginxWorkers(master: number): number[] {
  return readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Starts a V8 CPU profile when `file` is set; the returned function stops it and writes the file. */
async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const missing = ["wrk", "nginx"].filter((c) => !has(c) && !(c === "nginx" && has("/usr/sbin/nginx")));
if (missing.length) {
  console.log(`skipped: ${missing.join(", ")} not installed (apt-get install -y wrk nginx-light)`);
  process.exit(0);
}

// kubesim: the default distribution plus ingress-nginx, 3 nginx pods behind an Ingress.
const cluster = new Cluster({ clock: "real", nodes: 2, logLevel: "error", plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx({ httpPort: 0, httpsPort: 0 }));
await cluster.start();
// The Ingress once the controller's validating webhook answers (until then it is refused, as on a real cluster).
await applyWithIngresses(cluster, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx:1.25}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: nginx
  rules: [{host: bench.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`);
await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 3, { namespace: "default", timeout: 60_000 });
const ports = cluster.resolve(IngressHostPortsToken);
await new Promise((r) => setTimeout(r, 500));
// The cluster's own background work (controllers, probes, kube-proxy) while nothing is sent, to
// tell apart from the request path's CPU.
const idle0 = process.cpuUsage();
const idleStart = performance.now();
await new Promise((r) => setTimeout(r, 2000));
const idleUsage = process.cpuUsage(idle0);
const backgroundPerSecond = (idleUsage.user + idleUsage.system) / 1e6 / ((performance.now() - idleStart) / 1000);
// The request path alone, without the host socket: 16 requests in flight handed straight to the
// controller pods as the host port hands them (routing, upstream keep-alive, the simulated network,
// the nginx pods, access logs, metrics).
const entry = cluster.resolve(IngressEntryToken);
const IN_PROCESS = 20_000;
const inflight = Number(process.env["BENCH_INFLIGHT"] ?? 16);
let sent = 0;
const loop = async (): Promise<void> => {
  while (sent < IN_PROCESS) {
    sent++;
    const res = await entry.handle({ method: "GET", path: "/", httpVersion: "HTTP/1.1", headers: { host: "bench.example.com", "user-agent": "bench" }, body: "", remoteAddress: "127.0.0.1", scheme: "http", httpsPort: 443 });
    if (res?.status !== 200) throw new Error(`in-process request answered ${res?.status}`);
  }
};
await Promise.all(Array.from({ length: inflight }, loop)); // warm-up
sent = 0;
// BENCH_CPU_PROFILE=<file>: a V8 CPU profile of the in-process request path only.
const stopInProcess = await startProfile(process.env["BENCH_CPU_PROFILE"]);
const ip0 = process.cpuUsage();
await Promise.all(Array.from({ length: inflight }, loop));
const ipUsage = process.cpuUsage(ip0);
await stopInProcess();
const inProcessUs = (ipUsage.user + ipUsage.system) / IN_PROCESS;
// Warm-up of the host-port path as of the in-process one (its code is optimized for the front's
// request shapes before the measured run; nginx needs none).
// On a loaded machine 2 s serve few requests: warm up until 10,000 were served (at most 4 rounds), so
// the measured run does not pay for the optimizing compiler's threads.
for (let served = 0, round = 0; served < 10_000 && round < 4; round++) served += (await wrk(`http://127.0.0.1:${ports.httpPort}/`, "bench.example.com", "2")).rps * 2;
// BENCH_HOST_PROFILE=<file>: a V8 CPU profile of the host-port path while wrk runs.
const stopHost = await startProfile(process.env["BENCH_HOST_PROFILE"]);
const threads0 = threadCpu();
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const sim = await wrk(`http://127.0.0.1:${ports.httpPort}/`, "bench.example.com");
const cpu = process.cpuUsage(cpu0);
const threads1 = threadCpu();
await stopHost();
const simWall = (performance.now() - wall0) / 1000;
const simCpuTotal = (cpu.user + cpu.system) / 1e6;
const simCpu = Math.max(0.001, simCpuTotal - backgroundPerSecond * simWall);
const hostRounds = Number(process.env["BENCH_HOST_ROUNDS"] ?? 0);
for (let round = 0; round <= hostRounds && (hostRounds > 0 || process.env["BENCH_HOST_ONLY"] === "1"); round++) {
  // Round 0 reports the measured run above; the others measure again.
  let run = sim;
  let main = (threads1.get("main") ?? 0) - (threads0.get("main") ?? 0);
  let usage = cpu;
  if (round > 0) {
    const t0 = threadCpu();
    const c0 = process.cpuUsage();
    run = await wrk(`http://127.0.0.1:${ports.httpPort}/`, "bench.example.com");
    usage = process.cpuUsage(c0);
    main = (threadCpu().get("main") ?? 0) - (t0.get("main") ?? 0);
  }
  const requests = run.rps * Number(DURATION);
  console.log(`host port round ${round}: ${run.rps.toFixed(0)} requests/s, main thread ${((main / requests) * 1e6).toFixed(1)} µs/request, process ${(((usage.user + usage.system) / requests)).toFixed(1)} µs/request (user ${(usage.user / requests).toFixed(1)}, system ${(usage.system / requests).toFixed(1)}), load ${loadavg()[0]!.toFixed(1)}`);
}
await cluster.stop();
if (process.env["BENCH_HOST_ONLY"] === "1") {
  console.log(`request path in process (no host socket, ${IN_PROCESS} requests, ${inflight} in flight): ${inProcessUs.toFixed(1)} µs CPU/request`);
  process.exit(0);
}

// The floor of any Node.js front: a bare node:http server answering the same page size, same wrk.
const bare = createHttpServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "text/html", "Content-Length": "615" });
    res.end("x".repeat(615));
  });
});
await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
const bare0 = process.cpuUsage();
const bareRun = await wrk(`http://127.0.0.1:${(bare.address() as { port: number }).port}/`, "bench.example.com");
const bareUsage = process.cpuUsage(bare0);
await new Promise((r) => bare.close(r));
const bareUs = (bareUsage.user + bareUsage.system) / (bareRun.rps * Number(DURATION));

// Debian's nginx: a reverse proxy on one port to an upstream server block answering a small page.
const dir = mkdtempSync(join(tmpdir(), "kubesim-bench-nginx-"));
const [front, back] = [await freePort(), await freePort()];
writeFileSync(
  join(dir, "nginx.conf"),
  `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${back}; keepalive 32; }
  server { listen 127.0.0.1:${back}; location / { return 200 "<html><body>Welcome to nginx!</body></html>"; } }
  server { listen 127.0.0.1:${front}; location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; } }
}
`,
);
const nginxBin = has("nginx") ? "nginx" : "/usr/sbin/nginx";
const ng = spawn(nginxBin, ["-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));
const workers = nginxWorkers(ng.pid!);
const ngCpu = (): { user: number; system: number } => workers.map(procCpu).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }), { user: 0, system: 0 });
const ngCpu0 = ngCpu();
const real = await wrk(`http://127.0.0.1:${front}/`, "bench.example.com");
const ngCpu1 = ngCpu();
const realUser = ngCpu1.user - ngCpu0.user;
const realSystem = ngCpu1.system - ngCpu0.system;
const realCpu = realUser + realSystem;
ng.kill("SIGTERM");
await new Promise((r) => ng.once("exit", r));
rmSync(dir, { recursive: true, force: true });

const ratio = sim.rps / real.rps;
const seconds = Number(DURATION);
const simPerCpu = (sim.rps * seconds) / simCpu;
const realPerCpu = (real.rps * seconds) / realCpu;
const cpuRatio = simPerCpu / realPerCpu;
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`ingress-nginx plugin: ${sim.rps.toFixed(0)} requests/s, p99 ${sim.p99ms.toFixed(2)} ms (wrk -t1 -c16 -d${DURATION}s); CPU ${simCpuTotal.toFixed(2)} s, ${simCpu.toFixed(2)} s less the cluster's idle background (${backgroundPerSecond.toFixed(3)} CPU-s/s) = ${((simCpu / (sim.rps * seconds)) * 1e6).toFixed(0)} µs/request, ${simPerCpu.toFixed(0)} requests per CPU-second`);
// User (JavaScript, parsing) against system (the kernel: socket reads and writes, epoll) time per request, each side.
const perRequestUs = (seconds: number, requests: number): string => ((seconds / requests) * 1e6).toFixed(0);
console.log(`  kubesim split: user ${perRequestUs(cpu.user / 1e6, sim.rps * seconds)} µs + system ${perRequestUs(cpu.system / 1e6, sim.rps * seconds)} µs per request (idle background included); nginx worker split: user ${perRequestUs(realUser, real.rps * seconds)} µs + system ${perRequestUs(realSystem, real.rps * seconds)} µs`);
console.log(`  kubesim by thread (µs per request, idle background included): ${[...threads1].map(([name, t]) => [name, t - (threads0.get(name) ?? 0)] as const).filter(([, t]) => t > 0).sort((a, b) => b[1] - a[1]).map(([name, t]) => `${name} ${perRequestUs(t, sim.rps * seconds)}`).join(", ")}`);
console.log(`request path in process (no host socket, ${IN_PROCESS} requests, ${inflight} in flight): ${inProcessUs.toFixed(0)} µs CPU/request`);
console.log(`bare node:http server (the floor of a Node.js front on this machine now): ${bareRun.rps.toFixed(0)} requests/s, ${bareUs.toFixed(0)} µs CPU/request`);
console.log(`Debian nginx proxy:   ${real.rps.toFixed(0)} requests/s, p99 ${real.p99ms.toFixed(2)} ms; worker CPU ${realCpu.toFixed(2)} s = ${((realCpu / (real.rps * seconds)) * 1e6).toFixed(0)} µs/request, ${realPerCpu.toFixed(0)} requests per CPU-second (proxy and upstream in one worker)`);
console.log(`ratio (wall): ${ratio.toFixed(2)}x nginx (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? "OK" : "BELOW TARGET"}`);
console.log(`ratio (CPU):  ${cpuRatio.toFixed(2)}x nginx's requests per CPU-second (target >= ${TARGET_RATIO}x) ${cpuRatio >= TARGET_RATIO ? "OK" : "BELOW TARGET"}`);
// The machine may be shared: the host port's CPU per request against the bare node:http server's,
// both measured in this run, tells the front's and path's cost apart from the machine's load.
const simUs = (simCpu / (sim.rps * seconds)) * 1e6;
console.log(`host port vs bare node:http (same run): ${(simUs / bareUs).toFixed(2)}x the CPU per request (${simUs.toFixed(0)} vs ${bareUs.toFixed(0)} µs)`);
const pathRatio = ((realCpu / (real.rps * seconds)) * 1e6) / inProcessUs;
console.log(`ratio (CPU, request path): nginx worker ${((realCpu / (real.rps * seconds)) * 1e6).toFixed(0)} µs vs kubesim's in-process path ${inProcessUs.toFixed(0)} µs per request = ${pathRatio.toFixed(2)}x`);
