/**
 * The Kubernetes envelope (issue 12): 5,000 nodes and 150,000 pods — 30 Deployments of 5,000 —
 * from apply to all Running, with the default distribution (scheduler, kubelets) on the virtual
 * clock, in one process. Goal ≤ 120 s and ≤ 6 GiB. The Deployments are applied to a running
 * cluster: once every worker node is Ready and untainted and every system DaemonSet and
 * Deployment is Ready (as on a cluster that is up), so the figure is apply → Running, not node
 * start-up. Prints progress every 10 s of wall time (pods created / bound / Running, the
 * scheduler's queue and attempts, the virtual time since apply, the virtual clock's timers
 * pending, fired since apply and held signatures, CPU (the process's, and the main thread's own),
 * the main thread's time in V8's GC pauses (all, and major mark-compacts), RSS, V8's heap in use)
 * so a run cut short by ENVELOPE_MAX_S (default 900) still names where it stood.
 * The end is seen when the informer delivers the last pod's Running (not at the next progress
 * line), so the final CPU and virtual time are those of apply → all Running, not of an idle tail.
 * ENVELOPE_NODES / ENVELOPE_DEPLOYMENTS / ENVELOPE_REPLICAS scale it; ENVELOPE_PROFILE=x.cpuprofile
 * writes a V8 CPU profile of apply → all Running only (not the cluster's start), or of apply → the
 * ENVELOPE_MAX_S stop; ENVELOPE_HEAPSNAPSHOT=prefix writes V8 heap snapshots
 * `prefix.nodes.heapsnapshot` (every node Ready, before apply), `prefix.bound.heapsnapshot`
 * (every pod bound) and `prefix.running.heapsnapshot` (every pod Running) for memory per node and pod.
 * It runs under the Node flags of the `kubesim` launcher (bench-runner: launcher-flags): its heap
 * limit and heap growth are those of a cluster started by `kubesim up`.
 */
import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { writeHeapSnapshot } from "node:v8";
import { Cluster } from "../core/cluster/cluster.js";
import { adaptHeapGrowth } from "../core/cli/heap-growth.js";
import { VirtualClock } from "../core/clock/virtual-clock.js";
import { objectOrTombstoneObject } from "../core/informers/tombstone.js";
import { KubeScheduler } from "../plugins/kube-scheduler/index.js";

const NODES = Number(process.env["ENVELOPE_NODES"] ?? 5000);
const DEPLOYMENTS = Number(process.env["ENVELOPE_DEPLOYMENTS"] ?? 30);
const REPLICAS = Number(process.env["ENVELOPE_REPLICAS"] ?? 5000);
const MAX_S = Number(process.env["ENVELOPE_MAX_S"] ?? 900);
const TOTAL = DEPLOYMENTS * REPLICAS;
const MB = 1024 * 1024;

const t0 = performance.now();
/** The event loop's longest stall since the last line: how long timers and I/O waited behind synchronous work and microtasks. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/**
 * The main thread's own CPU time in seconds (Linux: /proc/self/task/<pid>/stat, in USER_HZ = 1/100 s
 * ticks), NaN elsewhere. The rest of {@link cpu} is V8's helper threads (parallel scavenges, concurrent
 * marking, compilation) and libuv's pool. GC pauses are wall time: on a loaded machine a pause also
 * counts the time the main thread waited for a core, so compare them with this, not with wall time.
 */
const mainCpu = (): number => {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
};
/** Time the main thread spent in V8's GC pauses since start, all and major (mark-compact) only, in ms. */
const gc = { ms: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.ms += e.duration;
    if ((e as { detail?: { kind?: number } | null }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.majorMs += e.duration;
  }
}).observe({ entryTypes: ["gc"] });
const line = (what: string): void => {
  console.log(`${((performance.now() - t0) / 1000).toFixed(1).padStart(7)} s wall  ${cpu().toFixed(1).padStart(7)} s CPU (main thread ${mainCpu().toFixed(1).padStart(6)} s)  GC ${(gc.ms / 1000).toFixed(1).padStart(6)} s (major ${(gc.majorMs / 1000).toFixed(1)} s)  RSS ${(process.memoryUsage().rss / MB).toFixed(0).padStart(6)} MB  heap ${(process.memoryUsage().heapUsed / MB).toFixed(0).padStart(6)} MB  loop stall ${(loopDelay.max / 1e6).toFixed(0).padStart(5)} ms  ${what}`);
  loopDelay.reset();
};

