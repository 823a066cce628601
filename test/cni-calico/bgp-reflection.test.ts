import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { ipv4ToUint32 } from "../../core/net/ipv4.js";
import { ipRoute } from "../../core/net/views/ip-route.js";
import { calico, CalicoNetworkToken, calicoRef } from "../../plugins/cni-calico/index.js";

const nodes = [{ name: "n1" }, { name: "n2" }, { name: "n3" }, { name: "rr1", labels: { "route-reflector": "true" } }, { name: "rr2", labels: { "route-reflector": "true" } }].map((n, i) => ({ ...n, role: i === 0 ? ("control-plane" as const) : ("worker" as const) }));

async function reflected(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes, plugins: ["cni-plugins", calico({})] });
  await cluster.start();
  try {
    for (const rr of ["rr1", "rr2"]) await cluster.client.resource<Node>("Node").patch(rr, "merge", { metadata: { annotations: { "projectcalico.org/RouteReflectorClusterID": "244.0.0.1" } } });
    await cluster.client.resource(calicoRef("BGPConfiguration")).create({ metadata: { name: "default" }, spec: { nodeToNodeMeshEnabled: false } } as never);
    await cluster.client.resource(calicoRef("BGPPeer")).create({ metadata: { name: "rr" }, spec: { nodeSelector: "all()", peerSelector: "route-reflector == 'true'" } } as never);
    await cluster.clock.sleep(20_000);
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const birdRoutes = (c: Cluster, node: string): string[] => ipRoute(c.network.plane.node(node)!).split("\n").filter((l) => l.includes("proto bird") && !l.startsWith("blackhole"));

test("reflected routes: clients see every other node's block once through the shared kernel layer; a stopped client's block is withdrawn everywhere", async () => {
  await reflected(async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const block = (n: string): string => net.ipam.blocksOf(n)[0]!.cidr;
    for (const n of ["n1", "n2", "n3", "rr1", "rr2"]) {
      const others = ["n1", "n2", "n3", "rr1", "rr2"].filter((o) => o !== n);
      assert.equal(birdRoutes(cluster, n).map((l) => l.split(" ")[0]).sort(), others.map(block).sort(), `${n} routes every other node's block`);
      assert.is(net.nodes.get(n)!.speaker!.learned(), 4);
    }
    const n3 = net.nodes.get("n3")!;
    assert.ok(birdRoutes(cluster, "n1").includes(`${block("n3")} via ${n3.ip} dev tunl0 proto bird onlink`));
    // Clients read the reflectors' exports: two paths (one per reflector), the next hop kept.
    const paths = net.nodes.get("n1")!.speaker!.paths(ipv4ToUint32(block("n3").split("/")[0]!) * 64 + 26);
    assert.equal(paths.map((p) => p.nextHop), [ipv4ToUint32(n3.ip), ipv4ToUint32(n3.ip)]);
    assert.equal(paths.map((p) => p.from).sort(), [ipv4ToUint32(net.nodes.get("rr1")!.ip), ipv4ToUint32(net.nodes.get("rr2")!.ip)].sort());
    const gone = block("n3");
    n3.speaker!.stop();
    for (const n of ["n1", "n2", "rr1", "rr2"]) assert.not.ok(birdRoutes(cluster, n).some((l) => l.startsWith(gone)), `${n} withdrew n3's block`);
    assert.is(net.nodes.get("n1")!.speaker!.learned(), 3);
  });
});

test("a client that loses both reflector sessions (hold timers) routes nothing learned; the others keep each other's routes", async () => {
  await reflected(async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    net.nodes.get("n2")!.speaker!.linkDown();
    await cluster.clock.sleep(300_000);
    assert.equal(birdRoutes(cluster, "n2"), []);
    assert.is(net.nodes.get("n2")!.speaker!.learned(), 0);
    const n1 = birdRoutes(cluster, "n1").map((l) => l.split(" ")[0]);
    assert.not.ok(n1.includes(net.ipam.blocksOf("n2")[0]!.cidr));
    assert.ok(n1.includes(net.ipam.blocksOf("n3")[0]!.cidr));
    assert.is(n1.length, 3);
  });
});

test.run();
