import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { ipRoute } from "../../core/net/views/ip-route.js";
import { Flanneld } from "../../plugins/cni-flannel/index.js";
import { podSandbox } from "./service-fixtures.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";
const SUBNETS = ["172.18.0.0/24", "172.18.1.0/24"];
const NODES = [
  { name: CP, role: "control-plane" as const },
  { name: W1, subnet: "172.18.1.0/24" },
];

test("underlay of two subnets: nodes join theirs, the outside host routes between them (TTL -1); kindnet's direct routes cannot cross it", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, underlaySubnets: SUBNETS, nodes: NODES, plugins: ["cni-plugins", "cni-kindnet"] });
  await cluster.start();
  try {
    const nodes = (await cluster.client.resource<Node>("Node").list()).items;
    const ipOf = (name: string): string => nodes.find((n) => n.metadata!.name === name)!.status!.addresses!.find((a) => a.type === "InternalIP")!.address;
    assert.is(ipOf(CP), "172.18.0.2");
    assert.is(ipOf(W1), "172.18.1.2");
    const worker = cluster.network.plane.node(W1)!;
    const routes = ipRoute(worker);
    assert.match(routes, "default via 172.18.1.1 dev eth0");
    assert.match(routes, "172.18.1.0/24 dev eth0 proto kernel scope link src 172.18.1.2");

    // Node to node: out through the router, one forward (TTL 64 → 63).
    const t = await cluster.network.trace(`node/${CP}`, `node/${W1}:22`);
    assert.is(t.outcome, "delivered");
    assert.ok(t.hops.some((h) => h.ns === "outside" && h.step === "route"), "routed by the outside host");
    assert.is(t.hops.at(-1)!.ttl, 63);

    // kindnet routes pod CIDRs via the other node's address, which is not on this L2 subnet: no ARP answer.
    const a = await podSandbox(cluster, CP, "a");
    const b = await podSandbox(cluster, W1, "b");
    const across = await cluster.network.trace("pod/default/a", `${b.ips[0]}:8080`);
    assert.is(across.outcome, "dropped");
    assert.is(across.reason, "host-unreachable");
    assert.match(across.detail!, "no ARP reply for 172.18.1.2 on eth0");
    void a;
  } finally {
    await cluster.stop();
  }
});

test("underlay of two subnets: flannel's VXLAN crosses the router (outer packets to the remote VTEP are routed)", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, underlaySubnets: SUBNETS, nodes: NODES, plugins: ["cni-plugins", "cni-flannel"] });
  await cluster.start();
  try {
    const registry = cluster.resolve(Flanneld);
    for (let i = 0; i < 100 && ![CP, W1].every((n) => registry.get(n)?.subnets.leases().length === 1); i++) await cluster.clock.sleep(500);
    await podSandbox(cluster, CP, "a");
    const b = await podSandbox(cluster, W1, "b");
    b.stack.listen("TCP", 8080, () => undefined);
    const t = await cluster.network.trace("pod/default/a", `${b.ips[0]}:8080`);
    assert.is(t.outcome, "delivered", t.detail);
    assert.ok(t.hops.some((h) => h.step === "encap"), "VXLAN encapsulation");
    assert.ok(t.hops.some((h) => h.ns === "outside" && h.step === "route"), "the outer packet is routed between the subnets");
  } finally {
    await cluster.stop();
  }
});

test("a node's subnet must be one of the cluster's underlay subnets", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, underlaySubnets: SUBNETS, nodes: [{ name: CP, role: "control-plane" }], plugins: [] });
  await cluster.start();
  try {
    await cluster.addNode({ name: "stray", subnet: "10.1.0.0/24" });
    assert.unreachable("a subnet outside underlaySubnets must be refused");
  } catch (err) {
    assert.match(String(err), "node subnet 10.1.0.0/24 is not one of the cluster's underlay subnets (172.18.0.0/24, 172.18.1.0/24)");
  } finally {
    await cluster.stop();
  }
});

test.run();
