/**
 * Workload controller figures (issue 12), next to their targets: a cluster of 10 nodes, a
 * 1,000-replica Deployment from apply to all pods created (≤ 0.5 s, ≤ 150 MB RSS) and to all pods
 * Running and Ready, then a rolling update of it to completion.
 *
 * By default it runs three times, each in its own process (so RSS figures do not mix), and prints all three:
 * - FAKE KUBELET (real clock): only kube-controller-manager runs and readiness comes from a fake
 *   kubelet defined below: it binds each new pod round-robin to a node and marks it Running and
 *   Ready through the status subresource, and completes graceful deletions at once. Its cost is
 *   part of the figures. This is the controllers' own cost.
 * - FULL on the virtual clock (the issue's figure): the whole default distribution (scheduler,
 *   kubelets, runtimes, network, kube-proxy, endpoints): pods are bound by the scheduler and
 *   started by the kubelets. The runtimes' simulated latencies (a sandbox takes 250 ms, an image
 *   pull 300 ms plus its size at 40 MB/s, a container start 100 ms: containerd's
 *   CONTAINERD_LATENCIES) pass as simulated time, so the wall time is kubesim's own work.
 * - FULL on the real clock: the same, but those latencies are waited for in real time (for
 *   nginx:1.27 ~1.1 s of every pod's start-up, overlapped across pods), as `kubesim up` runs.
 * `BENCH_CLOCK=real|virtual` picks the clock of a single run (`BENCH_FULL=1`; default virtual).
 * Both run under the Node flags and environment of the `kubesim` launcher
 * (bench-runner: launcher-flags — the runner looks for that text on one line; its young generation
 * is capped at 2 × 4 MB, its old generation collected once it grows 30 % past the last live heap,
 * and glibc's malloc kept to two arenas), as a cluster started by `kubesim up` does.
 * All start measuring once the cluster has settled (every node Ready and untainted, every
 * system pod Ready), so cluster start-up is not counted as the workload's.
 *
 * `BENCH_FULL=1` (or `0`) runs only the full (or fake-kubelet) variant, in this process;
 * `BENCH_PROFILE=file.cpuprofile` then writes a CPU profile of the measured phases (one per phase:
 * `file.created.cpuprofile` from apply to all pods created, `file.ready.cpuprofile` from then to Ready, `file.rolled.cpuprofile` for the rolling update) and
 * `BENCH_ALLOC_PROFILE=file.heapprofile` writes V8 sampling heap profiles of the same phases that count every
 * allocation, including objects already collected (`file.created.heapprofile`, ...; one sample per 32 KiB allocated),
 * to see where a phase's allocation, and so its garbage collection, comes from;
 * `BENCH_MEMORY=1` prints what the RSS is made of at each point (V8 heap spaces, outside the heap),
 * `BENCH_HEAPSNAPSHOT=file.heapsnapshot` writes V8 heap snapshots once the cluster settled, once all
 * pods are Ready and once the rolling update completed (`file.settled.heapsnapshot`, `file.ready.heapsnapshot`, `file.rolled.heapsnapshot`; after a full GC when node
 * runs with `--expose-gc`, e.g. `NODE_OPTIONS=--expose-gc`) and
 * `BENCH_REQUESTS=1` prints the API requests (verb, resource, subresource), watch events and controller syncs per pod of each phase;
 * `BENCH_SERVICE=1` also applies a ClusterIP Service `web` selecting the Deployment's pods first, so its Endpoints, EndpointSlices,
 * kube-proxy's rules on every node and CoreDNS follow every pod (the figures then include what a Service costs per pod).
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import * as v8 from "node:v8";
import { fileURLToPath } from "node:url";
import { ApiServer } from "../core/apiserver/api-server.js";
import { Cluster } from "../core/cluster/cluster.js";
import { adaptHeapGrowth } from "../core/cli/heap-growth.js";
import { Controller } from "../core/controller/controller.js";

const REPLICAS = Number(process.env["BENCH_REPLICAS"] ?? 1000);
/** Which variant this process runs: both (in child processes) unless BENCH_FULL says one. */
const MODE = process.env["BENCH_FULL"] === "1" ? "full" : process.env["BENCH_FULL"] === "0" ? "fake" : "both";
/** The clock of a single run: the full variant's figure is on the virtual clock unless BENCH_CLOCK=real; the fake kubelet's on the real one. */
const CLOCK: "real" | "virtual" = process.env["BENCH_CLOCK"] === "real" || process.env["BENCH_CLOCK"] === "virtual" ? process.env["BENCH_CLOCK"] : MODE === "fake" ? "real" : "virtual";
/** Schedulable nodes; the cluster adds its (NoSchedule-tainted) control-plane node, so 1,000 pods fit under maxPods 110. */
const NODES = 10;
const MB = 1024 * 1024;
/** What the CPU profile of the full variant (BENCH_FULL=1 BENCH_PROFILE=...) shows first. */
const FIRST_BOTTLENECK =
  "First bottleneck (full variant on the virtual clock, apply -> Ready, 2026-11-28): the main thread's CPU, busy the whole phase (on the real clock it also waits ~1 s for the runtimes' simulated pull and start latencies). " +
  "Its profile is spread over every component a pod passes through, no function above ~1.5 % self: the API server's write path ~28 % with field tracking ~8 % and strategic patches and Go form ~14 % under it, " +
  "for ~10 writes per pod (create, binding, 2 kubelet status patches, a token request, ~5 Events); garbage collection ~15 %; the kubelets and runtime ~25 %; watch delivery to ~20 listeners per pod event ~10 %; the scheduler ~8 %. " +
  "Off the main thread (perf, 2026-11-28), V8's optimizing compiler took ~37 % of the process CPU in this phase before the launcher limited inlining; GC helpers ~11 %. " +
  "The rolling update's quadratic scale-down ranking (each of ~600 scale-downs walked 1,000 pods and 2,000 related ones) reads per-node counts from an index; with BENCH_SERVICE=1 the endpoint controllers re-derive only the pods changed since their last sync.";

