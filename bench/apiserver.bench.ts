/**
 * In-process API server figures (issue "Store and API server core"), each next to its target:
 * - creates/s of a typical ~2 KB Deployment-template Pod through defaulting, validation,
 *   admission and field tracking, with one watcher attached (≥ 50,000/s)
 * - gets/s through the API server (≥ 500,000/s)
 * - listing 150,000 pods by label selector through the API server (≤ 300 ms)
 * - resident memory with 150,000 stored pods (≤ 1.5 GB)
 * - watch delivery to 1,000 watchers (events/s and the time for one write to reach all)
 */
import { loadavg } from "node:os";
import type { Pod } from "kubernetes-types/core/v1.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";

const PODS = Number(process.env["BENCH_PODS"] ?? 150_000);
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** A pod as a ReplicaSet controller would create it from a Deployment template (~2 KB once defaulted). */
function templatePod(i: number, namespace: string): Pod {
  const app = `app-${i % 100}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${app}-7d4b9c8f5-`,
      namespace,
      labels: { app, tier: i % 3 === 0 ? "frontend" : "backend", "pod-template-hash": "7d4b9c8f5" },
      annotations: { "kubesim.io/created-by": "bench" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-7d4b9c8f5`, uid: "6a1e0c1e-5b0e-4b53-9f7c-2b9b8b0f0a11", controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: "main",
          image: `registry.example.com/team/${app}:1.${i % 10}.0`,
          ports: [{ containerPort: 8080, name: "http" }],
          env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "LOG_LEVEL", value: "info" },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
          volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
        },
      ],
      volumes: [{ name: "config", configMap: { name: `${app}-config` } }],
    },
  };
}

function line(label: string, value: string, target: string, ok: boolean): void {
  process.stdout.write(`${label.padEnd(62)} ${value.padStart(16)}   target ${target} ${ok ? "✓" : "✗"}\n`);
}

const cp = await createControlPlane({ clock: new RealClock(), random: new SeededRandom(1), log: createLogger("bench", { level: "silent" }) });
const pods = cp.client.resource<Pod>("Pod");
const namespaces = ["default", "team-a", "team-b", "team-c"];
for (const ns of namespaces.slice(1)) await cp.client.resource("Namespace").create({ metadata: { name: ns } });
const size = JSON.stringify((await pods.create(templatePod(0, "default"), { dryRun: ["All"] }))).length;
process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; pod size after defaulting ${size} bytes of JSON\n`);

// Creates with one watcher attached.
let seen = 0;
const watcher = await pods.watch({ resourceVersion: String(cp.store.currentRevision()) }, () => void seen++);
gc();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
let t = performance.now();
for (let i = 0; i < PODS; i++) await pods.create(templatePod(i, namespaces[i % namespaces.length]!));
let ms = performance.now() - t;
const createRate = PODS / (ms / 1000);
line(`creates/s (${PODS} pods, full pipeline, 1 watcher saw ${seen})`, createRate.toFixed(0), "≥ 50,000/s", createRate >= 50_000);
watcher.stop();
gc();
const mem = process.memoryUsage();
line("resident memory with 150,000 pods (RSS)", `${(mem.rss / MB).toFixed(0)} MB`, "≤ 1,536 MB", mem.rss <= 1536 * MB);
process.stdout.write(`  (RSS grew ${((mem.rss - rssBefore) / MB).toFixed(0)} MB, heap grew ${((mem.heapUsed - heapBefore) / MB).toFixed(0)} MB)\n`);

// Gets.
const names = (await pods.list({ namespace: "default", limit: 1000 })).items.map((p) => p.metadata!.name!);
const GETS = 500_000;
t = performance.now();
for (let i = 0; i < GETS; i++) await pods.get(names[i % names.length]!, { namespace: "default" });
ms = performance.now() - t;
const getRate = GETS / (ms / 1000);
line("gets/s through the API server", getRate.toFixed(0), "≥ 500,000/s", getRate >= 500_000);

// Lists by label selector.
for (const selector of ["app=app-7,tier in (frontend)", "tier!=frontend,app"]) {
  const runs: number[] = [];
  let count = 0;
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    count = (await pods.list({ labelSelector: selector })).items.length;
    runs.push(performance.now() - t);
  }
  const best = Math.min(...runs);
  line(`list 150,000 pods, labelSelector "${selector}" (${count} match)`, `${best.toFixed(0)} ms`, "≤ 300 ms", best <= 300);
}

// Watch delivery to 1,000 watchers.
const WATCHERS = 1000;
let delivered = 0;
let lastAt = 0;
const watches = [];
for (let w = 0; w < WATCHERS; w++) watches.push(await cp.client.resource("ConfigMap").watch({ namespace: "default", resourceVersion: String(cp.store.currentRevision()) }, () => { delivered++; lastAt = performance.now(); }));
const cms = cp.client.resource("ConfigMap");
t = performance.now();
await cms.create({ metadata: { name: "fanout", namespace: "default" } });
const oneWrite = lastAt - t;
const EVENTS = 2000;
delivered = 0;
t = performance.now();
for (let i = 0; i < EVENTS; i++) await cms.create({ metadata: { name: `w${i}`, namespace: "default" } });
ms = performance.now() - t;
line(`watch: one write reaching ${WATCHERS} watchers`, `${(oneWrite * 1000).toFixed(0)} µs`, "(reported)", true);
line(`watch: events delivered/s to ${WATCHERS} watchers (${EVENTS} writes)`, (delivered / (ms / 1000)).toFixed(0), "(reported)", true);
for (const w of watches) w.stop();
await cp.store.close();
