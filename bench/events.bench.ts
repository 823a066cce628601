/**
 * Events, per recorded event: CPU µs from `recorder.event(...)` to the Event stored (correlation,
 * naming, the create request through the in-process API server with Node,RBAC authorization,
 * admission, validation, field tracking, the store), and heap bytes each stored Event keeps.
 *
 * Each pod gets what a pod started by a Deployment gets: `Scheduled` from default-scheduler, then
 * `Pulled` (image present), `Created` and `Started` from its node's kubelet. Pods are spread over
 * 10 nodes, one broadcaster per kubelet (and one for the scheduler), on a virtual clock moving 1 ms
 * per 100 pods. CPU is process CPU time (the machine may be shared): the best and mean of EVENTS_ROUNDS
 * rounds (default 20). Bytes per Event are the heap growth (after a full GC) over the measured
 * Events divided by their count, measured after a warm-up that fills the correlator's LRU caches
 * and the store's watch history, so only what each further Event adds is counted.
 * EVENTS_PODS (default 5,000 measured pods, 20,000 Events); EVENTS_PROFILE=FILE writes a CPU
 * profile of the measured phase; EVENTS_SNAPSHOTS=DIR writes heap snapshots before and after it
 * (before.heapsnapshot, after.heapsnapshot: diff them per Event to see what each one keeps).
 *
 * Then the heap a kubelet's correlator caches keep per pod below their 4,096-entry bound (a node's
 * first few hundred pods): `Pulled`, `Created` and `Started` about each pod's container (a
 * reference with its fieldPath, 1.32's wording) correlated and marked written on 10 correlators,
 * 300 pods each; the Events themselves are made and kept beforehand (the store holds them), so
 * the growth is the caches' own.
 */
import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { Session } from "node:inspector/promises";
import type { Event, ObjectReference, Pod } from "kubernetes-types/core/v1.js";
import { VirtualClock } from "../core/clock/virtual-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { reconcileBootstrapPolicy } from "../core/apiserver/authorization/rbac/reconcile-bootstrap-policy.js";
import { KUBE_SCHEDULER_USER, nodeUser } from "../core/client/client-factory.js";
import { EventBroadcaster } from "../core/events/event-broadcaster.js";
import type { EventRecorder } from "../core/events/event-recorder.js";
import { EventCorrelator } from "../core/events/event-correlator.js";
import { EventNamer } from "../core/events/event-name.js";
import { rfc3339 } from "../core/api/time.js";

const PODS = Number(process.env["EVENTS_PODS"] ?? 5000);
const ROUNDS = Number(process.env["EVENTS_ROUNDS"] ?? 20);
/** Warm-up pods: 4 Events each, past the store's 10,000-event history and the correlator's 4,096-entry caches. */
const WARM_PODS = 4000;
const NODES = 10;
const EVENTS_PER_POD = 4;

const gc = (globalThis as { gc?: () => void }).gc;
const clock = new VirtualClock({ start: Date.UTC(2026, 0, 1) });
const log = createLogger("bench", { level: process.env["EVENTS_LOG"] === "1" ? "error" : "silent" });
const cp = await createControlPlane({ clock, random: new SeededRandom(1), log });
// As a cluster starts: the bootstrap RBAC policy, then the authorizers' caches.
await reconcileBootstrapPolicy(cp.client);
await cp.authorization.start();

const schedulerBroadcaster = new EventBroadcaster({ client: cp.clients.clientFor(KUBE_SCHEDULER_USER), clock, log });
const scheduler = schedulerBroadcaster.newRecorder({ component: "default-scheduler" });
const kubelets: { broadcaster: EventBroadcaster; recorder: EventRecorder; node: string }[] = [];
for (let n = 0; n < NODES; n++) {
  const node = `node-${n}`;
  const broadcaster = new EventBroadcaster({ client: cp.clients.clientFor(nodeUser(node)), clock, log });
  kubelets.push({ broadcaster, recorder: broadcaster.newRecorder({ component: "kubelet", host: node }), node });
}
const broadcasters = [schedulerBroadcaster, ...kubelets.map((k) => k.broadcaster)];

