/**
 * Workload controller figures (issue 12), next to their targets: a cluster of 10 nodes on the
 * real clock, a 1,000-replica Deployment from apply to all pods created (≤ 0.5 s, ≤ 150 MB RSS)
 * and to all pods Running and Ready, then a rolling update of it to completion.
 *
 * By default only kube-controller-manager runs and readiness comes from a FAKE KUBELET defined
 * below: it binds each new pod round-robin to a node and marks it Running and Ready through the
 * status subresource, and completes graceful deletions at once. Its cost is part of the figures.
 * `BENCH_FULL=1` runs the whole default distribution instead (scheduler, kubelets, runtime,
 * network): pods are bound by the scheduler and started by the kubelets.
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../core/cluster/cluster.js";

const REPLICAS = Number(process.env["BENCH_REPLICAS"] ?? 1000);
const FULL = process.env["BENCH_FULL"] === "1";
/** Schedulable nodes; the cluster adds its (NoSchedule-tainted) control-plane node, so 1,000 pods fit under maxPods 110. */
const NODES = 10;
const MB = 1024 * 1024;

const manifest = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "${image}", ports: [{containerPort: 80}]}]}
`;

/** FAKE KUBELET (bench only): bind, mark Running and Ready, finish graceful deletions. */
function fakeKubelet(cluster: Cluster, nodes: string[]): () => void {
  const pods = cluster.client.resource<Pod>("Pod");
  const informer = cluster.informers.forResource<Pod>("Pod");
  const seen = new Set<string>();
  let next = 0;
  const handle = (pod: Pod): void => {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    if (pod.metadata?.deletionTimestamp) {
      if (seen.has(`del/${name}`)) return;
      seen.add(`del/${name}`);
      void pods.delete(name, { namespace: ns, gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (seen.has(name)) return;
    seen.add(name);
    const node = nodes[next++ % nodes.length]!;
    const now = new Date(cluster.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
    void (async () => {
      await pods.createSubresource(name, "binding", { apiVersion: "v1", kind: "Binding", metadata: { name, namespace: ns }, target: { kind: "Node", name: node } }, { namespace: ns });
      const bound = (await pods.get(name, { namespace: ns })) as Pod;
      await pods.updateSubresource(name, "status", { ...bound, status: { ...bound.status, phase: "Running", podIP: "10.244.0.1", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }], containerStatuses: [{ name: "nginx", image: "nginx", imageID: "", ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } }] } }, { namespace: ns });
    })().catch(() => undefined);
  };
  const reg = informer.addEventHandler({ onAdd: handle, onUpdate: (_o, n) => handle(n) });
  return () => reg.remove();
}

function rss(): number {
  return process.memoryUsage().rss / MB;
}

const cluster = new Cluster({ clock: "real", seed: 1, nodes: NODES + 1, logLevel: "error", ...(FULL ? {} : { plugins: ["kube-controller-manager"] }) });
await cluster.start();
const nodes = [...cluster.nodes.keys()].filter((n) => !n.endsWith("control-plane"));
const podInformer = cluster.informers.forResource<Pod>("Pod");
cluster.informers.start();
await cluster.informers.waitForCacheSync();
await cluster.manager.elected();
// The cluster's lazy start-up work (the root CA the publisher writes into every namespace) is not the workload's.
await cluster.waitFor("ConfigMap", (cm: { metadata?: { name?: string } }) => cm.metadata?.name === "kube-root-ca.crt", { namespace: "default", timeout: 60_000 });
const baseRss = rss();

/** BENCH_PROFILE=file.cpuprofile: a V8 CPU profile of the measured phases only (not cluster start). */
const profileFile = process.env["BENCH_PROFILE"];
const session = profileFile ? new (await import("node:inspector")).Session() : undefined;
const post = (method: string): Promise<unknown> => new Promise((resolve, reject) => session!.post(method, (err, res) => (err ? reject(err) : resolve(res))));
if (session) {
  session.connect();
  await post("Profiler.enable");
  await post("Profiler.start");
}
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const t0 = performance.now();
const c0 = cpu();
await cluster.apply(manifest("nginx:1.27"));
await new Promise<void>((resolve) => {
  const check = (): void => {
    if (podInformer.lister().list().length >= REPLICAS) {
      reg.remove();
      resolve();
    }
  };
  const reg = podInformer.addEventHandler({ onAdd: check });
  check();
});
const created = performance.now() - t0;
const createdCpu = cpu() - c0;
const createdRss = rss();
const stop = FULL ? () => undefined : fakeKubelet(cluster, nodes);
await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.readyReplicas === REPLICAS && d.status?.availableReplicas === REPLICAS, { namespace: "default", timeout: 600_000 });
const ready = performance.now() - t0;
const readyCpu = cpu() - c0;
const readyRss = rss();

const t1 = performance.now();
const c1 = cpu();
await cluster.apply(manifest("nginx:1.26")); // an image the built-in catalog has, so real kubelets can pull it
await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.observedGeneration === 2 && d.status?.updatedReplicas === REPLICAS && d.status?.replicas === REPLICAS && d.status?.availableReplicas === REPLICAS, { namespace: "default", timeout: 600_000 });
const rolled = performance.now() - t1;
const rolledCpu = cpu() - c1;
const peakRss = rss();
stop();
if (session) {
  const { profile } = (await post("Profiler.stop")) as { profile: unknown };
  (await import("node:fs")).writeFileSync(profileFile!, JSON.stringify(profile));
  session.disconnect();
}
await cluster.stop();

const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const load = (await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`${NODES} worker nodes, Deployment of ${REPLICAS} replicas (${FULL ? "default distribution: scheduler and kubelets" : "readiness from the bench's FAKE KUBELET, see the header"}); load average ${load}`);
console.log(`apply -> all ${REPLICAS} pods created      wall ${fmt(created).padStart(9)}  CPU ${fmt(createdCpu).padStart(9)}   (target <= 0.5 s)  RSS ${createdRss.toFixed(0)} MB (cluster before apply ${baseRss.toFixed(0)} MB; target <= 150 MB)`);
console.log(`apply -> all pods Running and Ready   wall ${fmt(ready).padStart(9)}  CPU ${fmt(readyCpu).padStart(9)}   RSS ${readyRss.toFixed(0)} MB`);
console.log(`rolling update (25%/25%) to complete  wall ${fmt(rolled).padStart(9)}  CPU ${fmt(rolledCpu).padStart(9)}   RSS ${peakRss.toFixed(0)} MB`);
