/**
 * Kubelet figures next to their targets (issue "Kubelet, CRI, runtimes and images"):
 * - pods started per second on one node (bound pods → Running/Ready, virtual clock)
 * - 1,000 pods on 10 nodes from Pending (bound) to Running/Ready: wall time per pod (≤ 2 ms) and
 *   memory per running pod beyond the Pod object (≤ 20 KB), measured against the same pods in an
 *   API-only cluster.
 * Beside wall time it prints process and main-thread CPU and how long the event loop sat idle
 * (nothing runnable): wall beyond main-thread CPU plus idle time is the machine's other load. The
 * 1,000-pod run is then repeated in the same process, so the figures of a first (cold) run and of
 * one with V8's compiled code warm are both shown.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { Store } from "../core/store/store.js";
import type { PluginRef } from "../core/plugins/plugin-loader.js";
import images from "../plugins/images/index.js";
import kubelet from "../plugins/kubelet/index.js";
import runtime from "../plugins/runtime-containerd/index.js";
import { POD_NETWORK } from "../test/kubelet/harness.js";

/**
 * CPU time of this process's main thread alone (Linux: /proc/self/task/<pid>/stat, utime + stime in
 * clock ticks of 10 ms), in ms; undefined elsewhere. process.cpuUsage() adds the GC helper threads
 * and the thread pool, which run beside the main thread: the main thread's time is what bounds wall
 * time on an idle machine.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Clock ticks (1/100 s) the hypervisor gave other guests instead of this VM, over all CPUs (Linux /proc/stat `steal`); undefined elsewhere. */
function stealTicks(): number | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
    return Number(fields[8]);
  } catch {
    return undefined;
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const KB = 1024;

function pod(i: number, node: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${i}`, namespace: "default", labels: { app: `app-${i % 10}` } },
    spec: { nodeName: node, containers: [{ name: "app", image: "registry.k8s.io/pause:3.9", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
  };
}

async function run(nodes: number, count: number, withKubelet: boolean): Promise<{ wallMs: number; cpuMs: number; mainMs: number | undefined; idleMs: number; heap: number; stolen: number | undefined }> {
  const plugins: PluginRef[] = withKubelet ? [...POD_NETWORK, images, runtime, kubelet] : [];
  const specs = Array.from({ length: nodes }, (_, i) => ({ name: `node-${i}`, capacity: { pods: "200", cpu: "64", memory: "256Gi" } }));
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: specs, plugins });
  await cluster.start();
  gc();
  const pods = cluster.client.resource<Pod>("Pod");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const loop0 = performance.eventLoopUtilization();
  const steal0 = stealTicks();
  let ready = 0;
  const done = withKubelet
    ? cluster.waitFor<Pod>("Pod", () => false, { timeout: 3_600_000 }).catch(() => undefined)
    : Promise.resolve(undefined);
  const informer = cluster.informers.forResource<Pod>("Pod");
  const allReady = new Promise<void>((resolve) => {
    if (!withKubelet) return resolve();
    informer.addEventHandler({
      onUpdate: (old, p) => {
        const was = old.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        const is = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        if (is && !was && ++ready === count) resolve();
      },
    });
  });
  for (let i = 0; i < count; i++) await pods.create(pod(i, `node-${i % nodes}`));
  await allReady;
  const wallMs = performance.now() - t0;
  const steal1 = stealTicks();
  // Share of the machine's CPU time (all cores) that other guests took during the run.
  const stolen = steal0 !== undefined && steal1 !== undefined ? ((steal1 - steal0) * 10) / (wallMs * cpus().length) : undefined;
  // Time the event loop sat waiting (nothing runnable: timers not due, off-clock work in flight): wall with no CPU.
  const idleMs = performance.eventLoopUtilization(loop0).idle;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const main1 = mainThreadCpuMs();
  const mainMs = main0 !== undefined && main1 !== undefined ? main1 - main0 : undefined;
  const store = cluster.container.resolve<Store>(Store);
  store.compact(store.currentRevision());
  gc();
  const heap = process.memoryUsage().heapUsed;
  await cluster.stop();
  void done;
  return { wallMs, cpuMs, mainMs, idleMs, heap, stolen };
}

const one = await run(1, 100, true);
console.log(`one node: ${(100 / (one.wallMs / 1000)).toFixed(0)} pods started/s (100 pods, ${one.wallMs.toFixed(0)} ms wall)`);

const base = await run(10, 1000, false);
const full = await run(10, 1000, true);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} (wall time is only meaningful on an idle machine; CPU time is what this process spent)`);
console.log(`1,000 pods on 10 nodes Pending(bound) → Running/Ready: ${full.wallMs.toFixed(0)} ms wall, ${(full.wallMs / 1000).toFixed(2)} ms/pod (target ≤ 2 ms); CPU ${(full.cpuMs / 1000).toFixed(2)} ms/pod${full.mainMs !== undefined ? ` (main thread ${(full.mainMs / 1000).toFixed(2)} ms/pod)` : ""}; event loop idle ${(full.idleMs / 1000).toFixed(3)} ms/pod${full.stolen !== undefined ? `; CPU stolen by other guests ${(full.stolen * 100).toFixed(0)} % (wall is comparable only near 0)` : ""}`);
console.log(`memory per running pod beyond the Pod object: ${((full.heap - base.heap) / 1000 / KB).toFixed(1)} KB (target ≤ 20 KB)`);
// The same run again in this process: what a cluster that has been running a while costs (V8 has
// compiled the kubelet's, runtime's and API server's paths; the first run pays for that too).
const warm = await run(10, 1000, true);
console.log(`again, compiled code warm (a second cluster in the same process): ${warm.wallMs.toFixed(0)} ms wall, ${(warm.wallMs / 1000).toFixed(2)} ms/pod; CPU ${(warm.cpuMs / 1000).toFixed(2)} ms/pod${warm.mainMs !== undefined ? ` (main thread ${(warm.mainMs / 1000).toFixed(2)} ms/pod)` : ""}`);