/** BENCH_SERVICE=1: the Service in front of the Deployment (see the header). */
const SERVICE = process.env["BENCH_SERVICE"] === "1";
const serviceManifest = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
`;

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

/**
 * BENCH_REQUESTS=1: counts every API server call (in-process clients included, which the HTTP
 * metrics do not see) by verb, resource, subresource and user, and the watch events delivered per
 * resource, by wrapping the API server's methods before the cluster starts.
 */
function countRequests(): () => Map<string, number> {
  const counts = new Map<string, number>();
  const bump = (key: string, n = 1): void => void counts.set(key, (counts.get(key) ?? 0) + n);
  const proto = ApiServer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const user = (ctx: unknown): string => ((ctx as { user?: { username?: string } } | undefined)?.user?.username ?? "?").replace(/^system:(serviceaccount:kube-system:|node:)?/, "").replace(/^kube-worker-\d+$|^kubesim-worker\d*$/, "<node>");
  const plural = (type: unknown): string => (type as { descriptor: { plural: string } }).descriptor.plural;
  const wrap = (method: string, describe: (args: unknown[]) => string): void => {
    const original = proto[method]!;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      bump(describe(args));
      return original.apply(this, args);
    };
  };
  for (const m of ["create", "update", "patch", "delete", "deleteCollection"]) wrap(m, (a) => `${m} ${plural(a[0])}  by ${user(a[a.length - 1])}`);
  for (const m of ["updateSubresource", "patchSubresource", "createSubresource"]) wrap(m, (a) => `${m.replace("Subresource", "")} ${plural(a[0])}/${a[3] as string}  by ${user(a[a.length - 1])}`);
  wrap("get", (a) => `get ${plural(a[0])}`);
  wrap("list", (a) => `list ${plural(a[0])}`);
  const watch = proto["watch"]!;
  proto["watch"] = function (this: unknown, ...args: unknown[]) {
    const r = plural(args[0]);
    const opts = args[2] as { fieldSelector?: string; labelSelector?: string };
    bump(`watches open ${r}${opts.fieldSelector ? ` fieldSelector=${opts.fieldSelector.replace(/=[^,]*/g, "=*")}` : ""}`);
    const onEvent = args[3] as (e: { type: string }) => void;
    args[3] = (e: { type: string }) => {
      if (e.type !== "BOOKMARK") bump(`watch events ${r}`);
      onEvent(e);
    };
    return watch.apply(this, args);
  };
  // Reconciles per controller (a sync of one key), to see how well the work queue coalesces events.
  const ctrl = Controller.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const reconcileKey = ctrl["reconcileKey"]!;
  ctrl["reconcileKey"] = function (this: { name: string }, ...args: unknown[]) {
    bump(`syncs by ${this.name}`);
    return reconcileKey.apply(this, args);
  };
  return () => new Map(counts);
}

/** Prints what changed between two tallies, per pod, largest first. */
function printTally(phase: string, before: Map<string, number>, after: Map<string, number>): void {
  const rows = [...after].map(([k, v]) => [k, v - (k.startsWith("watches open") ? 0 : (before.get(k) ?? 0))] as const).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]);
  console.log(`  ${phase}: API calls and watch events per pod (watches open: total)`);
  for (const [k, d] of rows) console.log(`    ${k.startsWith("watches open") ? String(d).padStart(8) : (d / REPLICAS).toFixed(2).padStart(8)}  ${k}`);
}

/** BENCH_MEMORY=1: where the RSS is at each measuring point (V8 heap spaces committed and used, outside the heap), to stderr. */
const MEMORY = process.env["BENCH_MEMORY"] === "1";

function rss(point = ""): number {
  const m = process.memoryUsage();
  if (MEMORY && point) {
    const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name.replace(/_space$/, "")} ${(s.space_size / MB).toFixed(0)}/${(s.space_used_size / MB).toFixed(0)}`).join(", ");
    // With --expose-gc, what is live: the heap used after a full GC (this collects, so later RSS figures are lower than without it).
    const live = global.gc ? (global.gc(), `; live after a full GC ${(process.memoryUsage().heapUsed / MB).toFixed(0)} MB`) : "";
    console.error(`[memory] ${point}${live}: RSS ${(m.rss / MB).toFixed(0)} MB = heap committed ${(m.heapTotal / MB).toFixed(0)} MB (used ${(m.heapUsed / MB).toFixed(0)}; per space committed/used: ${spaces}) + outside the heap ${((m.rss - m.heapTotal) / MB).toFixed(0)} MB (external ${(m.external / MB).toFixed(0)})`);
  }
  return m.rss / MB;
}

