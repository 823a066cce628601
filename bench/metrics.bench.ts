// bench-runner: from-source (its API servers are processes of bench/metrics-bench-server.ts).
/**
 * Metrics figures (issue 20), each next to its target:
 * - the API server's create path over HTTP with and without metrics (request counting and
 *   timing, the metered store; see bench/metrics-bench-server.ts for exactly what "without"
 *   leaves out): overhead ≤ 5% of the server process's CPU, printed with its spread over rounds
 *   and the noise floor of two identical servers measured the same way
 * - a scrape of the API server's /metrics with 10,000 pods stored: ≤ 200 ms
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { startHttpServer } from "../core/apiserver/http/http-server.js";
import { ApiServerMetrics, metricsVerb } from "../core/apiserver/metrics/api-server-metrics.js";
import { MeteredStore } from "../core/apiserver/metrics/metered-store.js";
import { MemoryStore } from "../core/store/memory-store.js";
import type { Store } from "../core/store/store.js";
import type { KubeObject } from "../core/api/object.js";

const CREATES = Number(process.env["BENCH_CREATES"] ?? 4000);
const CONCURRENCY = 16;
const SCRAPE_PODS = 10_000;
const clock = new RealClock();
const log = createLogger("bench", { level: "silent" });

function line(label: string, value: string, target: string, ok: boolean): void {
  process.stdout.write(`${label.padEnd(62)} ${value.padStart(16)}   target ${target} ${ok ? "✓" : "✗"}\n`);
}

function pod(i: number): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { generateName: "web-", namespace: "default", labels: { app: `app-${i % 50}` } },
    spec: { containers: [{ name: "main", image: "nginx:1.27", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
  });
}

/** An API server with metrics in this process (for the scrape). */
async function meteredServer() {
  const metrics = new ApiServerMetrics();
  const store = await MeteredStore.wrap(new MemoryStore(), metrics, clock);
  const cp = await createControlPlane({ clock, random: new SeededRandom(1), log, store });
  const http = await startHttpServer({ apiServer: cp.apiServer, clock, log, port: 0, insecureHttp: true, token: "t", metrics });
  return { cp, http, metrics };
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/v1/namespaces/default/pods", method: "POST", agent, headers: { "Content-Type": "application/json", Authorization: "Bearer t", "Content-Length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

type StoreOp = readonly ["get" | "list" | "create" | "update" | "delete", string];

/** The store operations of one pod create over HTTP, recorded on a server without metrics. */
async function recordCreateOperations(): Promise<StoreOp[]> {
  let recording: StoreOp[] = [];
  const inner = new MemoryStore();
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      if (prop !== "get" && prop !== "list" && prop !== "create" && prop !== "update" && prop !== "delete") return v.bind(target);
      return (key: string, ...rest: unknown[]) => {
        recording.push([prop, key]);
        return (v as (...a: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  const cp = await createControlPlane({ clock, random: new SeededRandom(1), log, store });
  const http = await startHttpServer({ apiServer: cp.apiServer, clock, log, port: 0, insecureHttp: true, token: "t" });
  for (let i = 0; i < 20; i++) {
    recording = [];
    await post(http.port, pod(i));
  }
  await http.close();
  cp.stop();
  await cp.store.close();
  return recording;
}

const ISOLATED_REQUESTS = 20_000;

/** µs of CPU per create that the instrumentation adds to `ops` (median of 15 alternating batches). */
async function instrumentationCost(ops: StoreOp[]): Promise<number> {
  const obj = JSON.parse(pod(0)) as KubeObject;
  const answering = {
    currentRevision: () => 1,
    get: () => Promise.resolve(obj),
    list: () => Promise.resolve({ items: [], revision: 1 }),
    create: () => Promise.resolve(obj),
    update: () => Promise.resolve(obj),
    delete: () => Promise.resolve(obj),
  } as unknown as Store;
  const metrics = new ApiServerMetrics({ processMetrics: false });
  const metered = await MeteredStore.wrap(answering, metrics, clock);
  const cp = await createControlPlane({ clock, random: new SeededRandom(1), log });
  const podType = cp.registry.byGroupVersionResource("", "v1", "pods")!;
  cp.stop();
  const query = new URLSearchParams("");
  const request = async (store: Store, withMetrics: boolean): Promise<void> => {
    const started = withMetrics ? clock.now() : 0;
    const series = withMetrics ? metrics.resourceRequest(podType, metricsVerb("create", false), undefined, "namespace", query.get("dryRun") === "All") : undefined;
    for (const [op, key] of ops) await (op === "list" ? store.list(key) : op === "create" || op === "update" ? store[op](key, obj) : store[op](key));
    if (series) series.done(201, (clock.now() - started) / 1000);
  };
  const batch = async (store: Store, withMetrics: boolean): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < ISOLATED_REQUESTS; i++) await request(store, withMetrics);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / ISOLATED_REQUESTS;
  };
  for (let i = 0; i < 3; i++) {
    await batch(answering, false);
    await batch(metered, true);
  }
  const diffs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const bare = await batch(answering, false);
    diffs.push((await batch(metered, true)) - bare);
  }
  return quantile(diffs, 0.5);
}

/** A server process (bench/metrics-bench-server.ts) and its CPU reading. */
interface ServerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  cpu(mark: "start" | "end"): Promise<number>;
}

