/**
 * Store-to-handler delivery per write, in CPU µs (the machine may be shared, so CPU time, not wall
 * time, is the figure), with the informers a full cluster keeps on pods (the controllers bench's
 * layout): kube-controller-manager's one pod informer with 9 indices and 17 handlers (6 of them
 * controllers' enqueue handlers feeding rate-limited work queues), and 11 kubelet-style informers
 * selecting `spec.nodeName`. Writes go straight to the API server's store, so the figure is the
 * store, its watch fan-out, the API server's watch filter, the reflectors, the caches' indices, the
 * handler buffers and the handlers' enqueues — not the write path. Phases: pod creates, pod status
 * updates (the kubelet's patches as they reach the store), and Event creates (watched by none of
 * them: the store's watcher matching only). Each figure is the best and the median of
 * FANOUT_ROUNDS (default 20) rounds' CPU µs per write; BENCH_OPS updates and Event creates
 * (default 4,000), over 1,000 pods.
 */
import { loadavg } from "node:os";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../core/api/object.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { SharedInformerFactory } from "../core/informers/shared-informer-factory.js";
import { Controller } from "../core/controller/controller.js";
import { enqueueRequestForObject, enqueueRequestForOwner } from "../core/controller/enqueue-handlers.js";
import { objectStorageKey } from "../core/store/keys.js";

const N = Number(process.env["BENCH_OPS"] ?? 4000);
/** Pods in the store, as in the controllers bench (its 1,000 replicas): the size of the caches and indices. */
const PODS = 1000;
const ROUNDS = Number(process.env["FANOUT_ROUNDS"] ?? 20);
const NODES = 11;
const clock = new RealClock();
const log = createLogger("bench", { level: "silent" });
const cp = await createControlPlane({ clock, random: new SeededRandom(1), log, disabledAdmission: ["ServiceAccount", "Priority"] });
const factory = new SharedInformerFactory({ client: cp.client, clock });

// kube-controller-manager's pod informer: the namespace index plus 8 more of the same shapes.
const owner = (p: Pod): string | undefined => p.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
const asPod = (o: KubeObject): Pod => o as unknown as Pod;
const pods = factory.forResource<Pod>("Pod", {
  indexers: {
    "controller-uid": (o) => [owner(asPod(o)) ?? `orphan/${o.metadata?.namespace ?? ""}`],
    "controller-uid-state": (o) => (owner(asPod(o)) ? [`${owner(asPod(o))}/${asPod(o).status?.phase === "Running" ? "ready" : "active"}/app=${o.metadata?.labels?.["app"]}`] : []),
    "controller-uid-node": (o) => (owner(asPod(o)) ? [`${owner(asPod(o))}/${asPod(o).spec?.nodeName ?? ""}`] : []),
    "daemonset-uid-node": () => [],
    "spec.nodeName": (o) => (asPod(o).spec?.nodeName ? [asPod(o).spec!.nodeName!] : []),
    "claim-pods-by-node": () => [],
    "claim": () => [],
    "pod-claims": () => [],
  },
});
const controllers: Controller[] = [];
for (let i = 0; i < 6; i++) {
  const c = new Controller({ name: `c${i}`, clock, log, needLeaderElection: false, reconciler: { reconcile: () => undefined } });
  c.watch({ informer: pods, handler: i % 2 ? enqueueRequestForObject<Pod>() : enqueueRequestForOwner<Pod>({ group: "apps", kind: "ReplicaSet" }) });
  controllers.push(c);
}
let seen = 0;
for (let i = 0; i < 11; i++) pods.addEventHandler({ onAdd: () => void seen++, onUpdate: () => void seen++, onDelete: () => void seen++ });
const nodeName = (i: number): string => `node-${i % NODES}`;
for (let i = 0; i < NODES; i++) factory.forResource<Pod>("Pod", { fieldSelector: `spec.nodeName=${nodeName(i)}` }).addEventHandler({ onAdd: () => void seen++, onUpdate: () => void seen++, onDelete: () => void seen++ });

const ac = new AbortController();
factory.start(ac.signal);
await factory.waitForCacheSync();
for (const c of controllers) void c.start(ac.signal);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
await settle();

function pod(i: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `web-7d4b9c8f5-${i.toString(36).padStart(5, "0")}`,
      namespace: "default",
      uid: `uid-${i}`,
      labels: { app: "web", "pod-template-hash": "7d4b9c8f5" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7d4b9c8f5", uid: "rs-uid", controller: true, blockOwnerDeletion: true }],
    },
    spec: { nodeName: nodeName(i), containers: [{ name: "nginx", image: "nginx:1.25" }] },
    status: { phase: "Pending" },
  };
}

function event(i: number): Event {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `web-7d4b9c8f5-${i}.187${i.toString(16)}`, namespace: "default" },
    involvedObject: { kind: "Pod", namespace: "default", name: `web-7d4b9c8f5-${i}` },
    reason: "Pulled",
    message: "Container image already present on machine",
    type: "Normal",
  } as Event;
}

const podKey = (i: number): string => objectStorageKey("pods", "default", pod(i).metadata!.name!);
const current: KubeObject[] = [];
const results: string[] = [];

/** Runs `op` for 0..count-1 in ROUNDS rounds, each ended by letting every handler and worker run; reports the best and the median round's CPU µs per op. */
async function measure(label: string, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const per = Math.ceil(count / ROUNDS);
  const rounds: number[] = [];
  for (let i = 0; i < count; ) {
    const started = process.cpuUsage();
    const end = Math.min(count, i + per);
    const n = end - i;
    while (i < end) await op(i++);
    await settle();
    const { user, system } = process.cpuUsage(started);
    rounds.push((user + system) / n);
  }
  rounds.sort((a, b) => a - b);
  results.push(`${label.padEnd(44)} ${rounds[0]!.toFixed(1).padStart(6)} µs CPU best, ${rounds[rounds.length >> 1]!.toFixed(1).padStart(6)} median`);
}

// Warm-up on objects not measured.
for (let i = 0; i < 500; i++) current[PODS + i] = await cp.store.create(podKey(PODS + i), pod(PODS + i) as KubeObject);
for (let i = 0; i < 500; i++) await cp.store.update(podKey(PODS + i), { ...current[PODS + i]!, status: { phase: "Running" } } as KubeObject);
for (let i = 0; i < 500; i++) await cp.store.delete(podKey(PODS + i));
await settle();

await measure(`pod create (${PODS} pods, 28 informer handlers)`, PODS, async (i) => (current[i] = await cp.store.create(podKey(i), pod(i) as KubeObject)));
await measure("pod status update (28 informer handlers)", N, async (i) => {
  const p = current[i % PODS] as Pod;
  current[i % PODS] = await cp.store.update(podKey(i % PODS), { ...p, status: { ...p.status, phase: p.status?.phase === "Running" ? "Pending" : "Running" } } as KubeObject);
});
await measure("Event create (no watcher)", N, (i) => cp.store.create(objectStorageKey("events", "default", event(i).metadata!.name!), event(i) as unknown as KubeObject));

ac.abort();
factory.shutdown?.();
cp.stop();
process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${PODS} pods, ${N} updates and Events; handlers saw ${seen} notifications\n`);
for (const r of results) console.log(r);
process.exit(0);
