import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import { ipv4ToUint32 as ip } from "../../core/net/ipv4.js";
import { iptablesSave } from "../../core/net/views/iptables-save.js";
import { ipvsadmList } from "../../core/net/views/ipvsadm.js";
import { kubeProxy, proxiers } from "../../plugins/kube-proxy/index.js";
import { endpointChainName, serviceChainName } from "../../plugins/kube-proxy/chain-names.js";
import { endpointSlice, podSandbox, serviceWithEndpoints } from "./service-fixtures.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";
const LB_IP = "172.18.255.200";

function serve(stack: NetworkStack, peers: string[]): void {
  stack.listen("TCP", 8080, (conn) => void peers.push(conn.remoteAddress));
}

function service(cluster: Cluster, name: string, endpoints: { ip: string; node: string }[], spec: Partial<Service["spec"]> = {}): Promise<Service> {
  return serviceWithEndpoints(cluster, name, endpoints, { type: "NodePort", ...spec });
}

test("LoadBalancer with loadBalancerSourceRanges: KUBE-FW- lets listed sources on to KUBE-EXT-, KUBE-PROXY-FIREWALL drops the rest", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy()] });
  await cluster.start();
  try {
    const web = await podSandbox(cluster, W1, "web");
    const peers: string[] = [];
    serve(web.stack, peers);
    await service(cluster, "lb", [{ ip: web.ips[0]!, node: W1 }], { type: "LoadBalancer", loadBalancerSourceRanges: ["172.18.0.1/32"] });
    // What a load balancer (MetalLB in L2 mode) does: the ingress IP in status, traffic sent to a node.
    await cluster.client.resource<Service>("Service").patch("lb", "merge", { status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } }, { namespace: "default", subresource: "status" });
    cluster.network.plane.outside.main.add({ type: "unicast", network: ip(LB_IP), prefix: 32, via: ip("172.18.0.2"), dev: "eth0", scope: "global" });
    await cluster.clock.sleep(1500);

    const fw = serviceChainName("KUBE-FW-", "default/lb", "tcp");
    const ext = serviceChainName("KUBE-EXT-", "default/lb", "tcp");
    const root = cluster.network.plane.node(CP)!;
    const nat = iptablesSave(root.netfilter, 0, { table: "nat" });
    assert.match(nat, `-A KUBE-SERVICES -d ${LB_IP}/32 -p tcp -m comment --comment "default/lb loadbalancer IP" -m tcp --dport 80 -j ${fw}`);
    assert.match(nat, `-A ${fw} -s 172.18.0.1/32 -m comment --comment "default/lb loadbalancer IP" -j ${ext}`);
    assert.match(nat, `-A ${fw} -m comment --comment "other traffic to default/lb will be dropped by KUBE-PROXY-FIREWALL"\n`);
    assert.match(iptablesSave(root.netfilter, 0, { table: "filter" }), `-A KUBE-PROXY-FIREWALL -d ${LB_IP}/32 -p tcp -m comment --comment "default/lb traffic not accepted by ${fw}" -m tcp --dport 80 -j DROP`);

    // The outside host is in the ranges: through KUBE-EXT- (masqueraded to the node, policy Cluster).
    const outside = cluster.network.plane.stack(cluster.network.plane.outside);
    const conn = await outside.connect(LB_IP, 80);
    assert.is(conn.remoteAddress, LB_IP);
    assert.equal(peers, ["172.18.0.2"]);

    // Not in the ranges any more: the packet falls through KUBE-FW- un-DNATed and the firewall drops it.
    await cluster.client.resource<Service>("Service").patch("lb", "merge", { spec: { loadBalancerSourceRanges: ["203.0.113.0/24"] } }, { namespace: "default" });
    await cluster.clock.sleep(1500);
    try {
      await outside.connect(LB_IP, 80, { timeoutMs: 2000 });
      assert.unreachable("a source outside loadBalancerSourceRanges must be dropped");
    } catch (err) {
      assert.match(String(err), /ETIMEDOUT/);
    }
    const trace = await cluster.network.trace("outside", `${LB_IP}:80`);
    assert.is(trace.outcome, "dropped");
    assert.ok(
      trace.hops.some((h) => h.matched?.some((m) => m.includes("KUBE-PROXY-FIREWALL") && m.endsWith("-j DROP"))),
      "the drop is KUBE-PROXY-FIREWALL's rule",
    );
  } finally {
    await cluster.stop();
  }
});