// A /24 per node: 5,000 nodes need a pod network wider than the default /16.
adaptHeapGrowth(); // as the `kubesim` launcher does: V8's own heap growth once the heap passes 512 MB
const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: NODES + 1, logLevel: "error", podNetworkCidr: "100.64.0.0/10" });
let timer: NodeJS.Timeout | undefined;
/** Stops the ENVELOPE_PROFILE profiler and writes its file (set once it runs): a run cut short keeps its profile. */
let writeProfile: (() => Promise<void>) | undefined;
const deadline = setTimeout(() => {
  line(`stopped after ENVELOPE_MAX_S=${MAX_S}`);
  void (writeProfile?.() ?? Promise.resolve()).finally(() => process.exit(2));
}, MAX_S * 1000);
timer = setInterval(() => line("starting the cluster"), 10_000);
await cluster.start();
clearInterval(timer);
line(`cluster of ${NODES} worker nodes started`);
const pods = cluster.informers.forResource<Pod>("Pod");
const nodes = cluster.informers.forResource<Node>("Node");
cluster.informers.start();
await cluster.informers.waitForCacheSync();
const vStart = cluster.clock.now();
/** Whether a plain pod can land on the node: Ready, no NoSchedule / NoExecute taint (not-ready, control-plane, ...). */
const isSchedulable = (node: Node): boolean =>
  !node.spec?.unschedulable && !node.spec?.taints?.some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute") && !!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
/** The schedulable nodes, kept by the informer's events (a pass over every node per check would grow with nodes × wall time). */
const schedulableNodes = new Set<string>();
const track = (node: Node): void => void (isSchedulable(node) ? schedulableNodes.add(node.metadata!.name!) : schedulableNodes.delete(node.metadata!.name!));
nodes.addEventHandler({ onAdd: track, onUpdate: (_old, node) => track(node), onDelete: (node) => void schedulableNodes.delete(objectOrTombstoneObject(node).metadata!.name!) });
const schedulable = (): number => schedulableNodes.size;
await new Promise<void>((resolve) => {
  const check = (): void => {
    if (schedulable() < NODES) return;
    clearInterval(timer);
    resolve();
  };
  timer = setInterval(check, 200);
  const report = setInterval(() => (schedulable() >= NODES ? clearInterval(report) : line(`${schedulable()} of ${NODES} worker nodes Ready and untainted (virtual +${((cluster.clock.now() - vStart) / 1000).toFixed(0)} s)`)), 10_000);
});
line(`all ${NODES} worker nodes Ready (virtual +${((cluster.clock.now() - vStart) / 1000).toFixed(0)} s)`);
// A cluster that is up also has its system workloads up: every DaemonSet's pods (kube-proxy, the CNI
// agent, CSI node plugins: a few per node) and every Deployment's Ready. Without this wait their
// start-up (at 1,000 nodes, thousands of pods and CSI registrations) runs inside apply → Running.
const daemonSets = cluster.informers.forResource<DaemonSet>("DaemonSet");
const deployments = cluster.informers.forResource<Deployment>("Deployment");
cluster.informers.start();
await cluster.informers.waitForCacheSync();
/** The system workloads not yet Ready, as "namespace/name ready/wanted" (workload status only: no pass over pods). */
const systemNotReady = (): string[] => [
  ...daemonSets
    .lister()
    .list()
    .filter((d) => d.metadata?.generation !== d.status?.observedGeneration || (d.status?.numberReady ?? 0) < (d.status?.desiredNumberScheduled ?? 0) || (d.status?.updatedNumberScheduled ?? 0) < (d.status?.desiredNumberScheduled ?? 0))
    .map((d) => `daemonset ${d.metadata?.namespace}/${d.metadata?.name} ${d.status?.numberReady ?? 0}/${d.status?.desiredNumberScheduled ?? 0}`),
  ...deployments
    .lister()
    .list()
    .filter((d) => d.metadata?.generation !== d.status?.observedGeneration || (d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 1))
    .map((d) => `deployment ${d.metadata?.namespace}/${d.metadata?.name} ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`),
];
await new Promise<void>((resolve) => {
  const report = setInterval(() => line(`waiting for system workloads: ${systemNotReady().slice(0, 5).join(", ")}`), 10_000);
  timer = setInterval(() => {
    if (systemNotReady().length > 0) return;
    clearInterval(timer);
    clearInterval(report);
    resolve();
  }, 200);
});
line(`system DaemonSets and Deployments Ready (virtual +${((cluster.clock.now() - vStart) / 1000).toFixed(0)} s)`);
const heapSnapshotPrefix = process.env["ENVELOPE_HEAPSNAPSHOT"];
/** Writes a heap snapshot for the phase when ENVELOPE_HEAPSNAPSHOT is set (a full GC first, so it holds live objects only). */
const heapSnapshot = (phase: string): void => {
  if (!heapSnapshotPrefix) return;
  const file = writeHeapSnapshot(`${heapSnapshotPrefix}.${phase}.heapsnapshot`);
  line(`heap snapshot ${file}`);
};
heapSnapshot("nodes");
const scheduler = cluster.resolve(KubeScheduler);
const profileFile = process.env["ENVELOPE_PROFILE"];
const session = profileFile ? new (await import("node:inspector")).Session() : undefined;
const post = (method: string): Promise<unknown> => new Promise((resolve, reject) => session!.post(method, (err, res) => (err ? reject(err) : resolve(res))));
if (session) {
  session.connect();
  await post("Profiler.enable");
  await post("Profiler.start");
  writeProfile = async () => {
    writeProfile = undefined;
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    (await import("node:fs")).writeFileSync(profileFile!, JSON.stringify(profile));
  };
}
/** The scheduler's counters at apply (the system pods it placed before are not the workload's). */
const stats0 = { ...scheduler.stats };
const fired0 = cluster.clock instanceof VirtualClock ? cluster.clock.fired : 0;
const tApply = performance.now();
const vApply = cluster.clock.now();
const cApply = cpu();
const mApply = mainCpu();
const gcApply = { ...gc };
for (let d = 0; d < DEPLOYMENTS; d++) {
  await cluster.apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${d}, namespace: default}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: web-${d}}}
  template:
    metadata: {labels: {app: web-${d}}}
    spec: {containers: [{name: c, image: "registry.k8s.io/pause:3.10"}]}
