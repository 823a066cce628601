/**
 * Node failure at scale (issue 13): N nodes in 10 zones with 30 pods each (one Deployment), then
 * 10 % of the nodes stop heartbeating. Prints the virtual time and the wall time from the failure
 * until every pod of the dead nodes has been evicted and replaced by a Ready pod on a live node.
 * Runs kube-controller-manager (node lifecycle, taint eviction, ReplicaSet/Deployment) and
 * kube-scheduler on the virtual clock. BENCH_NODES sets N (default 1000, the figure).
 *
 * The kubelets are FAKE (bench only, as in the controller bench): every node renews its Lease
 * every 10 s until it "dies"; pods bound to a live node are marked Running and Ready at once.
 */
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { loadavg } from "node:os";
import { Cluster } from "../core/cluster/cluster.js";
import { rfc3339, rfc3339Micro } from "../core/api/time.js";

const NODES = Number(process.env["BENCH_NODES"] ?? 1000);
const PODS_PER_NODE = 30;
const KILL = Math.max(1, Math.round(NODES / 10));
const ZONES = 10;

// A /14 pod network: 1,024 node CIDRs of /24, so node IPAM has one for every node.
const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, podNetworkCidr: "10.240.0.0/14", plugins: ["kube-controller-manager", "kube-scheduler"] });
await cluster.start();
const clock = cluster.clock;
const nodesApi = cluster.client.resource<Node>("Node");
const leases = cluster.client.resource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" });
const podsApi = cluster.client.resource<Pod>("Pod");
const dead = new Set<string>();
const names = Array.from({ length: NODES }, (_, i) => `node-${i}`);

const wallSetup = performance.now();
for (const [i, name] of names.entries()) {
  const now = rfc3339(clock.now());
  await nodesApi.create({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/region": "sim", "topology.kubernetes.io/zone": `zone-${i % ZONES}` } },
    status: {
      capacity: { cpu: "32", memory: "64Gi", pods: "110" },
      allocatable: { cpu: "32", memory: "64Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  });
  await nodesApi.patch(name, "merge", { status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }], allocatable: { cpu: "32", memory: "64Gi", pods: "110" }, capacity: { cpu: "32", memory: "64Gi", pods: "110" } } }, { subresource: "status" });
  await leases.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(clock.now()) } });
}
// FAKE KUBELET heartbeats: one timer renews every live node's Lease every 10 s.
const heartbeat = clock.setInterval(() => {
  const renewTime = rfc3339Micro(clock.now());
  for (const name of names) if (!dead.has(name)) void leases.patch(name, "merge", { spec: { renewTime } }, { namespace: "kube-node-lease" }).catch(() => undefined);
}, 10_000);
// FAKE KUBELET pods: a pod bound to a live node becomes Running and Ready.
const started = new Set<string>();
cluster.informers.forResource<Pod>("Pod").addEventHandler({
  onUpdate: (_o, pod) => {
    const node = pod.spec?.nodeName;
    if (!node || dead.has(node) || started.has(pod.metadata!.uid!) || pod.metadata?.deletionTimestamp) return;
    started.add(pod.metadata!.uid!);
    const now = rfc3339(clock.now());
    void podsApi.patch(pod.metadata!.name!, "merge", { status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] } }, { namespace: "default", subresource: "status" }).catch(() => undefined);
  },
});

const total = NODES * PODS_PER_NODE;
await cluster.apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${total}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, resources: {requests: {cpu: 10m}}}]}
`);
const ready = (pods: readonly Pod[]) => pods.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.nodeName && !dead.has(p.spec.nodeName) && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
const podLister = cluster.informers.forResource<Pod>("Pod").lister();
while (ready(podLister.list()) < total) await clock.sleep(1_000);
const setupWall = performance.now() - wallSetup;

for (const name of names.slice(0, KILL)) dead.add(name);
const victims = podLister.list().filter((p) => dead.has(p.spec?.nodeName ?? "")).length;
const t0 = clock.now();
const w0 = performance.now();
const cpu0 = process.cpuUsage();
let tainted = -1;
for (;;) {
  const pods = podLister.list();
  if (tainted < 0 && names.slice(0, KILL).every((n) => cluster.informers.forResource<Node>("Node").lister().get(n)?.spec?.taints?.some((t) => t.effect === "NoExecute"))) tainted = clock.now() - t0;
  const evicted = pods.filter((p) => dead.has(p.spec?.nodeName ?? "") && !p.metadata?.deletionTimestamp).length === 0;
  if (evicted && ready(pods) >= total) break;
  await clock.sleep(1_000);
}
const virtual = clock.now() - t0;
const wall = performance.now() - w0;
const cpu = process.cpuUsage(cpu0);
clock.clearInterval(heartbeat);
console.log(`${NODES} nodes in ${ZONES} zones, ${total} pods (setup ${(setupWall / 1000).toFixed(1)} s wall); ${KILL} nodes stop heartbeating with ${victims} pods on them`);
console.log(`all dead nodes tainted NoExecute after       ${(tainted / 1000).toFixed(0).padStart(6)} s virtual   (50 s grace + monitor periods + 0.1 node/s per zone)`);
console.log(`every evicted pod replaced and Ready after   ${(virtual / 1000).toFixed(0).padStart(6)} s virtual   ${(wall / 1000).toFixed(2).padStart(8)} s wall   ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(8)} s CPU (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)})   (300 s toleration after the taint)`);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (wall time is shared with other processes; CPU time is this process's own)`);
await cluster.stop();
