/**
 * Metrics figures (issue 20), each next to its target:
 * - the API server's create path over HTTP with and without metrics (request counting and
 *   timing, the metered store): overhead ≤ 5%
 * - a scrape of the API server's /metrics with 10,000 pods stored: ≤ 200 ms
 */
import { Agent, request } from "node:http";
import type { Pod } from "kubernetes-types/core/v1.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { startHttpServer } from "../core/apiserver/http/http-server.js";
import { ApiServerMetrics } from "../core/apiserver/metrics/api-server-metrics.js";
import { MeteredStore } from "../core/apiserver/metrics/metered-store.js";
import { MemoryStore } from "../core/store/memory-store.js";

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

async function server(withMetrics: boolean) {
  const metrics = withMetrics ? new ApiServerMetrics() : undefined;
  const store = metrics ? await MeteredStore.wrap(new MemoryStore(), metrics, clock) : new MemoryStore();
  const cp = await createControlPlane({ clock, random: new SeededRandom(1), log, store });
  const http = await startHttpServer({ apiServer: cp.apiServer, clock, log, port: 0, insecureHttp: true, token: "t", ...(metrics ? { metrics } : {}) });
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

/** Creates/s over HTTP with CONCURRENCY requests in flight. */
async function createRate(port: number, n: number): Promise<number> {
  const bodies = Array.from({ length: n }, (_, i) => pod(i));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const code = await post(port, bodies[next++]!);
        if (code !== 201) throw new Error(`create answered ${code}`);
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

const plain = await server(false);
const metered = await server(true);
await createRate(plain.http.port, 500); // warm-up
await createRate(metered.http.port, 500);
const rates = { plain: [] as number[], metered: [] as number[] };
for (let round = 0; round < 3; round++) {
  rates.plain.push(await createRate(plain.http.port, CREATES));
  rates.metered.push(await createRate(metered.http.port, CREATES));
}
const best = (xs: number[]) => Math.max(...xs);
const overhead = (1 - best(rates.metered) / best(rates.plain)) * 100;
process.stdout.write(`create path over HTTP (${CONCURRENCY} in flight), best of 3 x ${CREATES}: without metrics ${best(rates.plain).toFixed(0)}/s, with metrics ${best(rates.metered).toFixed(0)}/s\n`);
line("metrics overhead on the create path", `${overhead.toFixed(1)} %`, "≤ 5 %", overhead <= 5);

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
const median = times[Math.floor(times.length / 2)]!;
process.stdout.write(`/metrics with ${(stored ?? 0) + 1} pods stored: ${(bytes / 1024).toFixed(0)} KiB of exposition text\n`);
line(`scrape of the API server's /metrics (${SCRAPE_PODS.toLocaleString("en")}+ pods), median of 10`, `${median.toFixed(1)} ms`, "≤ 200 ms", median <= 200);

agent.destroy();
for (const s of [plain, metered]) {
  await s.http.close();
  s.cp.stop();
  await s.cp.store.close();
}
