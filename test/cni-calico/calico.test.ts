import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import { ipRoute } from "../../core/net/views/ip-route.js";
import { ipNeigh } from "../../core/net/views/ip-neigh.js";
import { bridgeFdbShow } from "../../core/net/views/bridge-fdb.js";
import { BIRD, testWithTool } from "../support/require-tool.js";
import { calico, CalicoNetworkToken, calicoRef, type CalicoOptions } from "../../plugins/cni-calico/index.js";

const birdTest = testWithTool(BIRD, test);
const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";

let uid = 0;
function pod(cluster: Cluster, node: string, name: string): Promise<PodNetworkAttachment> {
  uid++;
  return cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `uid-${uid}` });
}

function echo(stack: NetworkStack, port: number, prefix: string, peers: string[] = []): void {
  stack.listen("TCP", port, (conn) => {
    peers.push(conn.remoteAddress);
    conn.on("data", (d) => conn.write(prefix + new TextDecoder().decode(d)));
  });
}

async function ask(stack: NetworkStack, ip: string, port: number, text: string): Promise<string> {
  const conn = await stack.connect(ip, port);
  return new Promise((resolve) => {
    conn.once("data", (d) => resolve(new TextDecoder().decode(d)));
    conn.write(text);
  });
}

async function sh(cluster: Cluster, node: string, ...argv: string[]): Promise<string> {
  const r = await cluster.nodeExec(node, argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function withCluster(nodes: number | { name: string; labels?: Record<string, string> }[], options: CalicoOptions, fn: (c: Cluster) => Promise<void>, extra: { podNetworkCidr?: string } = {}): Promise<void> {
  const specs = typeof nodes === "number" ? nodes : nodes.map((n, i) => ({ ...n, role: i === 0 ? ("control-plane" as const) : ("worker" as const) }));
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: specs, plugins: ["cni-plugins", calico(options), "node-net-tools"], ...extra });
  await cluster.start();
  try {
    await cluster.clock.sleep(10_000);
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

test("IPIP (calico.yaml's default): blocks, blackholes, tunl0 routes, BIRD's mesh and the real tools' output", async () => {
  await withCluster(3, {}, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const a = await pod(cluster, CP, "a");
    const c = await pod(cluster, W1, "c");
    const cpBlock = net.ipam.blocksOf(CP)[0]!;
    const w1Block = net.ipam.blocksOf(W1)[0]!;
    assert.is(cpBlock.prefix, 26);
    assert.is(net.ipam.addressOf(`ipip-tunnel-addr-${CP}`), cpBlock.cidr.split("/")[0], "tunl0 takes the block's first address");
    const routes = await sh(cluster, CP, "ip", "route");
    assert.match(routes, `blackhole ${cpBlock.cidr} proto bird\n`);
    assert.match(routes, `${w1Block.cidr} via 172.18.0.3 dev tunl0 proto bird onlink\n`);
    assert.match(routes, new RegExp(`^${a.ips[0]!.replace(/\./g, "\\.")} dev cali[0-9a-f]{11} scope link$`, "m"));
    const podNs = cluster.network.plane.ownerOf(a.ips[0]!.split(".").reduce((x, o) => x * 256 + Number(o), 0))!;
    assert.is(ipRoute(podNs), "default via 169.254.1.1 dev eth0\n169.254.1.1 dev eth0 scope link\n");
    assert.is(podNs.devices.get("eth0")!.mtu, 1480);

    const protocols = await sh(cluster, CP, "birdc", "show", "protocols");
    const lines = protocols.split("\n");
    assert.is(lines[0], "BIRD v0.3.3+birdv1.6.8 ready.");
    assert.is(lines[1], "name     proto    table    state  since       info");
    assert.match(protocols, /^Mesh_172_18_0_3 BGP {6}master {3}up {5}\d\d:\d\d:\d\d {4}Established {3}$/m);
    assert.match(protocols, /^static1  Static   master   up     \d\d:\d\d:\d\d    $/m);
    const birdRoutes = await sh(cluster, CP, "birdc", "show", "route");
    assert.match(birdRoutes, `${cpBlock.cidr.padEnd(18)} blackhole [static1 `);
    assert.match(birdRoutes, new RegExp(`${w1Block.cidr.replace(/\./g, "\\.")} +via 172\\.18\\.0\\.3 on tunl0 \\[Mesh_172_18_0_3 \\d\\d:\\d\\d:\\d\\d\\] \\* \\(100/0\\) \\[i\\]`));
    const status = await sh(cluster, CP, "calicoctl", "node", "status");
    assert.match(status, "Calico process is running.\n\nIPv4 BGP status\n+--------------+-------------------+-------+----------+-------------+\n| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |");
    assert.match(status, /\| 172\.18\.0\.4 {3}\| node-to-node mesh \| up {4}\| \d\d:\d\d:\d\d \| Established \|/);
    assert.match(await sh(cluster, CP, "calicoctl", "get", "ippool", "-o", "wide"), /default-ipv4-ippool\s+10\.244\.0\.0\/16\s+true\s+Always\s+Never\s+false\s+false\s+all\(\)/);
    assert.match(await sh(cluster, CP, "calicoctl", "ipam", "show", "--show-blocks"), new RegExp(`\\| Block    \\| ${cpBlock.cidr.replace(/\./g, "\\.")} +\\| +64 \\| 2 \\(3%\\) +\\| 62 \\(97%\\) +\\|`));
    const ippool = await cluster.client.resource(calicoRef("IPPool")).get("default-ipv4-ippool");
    assert.is((ippool as { spec: { ipipMode: string } }).spec.ipipMode, "Always");
    const node = await cluster.client.resource<Node>("Node").get(CP);
    assert.is(node.metadata!.annotations!["projectcalico.org/IPv4Address"], "172.18.0.2/16");
    assert.is(node.metadata!.annotations!["projectcalico.org/IPv4IPIPTunnelAddr"], net.ipam.addressOf(`ipip-tunnel-addr-${CP}`));

    const peers: string[] = [];
    echo(c.stack, 8080, "c:", peers);
    assert.is(await ask(a.stack, c.ips[0]!, 8080, "hi"), "c:hi");
    assert.equal(peers, [a.ips[0]], "pod-to-pod keeps the source address");
    const t = await cluster.network.trace("pod/default/a", "pod/default/c:8080");
    assert.is(t.outcome, "delivered");
    const encap = t.hops.find((h) => h.step === "encap")!;
    assert.is(encap.device, "tunl0");
    assert.match(encap.detail, "ipip: +20 bytes to 172.18.0.3");
  });
});

test("full mesh: n(n-1)/2 sessions; route reflectors: clients peer only with the reflectors", async () => {
  const nodes = [{ name: "n1" }, { name: "n2" }, { name: "n3" }, { name: "rr1", labels: { "route-reflector": "true" } }, { name: "rr2", labels: { "route-reflector": "true" } }];
  await withCluster(nodes, {}, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    assert.is(net.fabric.establishedSessions(), (5 * 4) / 2);
    for (const rr of ["rr1", "rr2"]) await cluster.client.resource<Node>("Node").patch(rr, "merge", { metadata: { annotations: { "projectcalico.org/RouteReflectorClusterID": "244.0.0.1" } } });
    await cluster.client.resource(calicoRef("BGPConfiguration")).create({ metadata: { name: "default" }, spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } } as never);
    await cluster.client.resource(calicoRef("BGPPeer")).create({ metadata: { name: "peer-with-route-reflectors" }, spec: { nodeSelector: "all()", peerSelector: "route-reflector == 'true'" } } as never);
    await cluster.clock.sleep(20_000);
    assert.is(net.fabric.establishedSessions(), 3 * 2 + 1, "3 clients × 2 reflectors + the reflectors with each other");
    const status = await sh(cluster, "n1", "calicoctl", "node", "status");
    assert.match(status, /\| 172\.18\.0\.5 +\| node specific +\| up/);
    assert.not.match(status, "node-to-node mesh");
    assert.match(await cluster.nodes.get("rr1")!.scope.resolve<NodeFileSystem>(NodeFiles).read("/etc/calico/confd/config/bird.cfg")!, "  rr client;\n  rr cluster id 244.0.0.1;\n");
    // Routes still reach every node: n1 learns n3's block through a reflector (from ≠ next hop).
    const a = await pod(cluster, "n1", "a");
    const b = await pod(cluster, "n3", "b");
    await cluster.clock.sleep(5_000);
    const n3Block = net.ipam.blocksOf("n3")[0]!;
    assert.match(await sh(cluster, "n1", "ip", "route"), `${n3Block.cidr} via 172.18.0.4 dev tunl0 proto bird onlink\n`);
    assert.match(await sh(cluster, "n1", "birdc", "show", "route"), / from 172\.18\.0\.(5|6)\] \* \(100\/0\) \[i\]/);
    echo(b.stack, 80, "b:");
    assert.is(await ask(a.stack, b.ips[0]!, 80, "x"), "b:x");
  });
});

