/**
 * kube-scheduler figures, after upstream scheduler_perf's SchedulingBasic: 5,000 nodes, 1,000
 * initial pods, then 10,000 measured pods — created through the in-process API server, seen by
 * the informers, queued, run through the default profile's framework and bound through
 * pods/binding. Target ≥ 2,000 pods/s. Also: required pod anti-affinity and topology spread
 * variants, and the heap the scheduler's NodeInfo cache takes per node. Run with --expose-gc.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { SharedInformerFactory } from "../core/informers/shared-informer-factory.js";
import { nodeObject } from "../core/cluster/node-registration.js";
import { Scheduler } from "../plugins/kube-scheduler/scheduler.js";
import { SchedulerCache } from "../plugins/kube-scheduler/cache/scheduler-cache.js";
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";

const gc = (globalThis as { gc?: () => void }).gc;
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const NODES = 5000;

type PodShape = (i: number, group: string) => Partial<Pod["spec"]> & object;

function makeNode(i: number): Node {
  const n = nodeObject({ name: `node-${i}`, role: "worker", capacity: { cpu: "4", memory: "32Gi", pods: "110" } }, `10.${Math.floor(i / 256)}.${i % 256}.0/24`, "172.18.0.2", "2026-01-01T00:00:00Z");
  n.metadata!.labels!["topology.kubernetes.io/zone"] = `zone-${i % 3}`;
  return n;
}

function makePod(name: string, labels: Record<string, string>, shape: PodShape, i: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m", memory: "500Mi" } } }], ...shape(i, labels["group"]!) },
  } as Pod;
}

async function workload(title: string, initial: number, measured: number, shape: PodShape): Promise<void> {
  const clock = new RealClock();
  const random = new SeededRandom(1);
  const log = createLogger("bench", { level: "silent" });
  // As scheduler_perf's API server: ServiceAccount and Priority admission off (no service account
  // controller runs, so every pod create would look up a missing "default" account).
  const cp = await createControlPlane({ clock, random, log, disabledAdmission: ["ServiceAccount", "Priority"] });
  // The API server's own informers, as a cluster runs them (authorization, admission's listers).
  await cp.authorization.start();
  const nodes = cp.client.resource<Node>("Node");
  for (let i = 0; i < NODES; i++) await nodes.create(makeNode(i));
  const informers = new SharedInformerFactory({ client: cp.client, clock, random, registry: cp.registry, logger: log });
  const scheduler = new Scheduler({ client: cp.client, informers, clock, random, log, leaderElect: false });
  await scheduler.start();
  const pods = cp.client.resource<Pod>("Pod");
  const waitScheduled = async (n: number): Promise<void> => {
    while (scheduler.stats.scheduled < n) await new Promise((r) => setTimeout(r, 5));
  };
  for (let i = 0; i < initial; i++) await pods.create(makePod(`init-${i}`, { group: "init" }, shape, i));
  await waitScheduled(initial);
  const profile = await startProfile();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < measured; i++) await pods.create(makePod(`pod-${i}`, { group: "measured" }, shape, i));
  const created = performance.now();
  await waitScheduled(initial + measured);
  await scheduler.flushBindings();
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const stuck = scheduler.stats.failed;
  await profile?.(title);
  process.stdout.write(
    `${title}: ${fmt(measured)} pods on ${fmt(NODES)} nodes in ${elapsed.toFixed(2)} s wall → ${fmt(measured / elapsed)} pods/s; ` +
      `${cpuSeconds.toFixed(2)} s of CPU → ${fmt(measured / cpuSeconds)} pods per CPU-second, ${fmt((cpuSeconds * 1e6) / measured)} µs of CPU per pod, load average ${loadavg()[0]!.toFixed(1)} (creating the pods through the API server included; that alone took ${((created - start) / 1000).toFixed(2)} s wall; ${stuck} failed attempts)\n`,
  );
  await scheduler.shutdown();
  await informers.shutdown();
  await cp.authorization.stop();
  cp.stop();
  await cp.store.close();
}

/**
 * SCHEDULER_BENCH_PROFILE=DIR writes a V8 CPU profile of each workload's measured phase only
 * (setup — 5,000 nodes and the initial pods — left out), for Chrome DevTools or speedscope.
 */
async function startProfile(): Promise<((title: string) => Promise<void>) | undefined> {
  const dir = process.env["SCHEDULER_BENCH_PROFILE"];
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async (title) => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    writeFileSync(`${dir}/${title.split(" ")[0]}.cpuprofile`, JSON.stringify(profile));
  };
}

function snapshotMemory(): void {
  const nodes = Array.from({ length: NODES }, (_, i) => makeNode(i));
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  process.stdout.write(`snapshot memory: ${fmt((after - before) / NODES)} bytes per node (NodeInfo + index, Node objects shared with the informer)${gc ? "" : " (run with --expose-gc for a precise figure)"}\n`);
  void cache;
}

const basic: PodShape = () => ({});
const antiAffinity: PodShape = (_i, group) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group } }, topologyKey: "kubernetes.io/hostname" }] } } });
const spread: PodShape = (_i, group) => ({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { group } } }] });

// SCHEDULER_BENCH=basic (or anti, spread, memory; comma-separated) runs only those, e.g. under --cpu-prof.
const only = process.env["SCHEDULER_BENCH"]?.split(",");
const wanted = (name: string): boolean => !only || only.includes(name);
if (wanted("basic")) await workload("SchedulingBasic", 1000, 10_000, basic);
if (wanted("anti")) await workload("SchedulingPodAntiAffinity (required, hostname)", 1000, 2000, antiAffinity);
if (wanted("spread")) await workload("SchedulingPodTopologySpread (zone, DoNotSchedule)", 1000, 2000, spread);
if (wanted("memory")) snapshotMemory();
