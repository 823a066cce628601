import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Node } from "kubernetes-types/core/v1.js";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import type { Connection, NetworkStack } from "../../core/net/sockets.js";
import { ipRoute } from "../../core/net/views/ip-route.js";
import { ipNeigh } from "../../core/net/views/ip-neigh.js";
import { bridgeFdbShow } from "../../core/net/views/bridge-fdb.js";
import { ipAddr, ipLink } from "../../core/net/views/ip-link.js";
import { iptablesSave } from "../../core/net/views/iptables-save.js";
import { flannel, ANNOTATION, Flanneld } from "../../plugins/cni-flannel/index.js";
import { HostGwBackend } from "../../plugins/cni-flannel/host-gw-backend.js";
import type { UdpBackend } from "../../plugins/cni-flannel/udp-backend.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";
const W2 = "kubesim-worker2";

const ipToInt = (ip: string): number => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);

let uid = 0;
function pod(cluster: Cluster, node: string, name: string): Promise<PodNetworkAttachment> {
  uid++;
  return cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `uid-${uid}` });
}

function files(cluster: Cluster, node: string): NodeFileSystem {
  return cluster.nodes.get(node)!.scope.resolve<NodeFileSystem>(NodeFiles);
}

function echo(stack: NetworkStack, port: number, prefix: string, peers: string[] = []): void {
  stack.listen("TCP", port, (conn) => {
    peers.push(conn.remoteAddress);
    conn.on("data", (d) => conn.write(prefix + new TextDecoder().decode(d)));
  });
}

function request(conn: Connection, text: string): Promise<string> {
  return new Promise((resolve) => {
    conn.once("data", (d) => resolve(new TextDecoder().decode(d)));
    conn.write(text);
  });
}

/** Waits until every node carries flannel's lease annotations and every flanneld knows every other lease. */
async function converged(cluster: Cluster): Promise<void> {
  const names = [...cluster.nodes.keys()];
  for (const name of names) await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === name && !!n.metadata.annotations?.[ANNOTATION.publicIP]);
  const registry = cluster.resolve(Flanneld);
  for (let i = 0; i < 100; i++) {
    if (names.every((n) => registry.get(n)?.subnets.leases().length === names.length - 1)) return;
    await cluster.clock.sleep(10);
  }
  assert.unreachable("flanneld did not converge");
}

async function withCluster(nodes: number, backend: Parameters<typeof flannel>[0], fn: (c: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes, plugins: ["cni-plugins", flannel(backend)] });
  await cluster.start();
  try {
    await converged(cluster);
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

test("kube-flannel.yml's objects: kube-flannel-ds DaemonSet and kube-flannel-cfg with net-conf.json", async () => {
  await withCluster(1, {}, async (cluster) => {
    const ds = await cluster.client.resource<DaemonSet>("DaemonSet").get("kube-flannel-ds", { namespace: "kube-flannel" });
    const spec = ds.spec!.template.spec!;
    assert.is(spec.hostNetwork, true);
    assert.equal(spec.initContainers!.map((c) => c.name), ["install-cni-plugin", "install-cni"]);
    assert.equal(spec.containers[0]!.args, ["--ip-masq", "--kube-subnet-mgr"]);
    const cm = await cluster.client.resource<ConfigMap>("ConfigMap").get("kube-flannel-cfg", { namespace: "kube-flannel" });
    assert.equal(JSON.parse(cm.data!["net-conf.json"]!), { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "vxlan" } });
    assert.is(JSON.parse(cm.data!["cni-conf.json"]!).plugins[0].type, "flannel");
  });
});

