/**
 * The pod network's data plane: established-connection messages/s (target ≥ 500,000/s), the
 * first-packet walk to a Service with 10..1,000 services × 10 endpoints in iptables vs IPVS mode
 * (time and rules evaluated), and memory per node of the model.
 */
import { Cluster } from "../core/cluster/cluster.js";
import { PodNetwork } from "../core/cni/pod-network.js";
import { makePacket } from "../core/net/packet.js";
import { ipv4ToUint32, uint32ToIpv4 } from "../core/net/ipv4.js";

import { iptablesRestoreInput } from "../plugins/kube-proxy/iptables-rules.js";
import { ServicePortRulesCache } from "../plugins/kube-proxy/shared-service-ports.js";
import { syncIpvs } from "../plugins/kube-proxy/ipvs-sync.js";
import type { ServicePortInfo } from "../plugins/kube-proxy/service-ports.js";
import type { NetNamespace } from "../core/net/netns.js";

const TARGET = 500_000;
const gc = (globalThis as { gc?: () => void }).gc;

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet"] });
await cluster.start();
const pn = (node: string) => cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork);
const a = await pn("kubesim-control-plane").setUpPod({ sandboxId: "a", podName: "a", podNamespace: "default", podUid: "a" });
const b = await pn("kubesim-worker").setUpPod({ sandboxId: "b", podName: "b", podNamespace: "default", podUid: "b" });

// 1. Established connection: messages/s from a to b across nodes.
{
  const N = 2_000_000;
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  b.stack.listen("TCP", 8080, (conn) => conn.on("data", () => void (++received === N && done())));
  const conn = await a.stack.connect(b.ips[0]!, 8080);
  const msg = new Uint8Array(64);
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    conn.write(msg);
    if ((i & 1023) === 1023) await Promise.resolve();
  }
  await finished;
  const rate = N / ((performance.now() - started) / 1000);
  console.log(`established connection, 64-byte messages       ${fmt(rate).padStart(12)} msg/s   (target ≥ ${fmt(TARGET)}/s: ${rate >= TARGET ? "meets" : "BELOW"})`);
}

// 2. First-packet walk to a service: iptables vs IPVS, as services grow.
function servicePortsFor(count: number, endpointsPer: number): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (let s = 0; s < count; s++) {
    const endpoints = Array.from({ length: endpointsPer }, (_, e) => {
      // Every endpoint is pod b (on the worker) on a port of its own: walks end in b's namespace.
      const ip = b.ips[0]!;
      const port = 8000 + e;
      return { ip, port, key: `${ip}:${port}`, ready: true, serving: true, terminating: false, nodeName: "kubesim-worker" };
    });
    out.push({ name: `default/svc-${s}`, namespace: "default", service: `svc-${s}`, protocol: "tcp", clusterIP: uint32ToIpv4(ipv4ToUint32("10.96.0.10") + s), port: 80, nodePort: 30000 + s, loadBalancerIPs: [], externalIPs: [], externalPolicyLocal: false, internalPolicyLocal: false, endpoints });
  }
  return out;
}

function walkCost(from: NetNamespace, dst: string, rounds: number): { us: number; rules: number; outcome: string } {
  const plane = cluster.network.plane;
  let rules = 0;
  let outcome = "";
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const r = plane.walk(from, makePacket("tcp", 0, 40000 + (i % 20000), ipv4ToUint32(dst), 80, 0, "SYN"));
    rules = r.rulesEvaluated;
    outcome = r.outcome === "delivered" ? "delivered" : (r.reason ?? "");
    for (const c of r.conntrack) c.ns.conntrack.remove(c.entry);
  }
  return { us: ((performance.now() - started) * 1000) / rounds, rules, outcome };
}