`);
}
/** Where the scheduler stands: its queue, its attempts and failures since apply, and the virtual time since apply. */
const schedulerState = (): string => {
  const q = scheduler.queue.size;
  const s = scheduler.stats;
  const c = cluster.clock instanceof VirtualClock ? ` timers ${cluster.clock.pending} pending ${cluster.clock.fired - fired0} fired ${cluster.clock.holding} held` : "";
  return `queue ${q.active}/${q.backoff}/${q.unschedulable} (active/backoff/unschedulable) attempts ${s.attempts - stats0.attempts} failed ${s.failed - stats0.failed} virtual +${((cluster.clock.now() - vApply) / 1000).toFixed(1)} s${c}`;
};
/** The workload's pods by uid: whether each is bound and Running, kept by the informer's events. */
const podState = new Map<string, { bound: boolean; running: boolean }>();
const progress = { created: 0, bound: 0, running: 0 };
/** Called once every pod is Running (set while the bench waits for it). */
let allRunning: (() => void) | undefined;
const forget = (uid: string): void => {
  const was = podState.get(uid);
  if (!was) return;
  podState.delete(uid);
  progress.created--;
  if (was.bound) progress.bound--;
  if (was.running) progress.running--;
};
const record = (p: Pod): void => {
  const uid = p.metadata!.uid!;
  if (!p.metadata?.labels?.["app"]?.startsWith("web-")) return forget(uid);
  const now = { bound: !!p.spec?.nodeName, running: p.status?.phase === "Running" };
  const was = podState.get(uid);
  if (!was) progress.created++;
  progress.bound += Number(now.bound) - Number(was?.bound ?? false);
  progress.running += Number(now.running) - Number(was?.running ?? false);
  podState.set(uid, now);
  if (progress.running >= TOTAL) allRunning?.();
};
pods.addEventHandler({ onAdd: record, onUpdate: (_old, pod) => record(pod), onDelete: (pod) => forget(objectOrTombstoneObject(pod).metadata!.uid!) });
let boundSnapshot = false;
await new Promise<void>((resolve) => {
  allRunning = resolve;
  timer = setInterval(() => {
    const p = progress;
    line(`pods created ${p.created} bound ${p.bound} Running ${p.running} of ${TOTAL}  ${schedulerState()}`);
    if (!boundSnapshot && p.bound >= TOTAL) {
      boundSnapshot = true;
      heapSnapshot("bound");
    }
  }, 10_000);
  if (progress.running >= TOTAL) resolve();
});
allRunning = undefined;
clearInterval(timer);
clearTimeout(deadline);
await writeProfile?.();
const cRun = cpu() - cApply;
const mRun = mainCpu() - mApply;
console.log(`apply -> all ${TOTAL} pods Running: wall ${((performance.now() - tApply) / 1000).toFixed(1)} s, CPU ${cRun.toFixed(1)} s (${((cRun / TOTAL) * 1000).toFixed(2)} ms per pod; main thread ${mRun.toFixed(1)} s), GC pauses ${((gc.ms - gcApply.ms) / 1000).toFixed(1)} s (major ${((gc.majorMs - gcApply.majorMs) / 1000).toFixed(1)} s), RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB, virtual ${((cluster.clock.now() - vApply) / 1000).toFixed(1)} s (goal <= 120 s, <= 6 GiB)`);
heapSnapshot("running");
// cluster.stop() after a large run once never returned: say how long it takes, and where it stands while it runs.
const tStop = performance.now();
const cStop = cpu();
timer = setInterval(() => line(`stopping the cluster (${((performance.now() - tStop) / 1000).toFixed(0)} s)`), 10_000);
await cluster.stop();
clearInterval(timer);
line(`cluster stopped: wall ${((performance.now() - tStop) / 1000).toFixed(1)} s, CPU ${(cpu() - cStop).toFixed(1)} s`);