test("partial syncs: a change to one service rewrites only its chains; the other services' rules keep their counters", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy()] });
  await cluster.start();
  try {
    const client = await podSandbox(cluster, CP, "client");
    const a = await podSandbox(cluster, W1, "a");
    const b1 = await podSandbox(cluster, W1, "b1");
    const b2 = await podSandbox(cluster, W1, "b2");
    const peers: string[] = [];
    for (const p of [a, b1, b2]) serve(p.stack, peers);
    const svcA = await service(cluster, "a", [{ ip: a.ips[0]!, node: W1 }], { type: "ClusterIP" });
    await service(cluster, "b", [{ ip: b1.ips[0]!, node: W1 }], { type: "ClusterIP" });
    const proxier = proxiers.get(cluster.network.plane)!.get(CP)!;
    const conn = await client.stack.connect(svcA.spec!.clusterIP!, 80);
    conn.end();
    const sepA = endpointChainName("default/a", "tcp", `${a.ips[0]}:8080`);
    const dnatA = new RegExp(`\\[1:\\d+\\] -A ${sepA} -p tcp .* -j DNAT`);
    const root = cluster.network.plane.node(CP)!;
    assert.match(iptablesSave(root.netfilter, 0, { table: "nat", counters: true }), dnatA);

    const syncs = proxier.syncs;
    await endpointSlice(cluster, "b", [
      { ip: b1.ips[0]!, node: W1 },
      { ip: b2.ips[0]!, node: W1 },
    ]);
    assert.ok(proxier.syncs > syncs);
    assert.is(proxier.lastSyncWrote, 1, "only service b's chains were written");
    const saved = iptablesSave(root.netfilter, 0, { table: "nat", counters: true });
    assert.match(saved, dnatA, "service a's chain was left alone: its counter survives");
    assert.match(saved, `-A ${serviceChainName("KUBE-SVC-", "default/b", "tcp")} -m comment --comment "default/b -> ${b1.ips[0]}:8080" -m statistic --mode random --probability 0.50000000000`);
    // Every node's kube-proxy got the same objects: the service ports were made once for both.
    const other = proxiers.get(cluster.network.plane)!.get(W1)!;
    const portB = (p: typeof proxier): unknown => p.lastPorts.find((sp) => sp.service === "b");
    assert.ok(portB(proxier));
    assert.is(portB(other), portB(proxier));

    // Deleting a service removes its chains (few endpoints: stale chains are deleted every sync).
    await cluster.client.resource("Service").delete("b", { namespace: "default" });
    await cluster.clock.sleep(1500);
    assert.not.match(iptablesSave(root.netfilter, 0, { table: "nat" }), serviceChainName("KUBE-SVC-", "default/b", "tcp"));
    assert.not.match(iptablesSave(root.netfilter, 0, { table: "nat" }), endpointChainName("default/b", "tcp", `${b1.ips[0]}:8080`));
  } finally {
    await cluster.stop();
  }
});

test("IPVS mode: NodePort from outside on every node address, a virtual server per node IP", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy({ mode: "ipvs" })] });
  await cluster.start();
  try {
    const web = await podSandbox(cluster, W1, "web");
    const peers: string[] = [];
    serve(web.stack, peers);
    const svc = await service(cluster, "web", [{ ip: web.ips[0]!, node: W1 }]);
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    const outside = cluster.network.plane.stack(cluster.network.plane.outside);
    for (const nodeIP of ["172.18.0.2", "172.18.0.3"]) {
      const conn = await outside.connect(nodeIP, nodePort);
      assert.is(conn.remoteAddress, nodeIP);
      conn.end();
    }
    // The control plane forwards to the worker's pod and masquerades (KUBE-NODE-PORT → KUBE-MARK-MASQ).
    assert.equal(peers, ["172.18.0.2", web.ips[0]!.replace(/\.\d+$/, ".1")]);
    const view = ipvsadmList(cluster.network.plane.node(CP)!.ipvs);
    assert.match(view, `TCP  172.18.0.2:${nodePort} rr\n  -> ${web.ips[0]}:8080`);
    assert.match(iptablesSave(cluster.network.plane.node(CP)!.netfilter, 0, { table: "nat" }), `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ`);
  } finally {
    await cluster.stop();
  }
});

test.run();
