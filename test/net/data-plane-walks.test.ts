import { test } from "uvu";
import * as assert from "uvu/assert";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { ipv4ToUint32 as ip } from "../../core/net/ipv4.js";
import { makePacket } from "../../core/net/packet.js";
import type { NetNamespace } from "../../core/net/netns.js";
import { bridgeFdbShow } from "../../core/net/views/bridge-fdb.js";
import { ipLink } from "../../core/net/views/ip-link.js";
import { ipNeigh } from "../../core/net/views/ip-neigh.js";
import { conntrackList } from "../../core/net/views/conntrack-list.js";
import { hostLocal } from "../../plugins/cni-plugins/host-local.js";
import { bridge } from "../../plugins/cni-plugins/bridge.js";
import { NodeFileSystem } from "../../core/cni/node-files.js";
import type { CniEnv, CniHost, NetConf } from "../../core/cni/cni-types.js";

const sharedFiles = new NodeFileSystem();

/** A pod namespace on `node` wired to the node's bridge `cni0` by the bridge plugin. */
async function bridgedPod(plane: DataPlane, node: string, id: string, hairpin = false): Promise<NetNamespace> {
  const root = plane.node(node)!;
  const ns = plane.createNamespace(node, `cni-${id}`);
  const host: CniHost = {
    node,
    nodeIP: "",
    podCidr: "10.244.0.0/24",
    plane,
    root,
    files: sharedFiles,
    netns: (p) => plane.namespace(node, p.split("/").pop()!),
    delegate: async (type, env, conf) => (type === "host-local" ? hostLocal(env, conf, host) : undefined),
  };
  const env: CniEnv = { CNI_COMMAND: "ADD", CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/cni-${id}`, CNI_IFNAME: "eth0", CNI_PATH: "/opt/cni/bin" };
  const conf: NetConf = { type: "bridge", name: "mynet", cniVersion: "1.1.0", bridge: "cni0", isGateway: true, hairpinMode: hairpin, ipam: { type: "host-local", ranges: [[{ subnet: "10.244.0.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] } };
  const r = await bridge(env, conf, host);
  assert.ok(r?.ips?.length);
  return ns;
}

test("bridge: pod to pod through cni0 learns both MACs on their ports; entries age out after 300 s", async () => {
  const clock = new VirtualClock({ auto: false });
  const plane = new DataPlane({ clock });
  plane.addNode("n1", "172.18.0.2");
  const a = await bridgedPod(plane, "n1", "a");
  const b = await bridgedPod(plane, "n1", "b");
  const res = plane.walk(a, makePacket("tcp", 0, 40000, ip("10.244.0.3"), 80, 0, "SYN"), true);
  assert.is(res.outcome, "delivered");
  assert.is(res.ns, b);
  assert.ok(res.hops.some((h) => h.step === "bridge" && h.device === "cni0"));
  const root = plane.node("n1")!;
  const fdb = bridgeFdbShow(root, clock.now(), { br: "cni0" });
  const macA = a.devices.get("eth0")!.mac;
  assert.match(fdb, `${macA} dev veth`);
  assert.match(fdb, / master cni0 permanent\n/);
  assert.match(ipNeigh(a, clock.now()), /^10\.244\.0\.3 dev eth0 lladdr [0-9a-f:]{17} REACHABLE\n$/);
  await clock.advance(301_000);
  assert.not.match(bridgeFdbShow(root, clock.now(), { br: "cni0" }), macA, "learned entry aged out");
  assert.match(ipNeigh(a, clock.now()), /STALE/);
  assert.match(ipLink(root, { dev: "cni0", details: true }), "bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000");
});

test("netfilter hooks run in kernel order: raw, mangle, nat, filter; a mark set in mangle is seen by nat; filter DROP is policy-denied", async () => {
  const clock = new VirtualClock({ auto: false });
  const plane = new DataPlane({ clock });
  const root = plane.addNode("n1", "172.18.0.2");
  plane.addNode("n2", "172.18.0.3");
  root.netfilter.restore(`*mangle
-A OUTPUT -p tcp -m tcp --dport 9000 -j MARK --set-xmark 0x10/0xffffffff
COMMIT
*nat
-A OUTPUT -m mark --mark 0x10 -j DNAT --to-destination 172.18.0.3:9001
COMMIT
*raw
-A OUTPUT -p tcp -j NOTRACK
COMMIT
*filter
-A OUTPUT -p tcp -m tcp --dport 9001 -j DROP
COMMIT
`);
  const res = plane.walk(root, makePacket("tcp", 0, 40000, ip("172.18.0.3"), 9000, 0, "SYN"), true);
  const hooks = res.hops.filter((h) => h.table).map((h) => `${h.table} ${h.step}`);
  assert.equal(hooks, ["raw OUTPUT", "mangle OUTPUT", "nat OUTPUT", "filter OUTPUT"]);
  assert.is(res.outcome, "dropped");
  assert.is(res.reason, "policy-denied");
  assert.equal(res.hops.find((h) => h.table === "filter")!.matched, ["-A OUTPUT -p tcp -m tcp --dport 9001 -j DROP"]);
});

test("UDP: a DNAT'd query's answer comes back from the service address (conntrack), conntrack -L shows both tuples", async () => {
  const clock = new VirtualClock({ auto: false });
  const plane = new DataPlane({ clock });
  const n1 = plane.addNode("n1", "172.18.0.2");
  const n2 = plane.addNode("n2", "172.18.0.3");
  n1.netfilter.restore("*nat\n-A OUTPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 172.18.0.3:5353\nCOMMIT\n");
  const server = plane.stack(n2);
  server.bindUdp(5353, (msg, sock) => sock.send(new TextEncoder().encode("answer"), msg.remoteAddress, msg.remotePort));
  const got: string[] = [];
  const client = plane.stack(n1).bindUdp(0, (msg) => got.push(`${msg.remoteAddress}:${msg.remotePort} ${new TextDecoder().decode(msg.data)}`));
  client.send(new TextEncoder().encode("query"), "10.96.0.10", 53);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(got, ["10.96.0.10:53 answer"]);
  const ct = conntrackList(n1.conntrack, clock.now());
  assert.match(ct.stdout, /^udp      17 \d+ src=172\.18\.0\.2 dst=10\.96\.0\.10 sport=\d+ dport=53 src=172\.18\.0\.3 dst=172\.18\.0\.2 sport=5353 dport=\d+ \[ASSURED\] mark=0 use=1\n$/);
  assert.is(ct.stderr, "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n");
});

test("VXLAN: encapsulation adds 50 bytes through the VTEP FDB; the inner MTU 1450 drops a 1500-byte DF packet", async () => {
  const clock = new VirtualClock({ auto: false });
  const plane = new DataPlane({ clock });
  const sides = [
    { node: "n1", ip: "172.18.0.2", cidr: "10.244.0.0", vtepMac: "aa:00:00:00:00:01" },
    { node: "n2", ip: "172.18.0.3", cidr: "10.244.1.0", vtepMac: "aa:00:00:00:00:02" },
  ];
  for (const s of sides) {
    const root = plane.addNode(s.node, s.ip);
    const vx = root.addDevice("flannel.1", "vxlan", s.vtepMac, 1450);
    vx.vxlan = { vni: 1, local: ip(s.ip), dev: "eth0", port: 8472, learning: false };
    root.addAddress("flannel.1", ip(s.cidr), 32);
  }
  const [a, b] = [plane.node("n1")!, plane.node("n2")!];
  a.main.add({ type: "unicast", network: ip("10.244.1.0"), prefix: 24, via: ip("10.244.1.0"), dev: "flannel.1", scope: "global", onlink: true });
  a.neigh.set("flannel.1", ip("10.244.1.0"), sides[1]!.vtepMac, "PERMANENT", 0);
  a.devices.get("flannel.1")!.fdb!.addPermanent(sides[1]!.vtepMac, "flannel.1", ip("172.18.0.3"));
  const res = plane.walk(a, makePacket("tcp", 0, 40000, ip("10.244.1.0"), 80, 100, "SYN"), true);
  assert.is(res.outcome, "delivered");
  assert.is(res.ns, b);
  const encap = res.hops.find((h) => h.step === "encap")!;
  assert.is(encap.size, 20 + 20 + 100 + 50);
  assert.match(encap.detail, "vxlan vni 1: +50 bytes to 172.18.0.3");
  assert.ok(res.hops.some((h) => h.step === "decap" && h.device === "flannel.1"));
  const big = plane.walk(a, makePacket("tcp", 0, 40001, ip("10.244.1.0"), 80, 1460, "SYN"), true);
  assert.is(big.reason, "mtu-exceeded");
  assert.match(big.detail!, "mtu 1450 of flannel.1");
  assert.match(bridgeFdbShow(a, 0, { dev: "flannel.1" }), "aa:00:00:00:00:02 dst 172.18.0.3 self permanent\n");
  assert.match(ipLink(a, { dev: "flannel.1", details: true }), "vxlan id 1 local 172.18.0.2 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx");
  assert.match(ipNeigh(a, 0, "flannel.1"), "10.244.1.0 lladdr aa:00:00:00:00:02 PERMANENT\n");
});

test("TTL: a routing loop ends with ttl-exceeded", async () => {
  const plane = new DataPlane({ clock: new VirtualClock({ auto: false }) });
  const a = plane.addNode("n1", "172.18.0.2");
  const b = plane.addNode("n2", "172.18.0.3");
  a.main.add({ type: "unicast", network: ip("10.9.0.0"), prefix: 16, via: ip("172.18.0.3"), dev: "eth0", scope: "global" });
  b.main.add({ type: "unicast", network: ip("10.9.0.0"), prefix: 16, via: ip("172.18.0.2"), dev: "eth0", scope: "global" });
  const res = plane.walk(a, makePacket("udp", 0, 40000, ip("10.9.0.1"), 53, 10));
  assert.is(res.reason, "ttl-exceeded");
});

test("TUN: packets routed out of tun0 go to the process holding it; no reader is NO-CARRIER; what it writes walks in from PREROUTING", async () => {
  const plane = new DataPlane({ clock: new VirtualClock({ auto: false }) });
  const node = plane.addNode("n1", "172.18.0.2");
  const tun = node.addDevice("tun0", "tun", "00:00:00:00:00:00", 1500);
  node.addAddress("tun0", ip("10.8.0.1"), 24);
  const pod = await bridgedPod(plane, "n1", "vpnclient");
  const podIP = pod.addresses()[0]!;

  // Nobody has /dev/net/tun open: no carrier.
  assert.is(plane.walk(pod, makePacket("udp", 0, 40000, ip("10.8.0.5"), 1194, 20)).reason, "device-down");
  assert.match(ipLink(node, { dev: "tun0", details: true }), "<NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc fq_codel state DOWN mode DEFAULT group default qlen 500\n    link/none  promiscuity 0\n    tun type tun pi off vnet_hdr off persist off\n");

  // A VPN daemon reads it: the pod's packet is forwarded by the node into tun0 and handed over.
  const read: string[] = [];
  tun.tunReader = (p) => void read.push(`${p.proto} ${p.src}:${p.sport} > ${p.dst}:${p.dport} ttl ${p.ttl}`);
  const out = plane.walk(pod, makePacket("udp", 0, 40000, ip("10.8.0.5"), 1194, 20), true);
  assert.is(out.outcome, "delivered");
  assert.equal(read, [`udp ${podIP}:40000 > ${ip("10.8.0.5")}:1194 ttl 63`], "forwarded once by the node");
  assert.is(out.hops.at(-1)!.detail, "to the process reading tun0");
  assert.match(ipLink(node, { dev: "tun0" }), "<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN");

  // The daemon writes the answer: it enters on tun0 and is routed to the pod like any packet.
  const back = plane.tunWrite(tun, makePacket("udp", ip("10.8.0.5"), 1194, podIP, 40000, 20), true);
  assert.ok(back.hops.some((h) => h.step === "rx" && h.device === "tun0"));
  assert.is(back.ns, pod, "reached the pod's namespace");
});

test.run();
