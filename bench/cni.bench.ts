/**
 * Network plugins at scale: a cluster of N nodes with flannel (vxlan) and with Calico (IPIP, route
 * reflectors: two reflectors, the mesh off) converged — every node has a route to every other
 * node's pods. Prints wall and CPU time to converge (the CPU time is the figure to compare on a loaded machine), heap used and RSS. The target is ≤ 30 s at 5,000
 * nodes; `CNI_BENCH_NODES=1000,5000` chooses the sizes (default 100,200), `CNI_BENCH_KINDS=flannel` the plugins.
 */
import { loadavg } from "node:os";
import type { Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { DataPlaneToken, type DataPlane } from "../core/net/data-plane.js";
import type { NetNamespace } from "../core/net/netns.js";
import { flannel } from "../plugins/cni-flannel/index.js";
import { calico, calicoRef, CalicoNetworkToken } from "../plugins/cni-calico/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
const sizes = (process.env["CNI_BENCH_NODES"] ?? "100,200").split(",").map(Number);
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

async function run(kind: "flannel" | "calico-rr", n: number): Promise<void> {
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const podNetworkCidr = "10.0.0.0/8";
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, podNetworkCidr, plugins: ["cni-plugins", kind === "flannel" ? flannel() : calico()] });
  await cluster.start();
  try {
    if (kind === "calico-rr") {
      await cluster.client.resource(calicoRef("BGPConfiguration")).create({ metadata: { name: "default" }, spec: { nodeToNodeMeshEnabled: false } } as never);
      await cluster.client.resource(calicoRef("BGPPeer")).create({ metadata: { name: "rr" }, spec: { nodeSelector: "all()", peerSelector: "route-reflector == 'true'" } } as never);
    }
    for (let i = 1; i < n; i++) {
      const rr = kind === "calico-rr" && i <= 2;
      await cluster.addNode({ name: `node-${i}`, ...(rr ? { labels: { "route-reflector": "true" } } : {}) });
      if (rr) await cluster.client.resource<Node>("Node").patch(`node-${i}`, "merge", { metadata: { annotations: { "projectcalico.org/RouteReflectorClusterID": "244.0.0.1" } } });
    }
    const plane = cluster.resolve<DataPlane>(DataPlaneToken);
    const remoteRoutes = (root: NetNamespace): number => {
      let remote = 0;
      for (const r of root.main.routes()) if (r.dev === "flannel.1" || r.proto === "bird") remote++;
      return remote;
    };
    // Cheap while waiting (a table's size counts shared routes without listing them), exact at the end.
    const baseline = new Map<string, number>();
    const converged = (exact = false): boolean => {
      for (const name of plane.nodeNames()) {
        const root = plane.node(name)!;
        if (exact) {
          if (remoteRoutes(root) < n - 1) return false;
          continue;
        }
        let own = baseline.get(name);
        if (own === undefined) baseline.set(name, (own = root.main.size - remoteRoutes(root)));
        if (root.main.size - own < n - 1) return false;
      }
      return true;
    };
    let waited = 0;
    while (!converged() && waited < 600_000) {
      await cluster.clock.sleep(1_000);
      waited += 1_000;
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    gc?.();
    const heap = process.memoryUsage().heapUsed - heap0;
    const sessions = kind === "calico-rr" ? ` sessions=${cluster.resolve(CalicoNetworkToken).fabric.establishedSessions()}` : "";
    console.log(`${kind.padEnd(10)} nodes=${fmt(n).padStart(6)} converged=${converged(true)} wall=${fmt(wall)} ms cpu=${fmt((cpu.user + cpu.system) / 1000)} ms virtual=${fmt(waited)} ms heap=${fmt(heap / 1048576)} MiB rss=${fmt(process.memoryUsage().rss / 1048576)} MiB load=${loadavg().map((l) => l.toFixed(2)).join(",")}${sessions}`);
  } finally {
    await cluster.stop();
  }
}

const kinds = (process.env["CNI_BENCH_KINDS"] ?? "flannel,calico-rr").split(",") as ("flannel" | "calico-rr")[];
for (const n of sizes) for (const kind of kinds) await run(kind, n);
