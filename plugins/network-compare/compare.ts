import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { ipv4ToUint32 } from "../../core/net/ipv4.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { TraceResult } from "../../core/net/cluster-network.js";
import type { DefinedPlugin } from "../../core/plugins/plugin.js";
import { flannel } from "../cni-flannel/index.js";
import { calico, CalicoNetworkToken, type CalicoMode } from "../cni-calico/index.js";

/** One network plugin variant as `--cni` names it: `flannel`, `flannel:host-gw`, `calico`, `calico:bgp`, `calico:vxlan`, ... */
export interface CniVariant {
  readonly name: string;
  readonly plugin: DefinedPlugin;
  readonly family: "flannel" | "calico";
  readonly encapsulation: string;
}

export function parseCniVariant(spec: string): CniVariant {
  const [family, mode] = spec.split(":");
  if (family === "flannel") {
    if (!mode || mode === "vxlan") return { name: spec, plugin: flannel(), family, encapsulation: "VXLAN (flannel.1, UDP 8472)" };
    if (mode === "host-gw") return { name: spec, plugin: flannel({ backend: { Type: "host-gw" } }), family, encapsulation: "none (routes via node IPs)" };
    if (mode === "udp") return { name: spec, plugin: flannel({ backend: { Type: "udp" } }), family, encapsulation: "UDP through flanneld in userspace (flannel0 TUN, port 8285): two kernel/userspace crossings per packet on each node (modelled as a cost, not timed)" };
    if (mode === "vxlan-directrouting") return { name: spec, plugin: flannel({ backend: { Type: "vxlan", DirectRouting: true } }), family, encapsulation: "VXLAN across subnets only" };
  }
  if (family === "calico") {
    const m = (mode ?? "ipip") as CalicoMode;
    const known: Record<CalicoMode, string> = { ipip: "IPIP (tunl0)", "ipip-crosssubnet": "IPIP across subnets only", bgp: "none (BGP routes)", vxlan: "VXLAN (vxlan.calico, UDP 4789)", "vxlan-crosssubnet": "VXLAN across subnets only" };
    if (known[m]) return { name: spec, plugin: calico({ mode: m }), family, encapsulation: known[m] };
  }
  throw new Error(`unknown network plugin ${JSON.stringify(spec)}: use flannel, flannel:host-gw, flannel:udp, flannel:vxlan-directrouting, calico, calico:ipip, calico:ipip-crosssubnet, calico:bgp, calico:vxlan or calico:vxlan-crosssubnet`);
}

export interface PathFigures {
  readonly path: string;
  readonly outcome: "delivered" | "dropped" | "remote";
  /** Bytes of encapsulation added on the way (outer headers). */
  readonly overhead: number;
  /** Namespaces the packet passed through. */
  readonly hops: number;
  readonly devices: readonly string[];
}

export interface StateFigures {
  readonly routes: number;
  readonly neighbours: number;
  readonly fdb: number;
  readonly iptablesRules: number;
  readonly bgpSessions: number;
  readonly bgpRoutes: number;
}

export interface PluginReport {
  readonly name: string;
  readonly encapsulation: string;
  readonly podMtu: number;
  readonly paths: readonly PathFigures[];
  /** State on one worker at the measured size, and extrapolated (modelled, linear in the number of peers). */
  readonly state: { readonly measured: StateFigures; readonly nodes: number; readonly growth: readonly { nodes: number; state: StateFigures }[] };
  /** Virtual milliseconds until every node routes to a new node's pods, and stops routing to a failed one. */
  readonly convergence: { readonly join: number | null; readonly nodeDeleted: number | null; readonly linkDown: number | null };
  readonly addressing: { readonly perNode: string; readonly reservedPerNode: number };
  readonly networkPolicy: { readonly enforced: boolean; readonly detail: string };
}

export interface CompareOptions {
  cni: readonly string[];
  nodes?: number;
}

const CP = "kubesim-control-plane";

