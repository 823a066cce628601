/**
 * kube-state-metrics scrape time: the full exposition of a cluster with 10,000 pods (3 nodes,
 * 100 deployments and their replica sets, services), target ≤ 200 ms per scrape; and the cost of
 * keeping a pod's families current on an update (per-object rendering, no rebuild per event).
 */
import type { Pod } from "kubernetes-types/core/v1.js";
import { StateMetrics } from "../plugins/kube-state-metrics/index.js";

const PODS = 10_000;
const TARGET_MS = 200;

function pod(i: number): Pod {
  const deploy = `app-${i % 100}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${deploy}-7d9f8c6b5-${i.toString(36).padStart(5, "x")}`, namespace: `ns-${i % 10}`, uid: `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`, labels: { app: deploy, "pod-template-hash": "7d9f8c6b5" }, creationTimestamp: "2024-05-01T10:00:00Z", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${deploy}-7d9f8c6b5`, uid: `rs-${i % 100}`, controller: true }] },
    spec: { nodeName: `node-${i % 3}`, containers: [{ name: "app", image: "nginx:1.25", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } } }] },
    status: {
      phase: "Running",
      hostIP: `172.18.0.${2 + (i % 3)}`,
      podIP: `10.244.${i % 3}.${i % 250}`,
      startTime: "2024-05-01T10:00:01Z",
      conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "True" }],
      containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "docker.io/library/nginx:1.25", imageID: "docker.io/library/nginx@sha256:abc", containerID: `containerd://${i.toString(16).padStart(64, "0")}`, state: { running: { startedAt: "2024-05-01T10:00:02Z" } } }],
    },
  };
}

const state = new StateMetrics({ allowlist: "pods=[app]" });
const pods = state.stores.find((s) => s.spec.resource === "pods")!;
let t = performance.now();
for (let i = 0; i < PODS; i++) pods.upsert(pod(i) as never);
const buildMs = performance.now() - t;
const deployments = state.stores.find((s) => s.spec.resource === "deployments")!;
for (let i = 0; i < 100; i++) deployments.upsert({ metadata: { name: `app-${i}`, namespace: `ns-${i % 10}`, uid: `d-${i}`, generation: 1 }, spec: { replicas: 100 }, status: { replicas: 100, readyReplicas: 100, availableReplicas: 100, updatedReplicas: 100 } } as never);

const scrape = (): number => {
  const t0 = performance.now();
  bytes = Buffer.byteLength(state.render());
  return performance.now() - t0;
};
let bytes = 0;
const coldMs = scrape();
// A scrape interval's churn: 100 pods change (status updates), then the next scrape.
const churn: number[] = [];
for (let r = 0; r < 10; r++) {
  for (let i = 0; i < 100; i++) {
    const p = pod((r * 100 + i) % PODS);
    p.status!.containerStatuses![0]!.restartCount = r + 1;
    pods.upsert(p as never);
  }
  churn.push(scrape());
}
const churnMs = churn.reduce((a, b) => a + b, 0) / churn.length;

const updates = 20_000;
t = performance.now();
for (let i = 0; i < updates; i++) pods.upsert(pod(i % PODS) as never);
const perUpdateUs = ((performance.now() - t) * 1000) / updates;

// How busy this machine is: a fixed loop that takes ~10 ms on an idle core.
t = performance.now();
let x = 0;
for (let i = 0; i < 1e7; i++) x += i % 7;
const calibrationMs = performance.now() - t + (x < 0 ? 1 : 0);

console.log(`kube-state-metrics with ${PODS.toLocaleString("en-US")} pods: initial store build ${buildMs.toFixed(0)} ms (${((buildMs * 1000) / PODS).toFixed(0)} µs per pod)`);
console.log(`  scrape /metrics (${(bytes / 1e6).toFixed(1)} MB): first ${coldMs.toFixed(0)} ms; after 100 pod updates ${churnMs.toFixed(0)} ms  (target ≤ ${TARGET_MS} ms) ${churnMs <= TARGET_MS ? "OK" : "SLOW"}`);
console.log(`  pod update (re-render one object's families): ${perUpdateUs.toFixed(1)} µs`);
console.log(`  machine load calibration: 1e7-iteration loop ${calibrationMs.toFixed(0)} ms (≈10 ms on an idle core)`);