test("vxlan: subnet.env, flannel.1, the lease annotations, and a real node's ARP/FDB/route entries for every remote node", async () => {
  await withCluster(3, {}, async (cluster) => {
    const plane = cluster.network.plane;
    const nodes = await cluster.client.resource<Node>("Node").list();
    const byName = new Map(nodes.items.map((n) => [n.metadata!.name!, n]));
    const vtep = (name: string): string => JSON.parse(byName.get(name)!.metadata!.annotations![ANNOTATION.backendData]!).VtepMAC;
    const cpNode = byName.get(CP)!;
    assert.is(cpNode.metadata!.annotations![ANNOTATION.backendType], "vxlan");
    assert.is(cpNode.metadata!.annotations![ANNOTATION.publicIP], "172.18.0.2");
    assert.is(cpNode.metadata!.annotations![ANNOTATION.kubeSubnetManager], "true");
    assert.match(cpNode.metadata!.annotations![ANNOTATION.backendData]!, /^\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}$/);
    assert.is(files(cluster, W1).read("/run/flannel/subnet.env"), "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
    assert.ok(files(cluster, W1).exists("/etc/cni/net.d/10-flannel.conflist"));

    const root = plane.node(CP)!;
    assert.match(ipLink(root, { dev: "flannel.1", details: true }), `mtu 1450`);
    assert.match(ipLink(root, { dev: "flannel.1", details: true }), "vxlan id 1 local 172.18.0.2 dev eth0 srcport 0 0 dstport 8472 nolearning");
    assert.match(ipAddr(root, "flannel.1"), "inet 10.244.0.0/32 scope global flannel.1");
    assert.is(root.devices.get("flannel.1")!.mac, vtep(CP), "the annotation carries flannel.1's MAC");
    // What `ip route`, `ip neigh show dev flannel.1` and `bridge fdb show dev flannel.1` print on a real node.
    const routes = ipRoute(root);
    assert.match(routes, "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink\n");
    assert.match(routes, "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n");
    assert.is(ipNeigh(root, 0, "flannel.1").split("\n").filter(Boolean).sort().join("\n"), [`10.244.1.0 lladdr ${vtep(W1)} PERMANENT`, `10.244.2.0 lladdr ${vtep(W2)} PERMANENT`].join("\n"));
    assert.is(bridgeFdbShow(root, 0, { dev: "flannel.1" }).split("\n").filter(Boolean).sort().join("\n"), [`${vtep(W1)} dst 172.18.0.3 self permanent`, `${vtep(W2)} dst 172.18.0.4 self permanent`].sort().join("\n"));
    const nat = iptablesSave(root.netfilter, 0, { table: "nat" });
    assert.match(nat, `-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG`);
    assert.match(nat, `-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN`);
    assert.match(nat, `-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`);
    assert.match(iptablesSave(root.netfilter, 0, { table: "filter" }), `-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT`);
  });
});

test("vxlan: pods on cni0 reach each other on one node and across nodes; the trace shows the encapsulation", async () => {
  await withCluster(2, {}, async (cluster) => {
    const a = await pod(cluster, CP, "a");
    const b = await pod(cluster, CP, "b");
    const c = await pod(cluster, W1, "c");
    assert.equal([a.ips, b.ips, c.ips], [["10.244.0.2"], ["10.244.0.3"], ["10.244.1.2"]]);
    const plane = cluster.network.plane;
    const root = plane.node(CP)!;
    assert.match(ipAddr(root, "cni0"), "inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0");
    assert.match(ipRoute(root), "10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1\n");
    const podNs = plane.ownerOf(0x0af40002)!;
    assert.is(podNs.devices.get("eth0")!.mtu, 1450, "pods get FLANNEL_MTU");
    assert.match(ipRoute(podNs), "default via 10.244.0.1 dev eth0\n");
    assert.match(ipRoute(podNs), "10.244.0.0/16 via 10.244.0.1 dev eth0\n");
    assert.ok(files(cluster, CP).exists("/var/lib/cni/flannel/sb-a"), "the delegate config is saved per container");
    assert.ok(files(cluster, CP).exists("/var/lib/cni/networks/cbr0/10.244.0.2"), "host-local keeps the reservation under the network name");

    const peersB: string[] = [];
    const peersC: string[] = [];
    echo(b.stack, 8080, "b:", peersB);
    echo(c.stack, 8080, "c:", peersC);
    assert.is(await request(await a.stack.connect("10.244.0.3", 8080), "hi"), "b:hi");
    assert.is(await request(await a.stack.connect("10.244.1.2", 8080), "there"), "c:there");
    assert.equal([peersB, peersC], [["10.244.0.2"], ["10.244.0.2"]], "no masquerading inside the flannel network");

    const t = await cluster.network.trace("pod/default/a", "pod/default/c:8080");
    assert.is(t.outcome, "delivered");
    const encap = t.hops.find((h) => h.step === "encap")!;
    assert.is(encap.device, "flannel.1");
    assert.match(encap.detail, "vxlan vni 1: +50 bytes to 172.18.0.3");
    assert.match(encap.packet, "udp 172.18.0.2:");
    assert.match(encap.packet, "> 172.18.0.3:8472");
    assert.ok(t.hops.some((h) => h.step === "decap" && h.node === W1 && h.device === "flannel.1"));
    const big = await cluster.network.trace("pod/default/a", "pod/default/c:8080", { payload: 1411 });
    assert.is(big.reason, "mtu-exceeded", "a 1451-byte DF packet does not fit the pod's 1450 MTU");

    await cluster.nodes.get(CP)!.scope.resolve<PodNetwork>(PodNetwork).tearDownPod({ sandboxId: "sb-a", podName: "a", podNamespace: "default", podUid: "" });
    assert.not.ok(files(cluster, CP).exists("/var/lib/cni/flannel/sb-a"));
    assert.not.ok(files(cluster, CP).exists("/var/lib/cni/networks/cbr0/10.244.0.2"));
  });
});