function countState(plane: DataPlane, node: string, calicoSpeaker?: { sessions: Map<number, { state: string }>; learned(): number }): StateFigures {
  const root = plane.node(node)!;
  let fdb = 0;
  for (const d of root.devices.values()) if (d.kind === "vxlan") fdb += d.fdb!.list(plane.clock.now()).length;
  let rules = 0;
  for (const t of root.netfilter.tableNames()) rules += root.netfilter.ruleCount(t);
  const neighbours = root.neigh.list(plane.clock.now()).filter((n) => n.state === "PERMANENT").length;
  return { routes: root.main.size, neighbours, fdb, iptablesRules: rules, bgpSessions: calicoSpeaker ? [...calicoSpeaker.sessions.values()].filter((s) => s.state === "Established").length : 0, bgpRoutes: calicoSpeaker?.learned() ?? 0 };
}

function pathFigures(path: string, t: TraceResult): PathFigures {
  let overhead = 0;
  const devices: string[] = [];
  for (const h of t.hops) {
    const m = /\+(\d+) bytes/.exec(h.detail);
    if (h.step === "encap" && m) overhead += Number(m[1]);
    if ((h.step === "tx" || h.step === "encap" || h.step === "decap") && h.device && devices.at(-1) !== h.device) devices.push(h.device);
  }
  const hops = t.hops.filter((h) => h.step === "rx" || h.step === "decap").length;
  return { path, outcome: t.outcome, overhead, hops, devices };
}

async function cluster(variant: CniVariant, nodes: number): Promise<Cluster> {
  const c = new Cluster({ clock: "virtual", seed: 1, nodes, plugins: ["cni-plugins", "kube-proxy", "node-net-tools", variant.plugin] });
  await c.start();
  await c.clock.sleep(10_000);
  return c;
}

function podNetwork(c: Cluster, node: string): PodNetwork {
  return c.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork);
}

let uid = 0;
function pod(c: Cluster, node: string, name: string): Promise<PodNetworkAttachment> {
  return podNetwork(c, node).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `cmp-${++uid}` });
}

/** Polls (on the virtual clock) until `ok()`; the virtual milliseconds it took, or null after `limitMs`. */
/** Virtual ms from `t0` (default now) until `ok()` holds, checked every `stepMs`; null when `limitMs` passes first. */
async function until(c: Cluster, ok: () => boolean, limitMs: number, stepMs = 100, t0 = c.clock.now()): Promise<number | null> {
  while (c.clock.now() - t0 <= limitMs) {
    if (ok()) return c.clock.now() - t0;
    await c.clock.sleep(stepMs);
  }
  return null;
}

/** True when `root` sends traffic for `ip` somewhere: a route, and for a userspace tunnel (flannel udp) a peer in its relay's table. */
function routed(root: NetNamespace, ip: string): boolean {
  const r = root.route(ipv4ToUint32(ip), 0, 0);
  if (!r || r.route.type !== "unicast" || r.route.prefix === 0) return false;
  const relay = r.route.dev ? root.devices.get(r.route.dev)?.tunRelay : undefined;
  return relay ? relay.peerFor(ipv4ToUint32(ip)) !== undefined : true;
}