test("borrowing: when the pool has no free block a node borrows an address and advertises it as a /32; strictAffinity refuses", async () => {
  await withCluster(2, { mode: "bgp", poolCidr: "10.244.0.0/28", blockSize: 30 }, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const b = await pod(cluster, W1, "b");
    const mine: PodNetworkAttachment[] = [];
    for (let i = 0; i < 12; i++) mine.push(await pod(cluster, CP, `p${i}`));
    assert.is(net.ipam.blocksOf(CP).length, 3);
    const borrowed = await pod(cluster, CP, "borrower");
    const w1Block = net.ipam.blocksOf(W1)[0]!;
    assert.ok(net.ipam.contains(borrowed.ips[0]!));
    assert.is(borrowed.ips[0]!.split(".").slice(0, 3).join("."), w1Block.cidr.split(".").slice(0, 3).join("."));
    await cluster.clock.sleep(1_000);
    assert.match(await sh(cluster, W1, "ip", "route"), `${borrowed.ips[0]} via 172.18.0.2 dev eth0 proto bird\n`);
    echo(borrowed.stack, 80, "borrowed:");
    assert.is(await ask(b.stack, borrowed.ips[0]!, 80, "x"), "borrowed:x", "the /32 beats the owner's blackhole");
    net.ipam.strictAffinity = true;
    try {
      await pod(cluster, CP, "strict");
      assert.unreachable("strictAffinity must refuse to borrow");
    } catch (err) {
      assert.match(String(err), "no more free affine blocks and strict affinity enabled");
    }
  });
});