async function serverProcess(name: string, mode: "plain" | "metered"): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL("./metrics-bench-server.ts", import.meta.url)), [], { env: { ...process.env, METRICS_BENCH_MODE: mode } });
  let waiting: ((msg: { cpu?: number; port?: number }) => void) | undefined;
  child.on("message", (msg) => waiting?.(msg as { cpu?: number; port?: number }));
  const next = () => new Promise<{ cpu?: number; port?: number; pid?: number }>((resolve) => (waiting = resolve));
  const ready = await next();
  if (process.env["METRICS_BENCH_VERBOSE"]) process.stdout.write(`${name} (${mode}): pid ${ready.pid}\n`);
  return {
    name,
    port: ready.port!,
    child,
    async cpu(mark) {
      const answer = next();
      child.send(mark);
      return (await answer).cpu!;
    },
  };
}

/** One round of `n` creates over HTTP with CONCURRENCY requests in flight: the server's CPU ms per create. */
async function createRound(server: ServerProcess, n: number, offset: number): Promise<number> {
  const bodies = Array.from({ length: n }, (_, i) => pod(offset + i));
  let next = 0;
  const cpu = await server.cpu("start");
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const code = await post(server.port, bodies[next++]!);
        if (code !== 201) throw new Error(`create answered ${code}`);
      }
    }),
  );
  return ((await server.cpu("end")) - cpu) / 1000 / n;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};