test("node join and removal update every other node's ARP, FDB and route entries", async () => {
  await withCluster(2, {}, async (cluster) => {
    const root = cluster.network.plane.node(CP)!;
    assert.not.match(ipRoute(root), "10.244.2.0/24");
    await cluster.addNode({ name: "late" });
    await converged(cluster);
    assert.match(ipRoute(root), "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n");
    assert.match(ipNeigh(root, 0, "flannel.1"), "10.244.2.0 lladdr");
    assert.match(bridgeFdbShow(root, 0, { dev: "flannel.1" }), "dst 172.18.0.4 self permanent");
    await cluster.removeNode("late");
    for (let i = 0; i < 50 && ipRoute(root).includes("10.244.2.0/24"); i++) await cluster.clock.sleep(10);
    assert.not.match(ipRoute(root), "10.244.2.0/24");
    assert.not.match(ipNeigh(root, 0, "flannel.1"), "10.244.2.0");
    assert.not.match(bridgeFdbShow(root, 0, { dev: "flannel.1" }), "172.18.0.4");
    assert.match(ipRoute(cluster.network.plane.node(W1)!), "10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink\n", "the remaining peers keep each other");
  });
});

test("host-gw: routes via the node IPs, no tunnel device, full MTU, pods reach each other unencapsulated", async () => {
  await withCluster(2, { backend: { Type: "host-gw" } }, async (cluster) => {
    const plane = cluster.network.plane;
    const root = plane.node(CP)!;
    assert.match(ipRoute(root), "10.244.1.0/24 via 172.18.0.3 dev eth0\n");
    assert.not.ok(root.devices.has("flannel.1"));
    assert.match(files(cluster, CP).read("/run/flannel/subnet.env")!, "FLANNEL_MTU=1500\n");
    const node = await cluster.client.resource<Node>("Node").get(CP);
    assert.is(node.metadata!.annotations![ANNOTATION.backendType], "host-gw");
    assert.is(node.metadata!.annotations![ANNOTATION.backendData], "null");
    const a = await pod(cluster, CP, "a");
    const c = await pod(cluster, W1, "c");
    echo(c.stack, 80, "c:");
    assert.is(await request(await a.stack.connect(c.ips[0]!, 80), "x"), "c:x");
    const t = await cluster.network.trace("pod/default/a", "pod/default/c:80");
    assert.is(t.outcome, "delivered");
    assert.not.ok(t.hops.some((h) => h.step === "encap"));
  });
});

test("vxlan DirectRouting: same-subnet peers are routed directly, without encapsulation", async () => {
  await withCluster(2, { backend: { Type: "vxlan", DirectRouting: true } }, async (cluster) => {
    const root = cluster.network.plane.node(CP)!;
    assert.match(ipRoute(root), "10.244.1.0/24 via 172.18.0.3 dev eth0\n");
    assert.is(ipNeigh(root, 0, "flannel.1"), "");
  });
});