const root = cluster.network.plane.node("kubesim-control-plane")!;
const podNs = cluster.network.plane.ownerOf(ipv4ToUint32(a.ips[0]!))!;
const opts = { node: "kubesim-control-plane", clusterCidr: "10.244.0.0/16" };
console.log(`\nfirst packet pod -> last service's cluster IP (10 endpoints each); kube-proxy syncs (generate + iptables-restore; partial: median of 5)`);
console.log(`${"services".padStart(8)} ${"endpoints".padStart(9)}   ${"iptables µs".padStart(11)} ${"rules".padStart(6)}   ${"ipvs µs".padStart(8)} ${"rules".padStart(6)}   ${"full sync ms (cpu)".padStart(20)} ${"partial sync ms (cpu)".padStart(21)}`);
for (const count of [10, 100, 1000]) {
  const ports = servicePortsFor(count, 10);
  const last = ports.at(-1)!.clusterIP;
  const cache = new ServicePortRulesCache(opts);
  const rules = (sp: ServicePortInfo): ReturnType<ServicePortRulesCache["rules"]> => cache.rules(sp);
  // A full sync: every chain generated and restored.
  const cpu0 = process.cpuUsage().user;
  const t0 = performance.now();
  const full = iptablesRestoreInput(ports, opts, { rules });
  root.netfilter.restore(full.text, { noflush: true });
  const fullMs = performance.now() - t0;
  const fullCpuMs = (process.cpuUsage().user - cpu0) / 1000;
  // Partial syncs, each after one service's endpoints changed: only its chains are rewritten
  // (the median of 5; large-cluster mode leaves stale chains for the periodic cleanup, as upstream).
  let current = ports;
  let natChains = full.natChains;
  const partials: number[] = [];
  const partialCpus: number[] = [];
  for (let k = 0; k < 5; k++) {
    const i = (k * 7) % current.length;
    const changed = { ...current[i]!, endpoints: current[i]!.endpoints.slice(0, 10 - (k % 3)) };
    current = current.map((sp, j) => (j === i ? changed : sp));
    const t1 = performance.now();
    const c1 = process.cpuUsage().user;
    const partial = iptablesRestoreInput(current, opts, { nat: natChains, rules, unchanged: (sp) => sp !== changed, deleteStale: count * 10 <= 1000 });
    root.netfilter.restore(partial.text, { noflush: true });
    partials.push(performance.now() - t1);
    partialCpus.push((process.cpuUsage().user - c1) / 1000);
    natChains = partial.natChains;
  }
  const partialMs = partials.sort((x, y) => x - y)[2]!;
  const partialCpuMs = partialCpus.sort((x, y) => x - y)[2]!;
  if (!root.netfilter.chain("nat", "PREROUTING")!.rules.some((r) => r.text.endsWith("-j KUBE-SERVICES"))) root.netfilter.addRule("nat", "PREROUTING", ["-j", "KUBE-SERVICES"]);
  const ipt = walkCost(podNs, last, 2000);
  // IPVS on a fresh copy of the rules: flush the iptables ones, program IPVS.
  root.netfilter.restore("*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n", { noflush: true });
  syncIpvs(root, ports, opts);
  const ipvs = walkCost(podNs, last, 2000);
  // Back to iptables for the next size.
  syncIpvs(root, [], opts);
  root.netfilter.restore("*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n", { noflush: true });
  console.log(`${String(count).padStart(8)} ${String(count * 10).padStart(9)}   ${ipt.us.toFixed(1).padStart(11)} ${String(ipt.rules).padStart(6)}   ${ipvs.us.toFixed(1).padStart(8)} ${String(ipvs.rules).padStart(6)}   ${`${fullMs.toFixed(1)} (${fullCpuMs.toFixed(0)})`.padStart(20)} ${`${partialMs.toFixed(1)} (${partialCpuMs.toFixed(1)})`.padStart(21)}   (${ipt.outcome}/${ipvs.outcome})`);
}

// 3. Memory per node: a node's root namespace plus 10 pods through CNI.
{
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const NODES = 50;
  for (let i = 0; i < NODES; i++) {
    const node = await cluster.addNode({ name: `mem-${i}` });
    const net = node.scope.resolve<PodNetwork>(PodNetwork);
    for (let p = 0; p < 10; p++) await net.setUpPod({ sandboxId: `m${i}-${p}`, podName: `m${i}-${p}`, podNamespace: "default", podUid: `m${i}-${p}` });
  }
  gc?.();
  const per = (process.memoryUsage().heapUsed - before) / NODES;
  console.log(`\nmemory per node (root netns, 10 pods via CNI, the Node object and agents): ${fmt(per / 1024)} KiB`);
}

await cluster.stop();
