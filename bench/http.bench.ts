/**
 * HTTP API server figures next to their targets: creates per second with 16 concurrent
 * keep-alive clients (≥ 5,000/s), listing 10,000 pods as JSON and as a Table (≤ 200 ms each),
 * and the 99th-percentile delay for 1,000 concurrent HTTP watches to see an update (≤ 100 ms).
 * The server runs on the main thread; the load generator runs in a worker thread (the second core).
 */
import { Worker } from "node:worker_threads";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { startHttpServer } from "../core/apiserver/http/index.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";

const LOAD = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { url, token } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 2000 });
const u = new URL(url);
function call(method, path, body, type, accept) {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: "Bearer " + token };
    if (body) { headers["Content-Type"] = type || "application/json"; headers["Content-Length"] = Buffer.byteLength(body); }
    if (accept) headers.Accept = accept;
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent }, (res) => {
      const chunks = []; res.on("data", (c) => chunks.push(c)); res.on("end", () => resolve({ status: res.statusCode, size: chunks.reduce((n, c) => n + c.length, 0) }));
    });
    req.on("error", reject); req.end(body);
  });
}
async function creates(total, concurrency, prefix) {
  let next = 0, failed = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: prefix + i, namespace: "default", labels: { bench: "create" } }, data: { k: String(i) } });
      const r = await call("POST", "/api/v1/namespaces/default/configmaps", body);
      if (r.status !== 201) failed++;
    }
  }));
  return { perSecond: total / ((performance.now() - start) / 1000), failed };
}
async function list(accept, runs) {
  const times = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = await call("GET", "/api/v1/namespaces/bench/pods", undefined, undefined, accept);
    times.push(performance.now() - start); size = r.size;
    if (r.status !== 200) throw new Error("list failed " + r.status);
  }
  return { first: times[0], median: times.slice().sort((a, b) => a - b)[Math.floor(times.length / 2)], size };
}
async function watches(count, updates) {
  const delays = [];
  let sentAt = 0, seen = 0, expected = 0, onAll;
  await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dwatched&resourceVersion=" + workerData.rv, headers: { Authorization: "Bearer " + token }, agent }, (res) => {
      resolve();
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\\n")) >= 0) {
          buf = buf.slice(i + 1);
          delays.push(performance.now() - sentAt);
          if (++seen === expected) onAll();
        }
      });
    });
    req.on("error", reject); req.end();
  })));
  for (let u = 0; u < updates; u++) {
    expected += count;
    const all = new Promise((r) => (onAll = r));
    sentAt = performance.now();
    await call("PATCH", "/api/v1/namespaces/default/configmaps/watched", JSON.stringify({ data: { n: String(u) } }), "application/merge-patch+json");
    await all;
  }
  delays.sort((a, b) => a - b);
  return { p50: delays[Math.floor(delays.length * 0.5)], p99: delays[Math.floor(delays.length * 0.99)], events: delays.length };
}
parentPort.on("message", async (m) => {
  try {
    if (m.op === "creates") parentPort.postMessage(await creates(m.total, m.concurrency, m.prefix));
    if (m.op === "list") parentPort.postMessage(await list(m.accept, m.runs));
    if (m.op === "watches") parentPort.postMessage(await watches(m.count, m.updates));
  } catch (e) { parentPort.postMessage({ error: String(e && e.stack || e) }); }
});
`;

const clock = new RealClock();
const log = createLogger("bench", { level: "silent" });
const cp = await createControlPlane({ clock, random: new SeededRandom(1), log });
const server = await startHttpServer({ apiServer: cp.apiServer, clock, log, port: 0, insecureHttp: true, token: "bench" });

function worker(rv = "0"): { ask<T>(msg: object): Promise<T>; stop(): Promise<number> } {
  const w = new Worker(LOAD, { eval: true, workerData: { url: server.url, token: server.token, rv } });
  return {
    ask: <T>(msg: object) =>
      new Promise<T>((resolve, reject) => {
        w.once("message", (m: T & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
        w.postMessage(msg);
      }),
    stop: () => w.terminate(),
  };
}
const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

// 1. Creates over HTTP, 16 concurrent keep-alive clients.
{
  const w = worker();
  await w.ask({ op: "creates", total: 2000, concurrency: 16, prefix: "warm-" }); // warm-up (JIT, sockets)
  const r = await w.ask<{ perSecond: number; failed: number }>({ op: "creates", total: 20000, concurrency: 16, prefix: "cm-" });
  console.log(`HTTP creates, 16 keep-alive clients:     ${fmt(r.perSecond)}/s  (target ≥ 5,000/s)${r.failed ? `  [${r.failed} failed]` : ""}`);
  await w.stop();
}

// 2. Lists of 10,000 pods as JSON and as a Table.
{
  await cp.client.resource("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
  const pods = cp.client.resource("Pod");
  for (let i = 0; i < 10_000; i++) {
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: `pod-${i}`, namespace: "bench", labels: { app: "bench", i: String(i % 10) } }, spec: { nodeName: `node-${i % 100}`, containers: [{ name: "app", image: "nginx:1.27", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } });
  }
  const w = worker();
  const json = await w.ask<{ first: number; median: number; size: number }>({ op: "list", runs: 7 });
  const table = await w.ask<{ first: number; median: number; size: number }>({ op: "list", runs: 7, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
  console.log(`list 10,000 pods as JSON:                first ${fmt(json.first)} ms, median ${fmt(json.median)} ms, ${fmt(json.size / 1e6, 1)} MB  (target ≤ 200 ms)`);
  console.log(`list 10,000 pods as a Table:             first ${fmt(table.first)} ms, median ${fmt(table.median)} ms, ${fmt(table.size / 1e6, 1)} MB  (target ≤ 200 ms)`);
  await w.stop();
}

// 3. 1,000 concurrent watches seeing an update.
{
  const created = await cp.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched", namespace: "default" }, data: {} });
  const w = worker(created.metadata?.resourceVersion ?? "0");
  const r = await w.ask<{ p50: number; p99: number; events: number }>({ op: "watches", count: 1000, updates: 20 });
  console.log(`1,000 HTTP watches see an update:        p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms over ${fmt(r.events)} deliveries  (target p99 ≤ 100 ms)`);
  await w.stop();
}

await server.close();