test("udp: flannel0 (TUN, MTU 1472, one route for the network), flanneld relays pods' packets over UDP 8285", async () => {
  await withCluster(3, { backend: { Type: "udp" } }, async (cluster) => {
    const plane = cluster.network.plane;
    const root = plane.node(CP)!;
    // What `ip -d link show flannel0`, `ip addr show flannel0` and `ip route` print on a udp node.
    const link = ipLink(root, { dev: "flannel0", details: true });
    assert.match(link, /^\d+: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc fq_codel state UNKNOWN mode DEFAULT group default qlen 500\n    link\/none  promiscuity 0\n    tun type tun pi off vnet_hdr off persist off\n/);
    assert.match(ipAddr(root, "flannel0"), "inet 10.244.0.0/32 scope global flannel0");
    const routes = ipRoute(root);
    assert.match(routes, "10.244.0.0/16 dev flannel0\n");
    assert.not.match(routes, "10.244.1.0/24", "remote subnets live in flanneld's own table, not the kernel's");
    assert.not.ok(root.devices.has("flannel.1"));
    assert.is(files(cluster, CP).read("/run/flannel/subnet.env"), "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
    const node = await cluster.client.resource<Node>("Node").get(W1);
    assert.is(node.metadata!.annotations![ANNOTATION.backendType], "", "upstream's udp lease has no backend type");
    assert.is(node.metadata!.annotations![ANNOTATION.backendData], "null");
    const relay = cluster.resolve(Flanneld).get(CP)!.backend as UdpBackend;
    assert.equal(relay.relayTable().sort((a, b) => a.subnet.localeCompare(b.subnet)), [
      { subnet: "10.244.1.0/24", publicIP: "172.18.0.3" },
      { subnet: "10.244.2.0/24", publicIP: "172.18.0.4" },
    ]);
    assert.ok(root.sockets.udpSocket(0xac120002, 8285), "flanneld listens on <public IP>:8285");

    const a = await pod(cluster, CP, "a");
    const c = await pod(cluster, W2, "c");
    assert.is(plane.ownerOf(ipToInt(a.ips[0]!))!.devices.get("eth0")!.mtu, 1472, "pods get FLANNEL_MTU");
    const peers: string[] = [];
    echo(c.stack, 8080, "c:", peers);
    assert.is(await request(await a.stack.connect(c.ips[0]!, 8080), "over udp"), "c:over udp");
    assert.equal(peers, [a.ips[0]], "the source survives the relay");
    const t = await cluster.network.trace("pod/default/a", "pod/default/c:8080");
    assert.is(t.outcome, "delivered");
    const encap = t.hops.find((h) => h.step === "encap")!;
    assert.is(encap.device, "flannel0");
    assert.match(encap.detail, "+28 bytes in a UDP datagram to 172.18.0.4:8285");
    assert.match(encap.packet, "udp 172.18.0.2:8285 > 172.18.0.4:8285");
    assert.ok(t.hops.some((h) => h.step === "decap" && h.node === W2 && h.device === "flannel0"));
    assert.is((await cluster.network.trace("pod/default/a", "pod/default/c:8080", { payload: 1433 })).reason, "mtu-exceeded", "1473 bytes do not fit 1472");

    await cluster.removeNode(W2);
    for (let i = 0; i < 50 && relay.relayTable().length > 1; i++) await cluster.clock.sleep(10);
    assert.equal(relay.relayTable(), [{ subnet: "10.244.1.0/24", publicIP: "172.18.0.3" }], "a deleted node leaves the relay's table");
  });
});

test("host-gw: a peer on another subnet (reachable only through a router) gets no route, and flanneld says so", () => {
  const plane = new DataPlane({ clock: new VirtualClock({ auto: false }) });
  const root = plane.addNode("n1", "172.18.0.2");
  const backend = new HostGwBackend(root);
  const lease = { owner: "far", subnet: "10.244.7.0/24", network: 0x0af40700, prefix: 24, publicIP: 0xc0a8050a, backendType: "host-gw", backendData: {} };
  backend.added(lease);
  assert.not.match(ipRoute(root), "10.244.7.0/24");
  assert.equal(backend.errors, ["Error adding route to {Ifindex: 2 Dst: 10.244.7.0/24 Src: <nil> Gw: 192.168.5.10 Flags: [] Table: 0 Realm: 0}: network is unreachable"]);
  backend.added({ ...lease, owner: "near", subnet: "10.244.8.0/24", network: 0x0af40800, publicIP: 0xac120009 });
  assert.match(ipRoute(root), "10.244.8.0/24 via 172.18.0.9 dev eth0\n");
});

test.run();
