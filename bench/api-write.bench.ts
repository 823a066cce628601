/**
 * The in-process API server's write path, per request, in CPU µs (the machine may be shared, so
 * CPU time, not wall time, is the figure): creates of a ~2 KB template Pod (defaulting, admission,
 * validation, field tracking, store, one watcher), updates of a label, kubelet-style status
 * updates and status patches (field tracking on updates; a merge patch of the whole status, as the kubelet sent it before, and the
 * kubelet's strategic merge patch of what changed, its diff included), a pod's start-up as its kubelet
 * writes it (two status patches per pod: the first names the node's IP, the second the pod's own, so
 * its field set is the pod's alone), Event creates (the scheduler's
 * `Scheduled` events), and status updates by a node's own identity (Node,RBAC authorization of an
 * in-process component). Each figure is the best of 50 rounds (API_WRITE_ROUNDS)' CPU µs per request (and the mean). API_WRITE_PROFILE=FILE writes a CPU profile of the measured phases
 * (with API_WRITE_PROFILE_PHASE=TEXT, of the phase whose label contains TEXT only).
 */
import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { podStatusPatch } from "../plugins/kubelet/pod-status-patch.js";

const N = Number(process.env["BENCH_OPS"] ?? 5000);
/** Rounds per phase (API_WRITE_ROUNDS): more, shorter rounds make the best one likelier to have run undisturbed on a loaded machine. */
const ROUNDS = Number(process.env["API_WRITE_ROUNDS"] ?? 50);