/** A pod as the recorders see it (the involved object): a Deployment's pod, as stored. */
function pod(i: number): Pod {
  const name = `web-7d4b9c8f5-${i.toString(36).padStart(5, "0")}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `6a1e0c1e-5b0e-4b53-9f7c-${i.toString(16).padStart(12, "0")}`, resourceVersion: String(1000 + i) },
    spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
  };
}

/** Records one pod's Events (each recorder writes in the background). */
function recordPod(i: number): void {
  const p = pod(i);
  const k = kubelets[i % NODES]!;
  scheduler.event(p, "Normal", "Scheduled", `Successfully assigned ${p.metadata!.namespace}/${p.metadata!.name} to ${k.node}`);
  k.recorder.event(p, "Normal", "Pulled", `Container image "nginx:1.27" already present on machine`);
  k.recorder.event(p, "Normal", "Created", `Created container nginx`);
  k.recorder.event(p, "Normal", "Started", `Started container nginx`);
}

/** Records pods [from, to) in batches under the broadcasters' queue bound, writing each batch out. */
async function record(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 100) {
    for (let j = i; j < Math.min(to, i + 100); j++) recordPod(j);
    await Promise.all(broadcasters.map((b) => b.flush()));
    await clock.advance(1);
  }
}

const stored = async (): Promise<number> => (await cp.client.resource("Event").list({ namespace: "default", limit: 1 })).metadata?.remainingItemCount ?? 0;

await record(0, WARM_PODS);
const snapshots = process.env["EVENTS_SNAPSHOTS"];
if (snapshots) writeHeapSnapshot(join(snapshots, "before.heapsnapshot"));
gc?.();
const heapBefore = process.memoryUsage().heapUsed;

let session: Session | undefined;
if (process.env["EVENTS_PROFILE"]) {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
const per = Math.ceil(PODS / ROUNDS);
let best = Infinity;
let total = 0;
for (let from = WARM_PODS; from < WARM_PODS + PODS; from += per) {
  const to = Math.min(WARM_PODS + PODS, from + per);
  const cpu = process.cpuUsage();
  await record(from, to);
  const used = process.cpuUsage(cpu);
  total += used.user + used.system;
  best = Math.min(best, (used.user + used.system) / ((to - from) * EVENTS_PER_POD));
}
if (session) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(process.env["EVENTS_PROFILE"]!, JSON.stringify(profile));
  session.disconnect();
}
gc?.();
const heapAfter = process.memoryUsage().heapUsed;
if (snapshots) writeHeapSnapshot(join(snapshots, "after.heapsnapshot"));
const count = PODS * EVENTS_PER_POD;
const inStore = (await stored()) + 1;

process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${count} Events measured after ${WARM_PODS * EVENTS_PER_POD} warm-up ones; ${inStore} stored\n`);
process.stdout.write(`${"recorded Event → stored (CPU)".padEnd(40)} ${best.toFixed(1).padStart(7)} µs/event (mean ${(total / count).toFixed(1)})\n`);
process.stdout.write(`${"heap per stored Event".padEnd(40)} ${gc ? ((heapAfter - heapBefore) / count).toFixed(0).padStart(7) : "  (run with --expose-gc)"} bytes/event\n`);
const cachesPerPod = correlatorHeapPerPod();
process.stdout.write(`${"kubelet correlator caches per pod".padEnd(40)} ${cachesPerPod !== undefined ? cachesPerPod.toFixed(0).padStart(7) : "  (run with --expose-gc)"} bytes/pod (below capacity)\n`);
for (const b of broadcasters) await b.shutdown();
cp.stop();
await cp.authorization.stop();
await cp.store.close();

/** Heap bytes per pod that 10 kubelets' correlators keep for 300 pods' container events each (see the header). */
function correlatorHeapPerPod(): number | undefined {
  if (!gc) return undefined;
  const podsPerNode = 300;
  const namer = new EventNamer();
  const prepared: { node: number; event: Event; written: Event }[] = [];
  let resourceVersion = 1;
  for (let n = 0; n < NODES; n++) {
    const source = Object.freeze({ component: "kubelet", host: `node-${n}` });
    for (let i = 0; i < podsPerNode; i++) {
      const meta = pod(1_000_000 + n * podsPerNode + i).metadata!;
      const container = "nginx";
      const ref: ObjectReference = { kind: "Pod", namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: "v1", resourceVersion: meta.resourceVersion, fieldPath: `spec.containers{${container}}` };
      for (const [reason, message] of [["Pulled", `Container image "nginx:1.27" already present on machine`], ["Created", `Created container: ${container}`], ["Started", `Started container ${container}`]] as const) {
        const now = clock.now();
        const ts = rfc3339(now);
        const event: Event = { apiVersion: "v1", kind: "Event", metadata: { name: namer.name(meta.name!, now), namespace: "default" }, involvedObject: ref, reason, message, source, firstTimestamp: ts, lastTimestamp: ts, count: 1, type: "Normal", reportingComponent: "kubelet", reportingInstance: source.host };
        prepared.push({ node: n, event, written: { ...event, metadata: { ...event.metadata, resourceVersion: String(resourceVersion++) } } });
      }
    }
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const correlators = Array.from({ length: NODES }, () => new EventCorrelator({ clock, namer }));
  for (const { node, event, written } of prepared) {
    const c = correlators[node]!;
    const r = c.correlate(event);
    if (!r.skip) c.updateState(r.key, written);
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // Both kept alive up to the measure.
  return correlators.length > 0 && prepared.length > 0 ? grown / (NODES * podsPerNode) : undefined;
}