const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)} %`;

// Three server processes: two without metrics (A, B) and one with. Each round runs the same
// creates against all three in a rotating order, reading each server's own CPU (the load
// generator's CPU is not in it). The overhead is the median over rounds of with / mean(A, B);
// B / A, measured the same way, is the noise floor — an A/A comparison of identical servers.
const plainA = await serverProcess("plain A", "plain");
const plainB = await serverProcess("plain B", "plain");
const withMetrics = await serverProcess("metered", "metered");
const servers = [plainA, plainB, withMetrics];
for (const s of servers) await createRound(s, 500, 0); // warm-up (JIT, store, sockets)
const ROUNDS = Number(process.env["METRICS_BENCH_ROUNDS"] ?? 20);
const perRound = Math.max(100, Math.round(CREATES / 4));
const cpu = new Map<ServerProcess, number[]>(servers.map((s) => [s, []]));
const ratios: number[] = [];
const calibration: number[] = [];
const loads: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = [...servers.slice(round % 3), ...servers.slice(0, round % 3)];
  if (Math.floor(round / 3) % 2 === 1) order.reverse();
  const ms = new Map<ServerProcess, number>();
  for (const s of order) ms.set(s, await createRound(s, perRound, 500 + round * perRound));
  for (const [s, v] of ms) cpu.get(s)!.push(v);
  const a = ms.get(plainA)!;
  const b = ms.get(plainB)!;
  ratios.push(ms.get(withMetrics)! / ((a + b) / 2));
  calibration.push(b / a);
  loads.push(loadavg()[0]!);
}
const median = (xs: number[]) => quantile(xs, 0.5);
const iqr = (xs: number[]) => `IQR ${pct(quantile(xs, 0.25))} … ${pct(quantile(xs, 0.75))}`;
const overhead = (median(ratios) - 1) * 100;
process.stdout.write(
  `create path over HTTP (${CONCURRENCY} in flight), ${ROUNDS} rotating rounds x ${perRound} creates, API server process CPU per create (median): ` +
    `without metrics A ${median(cpu.get(plainA)!).toFixed(3)} ms, B ${median(cpu.get(plainB)!).toFixed(3)} ms; with ${median(cpu.get(withMetrics)!).toFixed(3)} ms; ` +
    `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`,
);
process.stdout.write(`  with / without: median ${pct(median(ratios))}, ${iqr(ratios)}, min ${pct(Math.min(...ratios))}, max ${pct(Math.max(...ratios))}\n`);
process.stdout.write(`  noise floor, B / A (identical servers): median ${pct(median(calibration))}, ${iqr(calibration)}, min ${pct(Math.min(...calibration))}, max ${pct(Math.max(...calibration))}\n`);
line("metrics overhead on the create path (server CPU, median of rounds)", `${overhead.toFixed(1)} %`, "≤ 5 %", overhead <= 5);
for (const s of servers) s.child.send("stop");

// The instrumentation alone, free of the end-to-end noise: the store operations one create over
// HTTP makes (recorded on a server without metrics) replayed against a store answering at once,
// bare and through the metered store with the request's series looked up and done, as the HTTP
// server does (its `serve`). The difference is the instrumentation's CPU per create.
const ops = await recordCreateOperations();
const isolatedUs = await instrumentationCost(ops);
const plainMs = (median(cpu.get(plainA)!) + median(cpu.get(plainB)!)) / 2;
process.stdout.write(
  `  instrumentation alone (a create's ${ops.length} store operations and its request series, replayed ${ISOLATED_REQUESTS.toLocaleString("en")} times x 15): ` +
    `${isolatedUs.toFixed(2)} µs per create = ${((isolatedUs / 1000 / plainMs) * 100).toFixed(2)} % of a create's server CPU without metrics; load ${loadavg()[0]!.toFixed(1)}\n`,
);

// Scrape with 10,000 pods stored, in this process.
const metered = await meteredServer();
// Scrape with 10,000 pods stored (beyond those created above, in their own namespace).
const pods = metered.cp.client.resource<Pod>("Pod");
for (let i = 0; i < SCRAPE_PODS; i++) await pods.create(JSON.parse(pod(i)) as Pod, { namespace: "default" });
const stored = (await metered.cp.client.resource<Pod>("Pod").list({ limit: 1 })).metadata?.remainingItemCount;
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < 10; i++) {
  const started = performance.now();
  const res = await fetch(`${metered.http.url}/metrics`, { headers: { Authorization: "Bearer t" } });
  bytes = (await res.text()).length;
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const scrapeMs = times[Math.floor(times.length / 2)]!;
process.stdout.write(`/metrics with ${(stored ?? 0) + 1} pods stored: ${(bytes / 1024).toFixed(0)} KiB of exposition text\n`);
line(`scrape of the API server's /metrics (${SCRAPE_PODS.toLocaleString("en")}+ pods), median of 10`, `${scrapeMs.toFixed(1)} ms`, "≤ 200 ms", scrapeMs <= 200);

agent.destroy();
await metered.http.close();
metered.cp.stop();
await metered.cp.store.close();