function templatePod(i: number): Pod {
  const app = `app-${i % 100}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${app}-7d4b9c8f5-${i}`,
      namespace: "default",
      labels: { app, "pod-template-hash": "7d4b9c8f5" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-7d4b9c8f5`, uid: "6a1e0c1e-5b0e-4b53-9f7c-2b9b8b0f0a11", controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [{
        name: "main",
        image: `registry.example.com/team/${app}:1.${i % 10}.0`,
        ports: [{ containerPort: 8080, name: "http" }],
        env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "LOG_LEVEL", value: "info" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
        volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
      }],
      volumes: [{ name: "config", configMap: { name: `${app}-config` } }],
      nodeName: `node-${i % 10}`,
    },
  };
}

/** A running pod's status as a kubelet writes it (`round` varies the restart count). */
function runningStatus(pod: Pod, round: number): Pod["status"] {
  const t = "2026-01-01T00:00:00Z";
  return {
    phase: "Running",
    hostIP: "172.18.0.2",
    podIP: "10.244.1.5",
    podIPs: [{ ip: "10.244.1.5" }],
    startTime: t,
    qosClass: "Burstable",
    conditions: [
      { type: "PodReadyToStartContainers", status: "True", lastProbeTime: null, lastTransitionTime: t },
      { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: t },
      { type: "Ready", status: round % 2 ? "False" : "True", lastProbeTime: null, lastTransitionTime: t },
      { type: "ContainersReady", status: round % 2 ? "False" : "True", lastProbeTime: null, lastTransitionTime: t },
      { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: t },
    ],
    containerStatuses: [{
      name: "main", ready: round % 2 === 0, restartCount: round, started: true, image: pod.spec!.containers[0]!.image!, imageID: "sha256:abc",
      containerID: "containerd://0123456789abcdef", state: { running: { startedAt: t } },
    }],
  } as unknown as Pod["status"];
}

/** A pod's status as its kubelet first writes it: the sandbox and container being created (`i` picks the node). */
function startingStatus(i: number): Pod["status"] {
  const t = "2026-01-01T00:00:00Z";
  const notReady = { status: "False", lastProbeTime: null, lastTransitionTime: t, reason: "ContainersNotReady", message: "containers with unready status: [main]" };
  return {
    phase: "Pending",
    hostIP: `172.18.0.${2 + (i % 10)}`,
    hostIPs: [{ ip: `172.18.0.${2 + (i % 10)}` }],
    startTime: t,
    qosClass: "Burstable",
    conditions: [
      { type: "PodReadyToStartContainers", status: "False", lastProbeTime: null, lastTransitionTime: t },
      { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: t },
      { type: "Ready", ...notReady },
      { type: "ContainersReady", ...notReady },
      { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: t },
    ],
    containerStatuses: [{ name: "main", ready: false, restartCount: 0, started: false, image: "registry.example.com/team/app:1.0.0", imageID: "", state: { waiting: { reason: "ContainerCreating" } }, lastState: {} }],
  } as unknown as Pod["status"];
}

/** Then Running and Ready, with the pod's own IP: every pod's kubelet field set differs from the others' by that IP. */
function startedStatus(i: number): Pod["status"] {
  const t = "2026-01-01T00:00:01Z";
  const status = startingStatus(i)!;
  const ip = `10.244.${(i >> 8) & 255}.${i & 255}`;
  return {
    ...status,
    phase: "Running",
    podIP: ip,
    podIPs: [{ ip }],
    conditions: status.conditions!.map((c) => ({ type: c.type, status: "True", lastProbeTime: null, lastTransitionTime: c.status === "True" ? c.lastTransitionTime : t })),
    containerStatuses: [{ ...status.containerStatuses![0]!, ready: true, started: true, imageID: "sha256:abc", containerID: "containerd://0123456789abcdef", state: { running: { startedAt: t } } }],
  } as unknown as Pod["status"];
}

const cp = await createControlPlane({ clock: new RealClock(), random: new SeededRandom(1), log: createLogger("bench", { level: "silent" }), disabledAdmission: ["ServiceAccount", "Priority"] });
await cp.authorization.start();
const pods = cp.client.resource<Pod>("Pod");
const events = cp.client.resource<Event>("Event");
let seen = 0;
const watcher = await pods.watch({ resourceVersion: String(cp.store.currentRevision()) }, () => void seen++);

/** API_WRITE_PROFILE_PHASE=TEXT: only the measured phases whose label contains TEXT are profiled. */
const profilePhase = process.env["API_WRITE_PROFILE_PHASE"];
let session: Session | undefined;
if (process.env["API_WRITE_PROFILE"]) {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  if (!profilePhase) await session.post("Profiler.start");
}

const results: string[] = [];
async function measure(label: string, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await op(count + i); // warm-up: writes of the same shape to objects not measured
  const profiled = session && profilePhase && label.includes(profilePhase);
  if (profiled) await session!.post("Profiler.start");
  // The best of ROUNDS rounds: on a shared machine a round's CPU time also holds other processes' cache and scheduling noise.
  const per = Math.ceil(count / ROUNDS);
  let best = Infinity;
  let total = 0;
  for (let from = 0; from < count; from += per) {
    const to = Math.min(count, from + per);
    const cpu = process.cpuUsage();
    for (let i = from; i < to; i++) await op(i);
    const used = process.cpuUsage(cpu);
    total += used.user + used.system;
    best = Math.min(best, (used.user + used.system) / (to - from));
  }
  if (profiled) {
    const { profile } = await session!.post("Profiler.stop");
    writeFileSync(process.env["API_WRITE_PROFILE"]!, JSON.stringify(profile));
  }
  results.push(`${label.padEnd(56)} ${best.toFixed(1).padStart(7)} µs CPU (mean ${(total / count).toFixed(1)})`);
}

const stored: Pod[] = [];
await measure("pod create (system:masters, 1 watcher)", N, async (i) => {
  stored[i] = await pods.create(templatePod(i)) as Pod;
});
await measure("pod update (PUT, label changed)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await pods.update({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata!.labels, rev: String(i) } } }) as Pod;
});
await measure("pod status update (PUT status, kubelet-shaped)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await pods.updateStatus({ ...p, status: runningStatus(p, 0) }) as Pod;
});
await measure("pod status update again (restartCount, Ready flips)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await pods.updateStatus({ ...p, status: runningStatus(p, 1) }) as Pod;
});
await measure("pod status patch (strategic merge)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await pods.patch(p.metadata!.name!, "strategic", { status: { conditions: [{ type: "Ready", status: "True" }] } }, { namespace: "default", subresource: "status" }) as Pod;
});
await measure("pod status patch (merge, kubelet's whole status)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await pods.patch(p.metadata!.name!, "merge", { status: runningStatus(p, 2 + (i % 2)) }, { namespace: "default", subresource: "status" }) as Pod;
});
await measure("pod status patch (strategic, kubelet's diff, Ready flips)", N, async (i) => {
  const p = stored[i]!;
  const patch = podStatusPatch(p.metadata!.uid!, p.status, runningStatus(p, 3 - (i % 2))!)!;
  stored[i] = await pods.patch(p.metadata!.name!, "strategic", patch, { namespace: "default", subresource: "status" }) as Pod;
});
// Fresh pods (not measured), each then started by its kubelet's two status patches: the first
// owner of their status fields, then the change that names the pod's IP (field sets no other pod has).
const starting: Pod[] = [];
for (let i = 0; i < N + 200; i++) starting[i] = await pods.create({ ...templatePod(i), metadata: { ...templatePod(i).metadata, name: `start-${i}` } }) as Pod;
await measure("pod start-up: 2 status patches (strategic, kubelet's)", N, async (i) => {
  const p = starting[i]!;
  const first = await pods.patch(p.metadata!.name!, "strategic", podStatusPatch(p.metadata!.uid!, p.status, startingStatus(i)!)!, { namespace: "default", subresource: "status" }) as Pod;
  starting[i] = await pods.patch(p.metadata!.name!, "strategic", podStatusPatch(p.metadata!.uid!, first.status, startedStatus(i)!)!, { namespace: "default", subresource: "status" }) as Pod;
});
await measure("Event create (Scheduled)", N, async (i) => {
  const p = stored[i]!;
  await events.create({
    apiVersion: "v1", kind: "Event",
    metadata: { name: `${p.metadata!.name}.${(i + 0x17a0000).toString(16)}`, namespace: "default" },
    involvedObject: { apiVersion: "v1", kind: "Pod", namespace: "default", name: p.metadata!.name!, uid: p.metadata!.uid!, resourceVersion: p.metadata!.resourceVersion! },
    reason: "Scheduled", message: `Successfully assigned default/${p.metadata!.name} to node-${i % 10}`, type: "Normal",
    source: { component: "default-scheduler" }, reportingComponent: "default-scheduler", reportingInstance: "default-scheduler-kubesim",
    firstTimestamp: "2026-01-01T00:00:00Z", lastTimestamp: "2026-01-01T00:00:00Z", count: 1, eventTime: null, action: "Binding",
  } as unknown as Event);
});
// A node's own identity (system:node:<name>, group system:nodes): the Node authorizer and RBAC decide.
const nodePods = Array.from({ length: 10 }, (_, n) => cp.clients.clientFor({ username: `system:node:node-${n}`, groups: ["system:nodes", "system:authenticated"] }).resource<Pod>("Pod"));
await measure("pod status update as system:node:<node> (Node,RBAC)", N, async (i) => {
  const p = stored[i]!;
  stored[i] = await nodePods[i % 10]!.updateStatus({ ...p, status: runningStatus(p, i % 3) }) as Pod;
});

if (session && !profilePhase) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(process.env["API_WRITE_PROFILE"]!, JSON.stringify(profile));
}
session?.disconnect();
watcher.stop();
process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${N} of each; the watcher saw ${seen} events\n`);
for (const r of results) process.stdout.write(`${r}\n`);
cp.stop();
await cp.authorization.stop();
await cp.store.close();