/** Writes a heap snapshot after a full GC (with `--expose-gc`), saying what the heap holds then. */
function heapSnapshot(file: string): void {
  global.gc?.();
  const m = process.memoryUsage();
  console.error(`[memory] heap snapshot ${file}: ${global.gc ? "after a full GC" : "without GC (no --expose-gc)"} heap used ${(m.heapUsed / MB).toFixed(0)} MB, RSS ${(m.rss / MB).toFixed(0)} MB`);
  v8.writeHeapSnapshot(file);
}

const isReady = (conditions: { type: string; status: string }[] | undefined): boolean => !!conditions?.some((c) => c.type === "Ready" && c.status === "True");

/** Every node Ready without a node.kubernetes.io taint, every pod Ready or finished: start-up is over. */
async function settled(cluster: Cluster, nodeCount: number): Promise<void> {
  const nodes = cluster.informers.forResource<Node>("Node").lister();
  const pods = cluster.informers.forResource<Pod>("Pod").lister();
  const done = (): boolean =>
    nodes.list().length >= nodeCount &&
    nodes.list().every((n) => isReady(n.status?.conditions) && !(n.spec?.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/"))) &&
    pods.list().every((p) => p.status?.phase === "Succeeded" || isReady(p.status?.conditions));
  const deadline = performance.now() + 300_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error("the cluster did not settle in 300 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Figures of one run, as the child process reports them. */
interface Figures {
  mode: "fake" | "full";
  clock: "real" | "virtual";
  baseRss: number;
  created: number;
  createdCpu: number;
  createdRss: number;
  ready: number;
  readyCpu: number;
  readyRss: number;
  rolled: number;
  rolledCpu: number;
  peakRss: number;
}

async function measure(full: boolean): Promise<Figures> {
  adaptHeapGrowth(); // as the `kubesim` launcher does (a no-op without its --heap-growing-percent=30)
  const requests = process.env["BENCH_REQUESTS"] === "1" ? countRequests() : undefined;
  const cluster = new Cluster({ clock: CLOCK, seed: 1, nodes: NODES + 1, logLevel: "error", ...(full ? {} : { plugins: ["kube-controller-manager"] }) });
  await cluster.start();
  const nodes = [...cluster.nodes.keys()].filter((n) => !n.endsWith("control-plane"));
  const podInformer = cluster.informers.forResource<Pod>("Pod");
  cluster.informers.forResource<Node>("Node");
  cluster.informers.start();
  await cluster.informers.waitForCacheSync();
  await cluster.manager.elected();
  // The cluster's lazy start-up work (the root CA the publisher writes into every namespace; with
  // the full distribution the nodes' network and the system DaemonSets) is not the workload's.
  await cluster.waitFor("ConfigMap", (cm: { metadata?: { name?: string } }) => cm.metadata?.name === "kube-root-ca.crt", { namespace: "default", timeout: 60_000 });
  if (full) await settled(cluster, NODES + 1);
  global.gc?.();
  const baseRss = rss("cluster settled");
  const heapFile = process.env["BENCH_HEAPSNAPSHOT"];
  if (heapFile) heapSnapshot(heapFile.replace(/(\.heapsnapshot)?$/, ".settled.heapsnapshot"));

  /** BENCH_PROFILE=file.cpuprofile: a V8 CPU profile of the measured phases only (not cluster start). */
  const profileFile = process.env["BENCH_PROFILE"];
  /** BENCH_ALLOC_PROFILE=file.heapprofile: a sampling heap profile of each phase, collected objects included. */
  const allocFile = process.env["BENCH_ALLOC_PROFILE"];
  const session = profileFile || allocFile ? new (await import("node:inspector")).Session() : undefined;
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  const startProfiles = async (): Promise<void> => {
    if (profileFile) await post("Profiler.start");
    if (allocFile) await post("HeapProfiler.startSampling", { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  };
  const writeProfile = async (phase: string): Promise<void> => {
    if (!session) return;
    const { writeFileSync } = await import("node:fs");
    if (profileFile) {
      const { profile } = (await post("Profiler.stop")) as { profile: unknown };
      writeFileSync(profileFile.replace(/(\.cpuprofile)?$/, `.${phase}.cpuprofile`), JSON.stringify(profile));
    }
    if (allocFile) {
      const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
      writeFileSync(allocFile.replace(/(\.heapprofile)?$/, `.${phase}.heapprofile`), JSON.stringify(profile));
    }
  };
  if (session) {
    session.connect();
    if (profileFile) await post("Profiler.enable");
    if (allocFile) await post("HeapProfiler.enable");
    await startProfiles();
  }
  const r0 = requests?.();
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  if (SERVICE) await cluster.apply(serviceManifest);
  const t0 = performance.now();
  const c0 = cpu();
  await cluster.apply(manifest("nginx:1.27"));
  await new Promise<void>((resolve) => {
    let web = 0;
    const reg = podInformer.addEventHandler({
      onAdd: (p) => {
        if (p.metadata?.labels?.["app"] === "web" && ++web >= REPLICAS) {
          reg.remove();
          resolve();
        }
      },
    });
  });
  const created = performance.now() - t0;
  const createdCpu = cpu() - c0;
  const createdRss = rss("all pods created");
  await writeProfile("created");
  if (session) await startProfiles();
  const stop = full ? () => undefined : fakeKubelet(cluster, nodes);
  await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.readyReplicas === REPLICAS && d.status?.availableReplicas === REPLICAS, { namespace: "default", timeout: 600_000 });
  const ready = performance.now() - t0;
  const readyCpu = cpu() - c0;
  const readyRss = rss("all pods Ready");
  if (heapFile) heapSnapshot(heapFile.replace(/(\.heapsnapshot)?$/, ".ready.heapsnapshot"));
  const r1 = requests?.();
  if (r0 && r1) printTally("apply -> Ready", r0, r1);
  await writeProfile("ready");
  if (session) await startProfiles();

  const t1 = performance.now();
  const c1 = cpu();
  await cluster.apply(manifest("nginx:1.26")); // an image the built-in catalog has, so real kubelets can pull it
  await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.observedGeneration === 2 && d.status?.updatedReplicas === REPLICAS && d.status?.replicas === REPLICAS && d.status?.availableReplicas === REPLICAS, { namespace: "default", timeout: 600_000 });
  const rolled = performance.now() - t1;
  const rolledCpu = cpu() - c1;
  const peakRss = rss("rolled");
  if (heapFile) heapSnapshot(heapFile.replace(/(\.heapsnapshot)?$/, ".rolled.heapsnapshot"));
  const r2 = requests?.();
  if (r1 && r2) printTally("rolling update", r1, r2);
  stop();
  await writeProfile("rolled");
  session?.disconnect();
  await cluster.stop();
  return { mode: full ? "full" : "fake", clock: CLOCK, baseRss, created, createdCpu, createdRss, ready, readyCpu, readyRss, rolled, rolledCpu, peakRss };
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

function print(f: Figures): void {
  console.log(
    f.mode === "fake"
      ? `FAKE KUBELET (controllers only; readiness from the bench's fake kubelet, see the header; ${f.clock} clock):`
      : f.clock === "virtual"
        ? `FULL default distribution (scheduler, kubelets, runtimes, network) on the virtual clock — THE ISSUE'S FIGURE:`
        : `FULL default distribution on the real clock (the runtimes' simulated pull, sandbox and start latencies waited for in real time):`,
  );
  console.log(`  apply -> all ${REPLICAS} pods created      wall ${fmt(f.created).padStart(9)}  CPU ${fmt(f.createdCpu).padStart(9)}   (target <= 0.5 s)  RSS ${f.createdRss.toFixed(0)} MB (cluster before apply ${f.baseRss.toFixed(0)} MB; target <= 150 MB)`);
  console.log(`  apply -> all pods Running and Ready   wall ${fmt(f.ready).padStart(9)}  CPU ${fmt(f.readyCpu).padStart(9)}   RSS ${f.readyRss.toFixed(0)} MB   (CPU per pod ${(f.readyCpu / REPLICAS).toFixed(2)} ms)`);
  console.log(`  rolling update (25%/25%) to complete  wall ${fmt(f.rolled).padStart(9)}  CPU ${fmt(f.rolledCpu).padStart(9)}   RSS ${f.peakRss.toFixed(0)} MB`);
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
if (MODE === "both") {
  // Each variant in its own process, this script again with BENCH_FULL set: RSS figures stay apart.
  const results: Figures[] = [];
  const variants = [
    { full: false, clock: "real" },
    { full: true, clock: "virtual" },
    { full: true, clock: "real" },
  ];
  for (const { full, clock } of variants) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_FULL: full ? "1" : "0", BENCH_CLOCK: clock, BENCH_JSON: "1" }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    if (r.status !== 0 || !line) {
      process.stdout.write(r.stdout);
      throw new Error(`the ${full ? "full" : "fake-kubelet"} run on the ${clock} clock failed (exit ${r.status})`);
    }
    results.push(JSON.parse(line) as Figures);
  }
  console.log(`${NODES} worker nodes, Deployment of ${REPLICAS} replicas; load average ${load()}`);
  console.log(FIRST_BOTTLENECK);
  for (const f of results) print(f);
} else {
  const f = await measure(MODE === "full");
  if (process.env["BENCH_JSON"] === "1") console.log(JSON.stringify(f));
  else {
    console.log(`${NODES} worker nodes, Deployment of ${REPLICAS} replicas; load average ${load()}`);
    print(f);
  }
}