async function measure(variant: CniVariant, nodes: number): Promise<PluginReport> {
  const c = await cluster(variant, nodes);
  try {
    const plane = c.resolve<DataPlane>(DataPlaneToken);
    const names = [...c.nodes.keys()];
    const w = names[1]!;
    const a = await pod(c, CP, "a");
    await pod(c, CP, "b");
    const far = await pod(c, w, "c");
    far.stack.listen("TCP", 8080, () => undefined);
    await c.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { type: "NodePort", ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } } as never);
    await c.apply({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-x", namespace: "default", labels: { "kubernetes.io/service-name": "web" } }, addressType: "IPv4", endpoints: [{ addresses: [far.ips[0]!], conditions: { ready: true }, nodeName: w }], ports: [{ name: "", port: 8080, protocol: "TCP" }] } as never);
    await c.clock.sleep(2_000);
    const paths = [
      pathFigures("pod → pod, same node", await c.network.trace("pod/default/a", "pod/default/b:8080")),
      pathFigures("pod → pod, across nodes", await c.network.trace("pod/default/a", "pod/default/c:8080")),
      pathFigures("pod → ClusterIP", await c.network.trace("pod/default/a", "svc/default/web:80")),
      pathFigures("outside → NodePort", await c.network.trace("outside", `nodeport/${CP}:30080`)),
    ];
    const podNs = plane.ownerOf(ipv4ToUint32(a.ips[0]!))!;
    const podMtu = podNs.devices.get("eth0")!.mtu;
    const calicoNet = variant.family === "calico" ? c.resolve(CalicoNetworkToken) : undefined;
    const stateAt = (): StateFigures => countState(plane, w, calicoNet?.nodes.get(w)?.speaker);
    const measured = stateAt();

    // Join: a new node with a pod; from the node's join until every other node routes to the pod.
    const joinedAt = c.clock.now();
    const joined = await c.addNode({ name: "joiner" });
    const jp = await pod(c, joined.name, "j");
    const join = await until(c, () => names.every((n) => routed(plane.node(n)!, jp.ips[0]!)), 600_000, 100, joinedAt);
    // Link down (Calico: BIRD's hold timer; flannel keeps its entries until the Node is deleted).
    let linkDown: number | null = null;
    const victim = names.at(-1)!;
    const vp = await pod(c, victim, "v");
    await c.clock.sleep(5_000);
    if (calicoNet && calicoNet.settings.backend === "bird") {
      calicoNet.nodes.get(victim)!.speaker!.linkDown();
      linkDown = await until(c, () => !routed(plane.node(CP)!, vp.ips[0]!), 600_000, 1_000);
    }
    // Node deleted: until the others stop routing to it.
    await c.removeNode(joined.name);
    const nodeDeleted = await until(c, () => names.every((n) => !plane.node(n) || !routed(plane.node(n)!, jp.ips[0]!)), 600_000);

    // NetworkPolicy: a default deny on the far pod's namespace.
    await c.apply({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: "default" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } } as never);
    await c.clock.sleep(1_000);
    const probe = await c.network.trace("pod/default/a", "pod/default/c:8080");
    const enforced = probe.outcome === "dropped" && probe.reason === "policy-denied";
    return {
      name: variant.name,
      encapsulation: variant.encapsulation,
      podMtu,
      paths,
      state: { measured, nodes, growth: [] },
      convergence: { join, nodeDeleted, linkDown },
      addressing: variant.family === "flannel" ? { perNode: "/24 (the node's podCIDR)", reservedPerNode: 256 } : { perNode: `/${calicoNet!.ipam.pool.blockSize} blocks, claimed as needed, borrowing when the pool is exhausted`, reservedPerNode: 2 ** (32 - calicoNet!.ipam.pool.blockSize) },
      networkPolicy: { enforced, detail: enforced ? "default-deny dropped pod → pod (Felix)" : "policies accepted by the API but not enforced" },
    };
  } finally {
    await c.stop();
  }
}

/** Linear growth per peer from two sizes: count(n) = count(n1) + (n − n1)·slope (modelled). */
function extrapolate(small: StateFigures, n1: number, big: StateFigures, n2: number, n: number): StateFigures {
  const f = (k: keyof StateFigures): number => Math.max(0, Math.round(big[k] + ((big[k] - small[k]) / (n2 - n1)) * (n - n2)));
  return { routes: f("routes"), neighbours: f("neighbours"), fdb: f("fdb"), iptablesRules: f("iptablesRules"), bgpSessions: f("bgpSessions"), bgpRoutes: f("bgpRoutes") };
}

/**
 * Runs the same cluster and workload once per network plugin (separate clusters in this process,
 * virtual clock) and measures each: traced paths (overhead, hops, devices), pod MTU, per-node
 * state and its growth, convergence after a join, a link failure and a Node deletion, address use
 * and NetworkPolicy enforcement.
 */
export async function compareNetworks(options: CompareOptions): Promise<PluginReport[]> {
  const nodes = Math.max(3, options.nodes ?? 5);
  const out: PluginReport[] = [];
  for (const spec of options.cni) {
    const variant = parseCniVariant(spec.trim());
    const big = await measure(variant, nodes);
    const small = await measure(parseCniVariant(spec.trim()), 2);
    const growth = [10, 100, 1000].map((n) => ({ nodes: n, state: extrapolate(small.state.measured, 2, big.state.measured, nodes, n) }));
    out.push({ ...big, state: { ...big.state, growth } });
  }
  return out;
}