test("VXLAN: Felix programs vxlan.calico (VNI 4096, port 4789) neighbours, FDB and proto 80 routes; no BIRD", async () => {
  await withCluster(2, { mode: "vxlan" }, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const root = cluster.network.plane.node(CP)!;
    const w1 = net.vteps.get(W1)!;
    const w1Block = net.ipam.blocksOf(W1)[0]!;
    const tunnel = w1Block.cidr.split("/")[0]!;
    assert.match(ipRoute(root), `${w1Block.cidr} via ${tunnel} dev vxlan.calico proto 80 onlink\n`);
    assert.match(ipRoute(root), `blackhole ${net.ipam.blocksOf(CP)[0]!.cidr} proto 80\n`);
    assert.is(ipNeigh(root, 0, "vxlan.calico"), `${tunnel} lladdr ${w1.mac} PERMANENT\n`);
    assert.is(bridgeFdbShow(root, 0, { dev: "vxlan.calico" }), `${w1.mac} dst 172.18.0.3 self permanent\n`);
    assert.is((await cluster.nodeExec(CP, ["birdc", "show", "protocols"])).exitCode, 1, "calico_backend vxlan runs no BIRD");
    const a = await pod(cluster, CP, "a");
    const c = await pod(cluster, W1, "c");
    echo(c.stack, 80, "c:");
    assert.is(await ask(a.stack, c.ips[0]!, 80, "x"), "c:x");
    const t = await cluster.network.trace("pod/default/a", "pod/default/c:80");
    assert.match(t.hops.find((h) => h.step === "encap")!.detail, "vxlan vni 4096: +50 bytes to 172.18.0.3");
  });
});

test("node failure: a stopped calico-node's routes are withdrawn at once; a dead link only when the BGP hold timer (240 s) expires", async () => {
  await withCluster(3, {}, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const w2Block = net.ipam.blocksOf("kubesim-worker2")[0]!.cidr;
    const w1Block = net.ipam.blocksOf(W1)[0]!.cidr;
    net.nodes.get("kubesim-worker2")!.speaker!.linkDown();
    const t0 = cluster.clock.now();
    await cluster.clock.sleep(60_000);
    assert.match(await sh(cluster, CP, "ip", "route"), w2Block, "still routed before the hold timer");
    await cluster.clock.sleep(240_000);
    assert.not.match(await sh(cluster, CP, "ip", "route"), w2Block);
    assert.match(await sh(cluster, CP, "birdc", "show", "protocols"), /Mesh_172_18_0_4 BGP {6}master {3}start {2}\d\d:\d\d:\d\d {4}Passive {7}Error: Hold timer expired/);
    assert.ok(cluster.clock.now() - t0 >= 160_000);
    await cluster.removeNode(W1);
    await cluster.clock.sleep(2_000);
    assert.not.match(await sh(cluster, CP, "ip", "route"), w1Block);
    assert.not.match(await sh(cluster, CP, "birdc", "show", "protocols"), "Mesh_172_18_0_3");
  });
});

birdTest("confd's bird.cfg parses with BIRD 1.6 (bird -p) once Calico's one fork-only attribute, krt_tunnel, is set aside", async () => {
  const bird = "bird";
  await withCluster(3, { mode: "ipip" }, async (cluster) => {
    const files = cluster.nodes.get(CP)!.scope.resolve<NodeFileSystem>(NodeFiles);
    const dir = mkdtempSync(join(tmpdir(), "kubesim-bird-"));
    try {
      for (const f of ["bird.cfg", "bird_aggr.cfg", "bird_ipam.cfg"]) writeFileSync(join(dir, f), files.read(`/etc/calico/confd/config/${f}`)!);
      const run = (): { ok: boolean; out: string } => {
        try {
          execFileSync(bird, ["-p", "-c", "bird.cfg"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
          return { ok: true, out: "" };
        } catch (err) {
          return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
        }
      };
      const first = run();
      assert.not.ok(first.ok, "stock BIRD lacks calico-bird's krt_tunnel");
      assert.match(first.out, /bird_ipam\.cfg:\d+:\d+ You may set only variables/);
      const ipam = files.read("/etc/calico/confd/config/bird_ipam.cfg")!;
      assert.match(ipam, '    krt_tunnel = "tunl0";\n');
      writeFileSync(join(dir, "bird_ipam.cfg"), ipam.replace(/^\s*krt_tunnel = "[^"]*";\n/gm, ""));
      const second = run();
      assert.ok(second.ok, second.out);
      const cfg = files.read("/etc/calico/confd/config/bird.cfg")!;
      assert.match(cfg, "protocol bgp Mesh_172_18_0_3 from bgp_template {\n  neighbor 172.18.0.3 as 64512;\n  source address 172.18.0.2;");
      assert.match(cfg, "passive on;");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.run();
