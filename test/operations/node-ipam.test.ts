import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { kubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { CidrSet } from "../../plugins/kube-controller-manager/controllers/nodeipam/index.js";

async function withIpam(options: Parameters<typeof kubeControllerManager>[0], clusterOptions: ConstructorParameters<typeof Cluster>[0], fn: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, ...clusterOptions, plugins: [kubeControllerManager({ controllers: "*,-serviceaccount", leaderElect: false, ...options })] });
  await cluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const createNode = (cluster: Cluster, name: string) => cluster.client.resource<Node>("Node").create({ apiVersion: "v1", kind: "Node", metadata: { name } });
const cidrOf = async (cluster: Cluster, name: string) => (await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === name && !!n.spec?.podCIDR)).spec!;

test("node IPAM gives Nodes registered through the API the next /24 of the cluster CIDR, CIDRNotAvailable when full, and reuses a deleted node's CIDR", async () => {
  await withIpam({}, { podNetworkCidr: "10.244.0.0/22" }, async (cluster) => {
    for (const n of ["n1", "n2", "n3", "n4"]) await createNode(cluster, n);
    const got = [];
    for (const n of ["n1", "n2", "n3", "n4"]) got.push(await cidrOf(cluster, n));
    assert.equal(got.map((s) => s.podCIDR).sort(), ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]);
    assert.equal(got.map((s) => s.podCIDRs), got.map((s) => [s.podCIDR]));
    await createNode(cluster, "n5");
    const event = await cluster.waitFor<Event>("Event", (e) => e.reason === "CIDRNotAvailable" && e.involvedObject?.name === "n5", { namespace: "default" });
    assert.is(event.message, "Node n5 status is now: CIDRNotAvailable");
    assert.is(event.source?.component, "cidrAllocator");
    assert.is((await cluster.client.resource<Node>("Node").get("n5")).spec?.podCIDR, undefined);
    const freed = got.find((s) => s.podCIDR === "10.244.1.0/24")!;
    const owner = ["n1", "n2", "n3", "n4"][got.indexOf(freed)]!;
    await cluster.client.resource("Node").delete(owner);
    const n5 = await cidrOf(cluster, "n5");
    assert.is(n5.podCIDR, "10.244.1.0/24");
  });
});

test("--node-cidr-mask-size and --cluster-cidr; CIDRs overlapping --service-cluster-ip-range are never handed out", async () => {
  await withIpam({ clusterCidr: "10.0.0.0/24", nodeCidrMaskSize: 26, serviceClusterIpRange: "10.0.0.64/26" }, {}, async (cluster) => {
    for (const n of ["a", "b", "c"]) await createNode(cluster, n);
    const cidrs = [];
    for (const n of ["a", "b", "c"]) cidrs.push((await cidrOf(cluster, n)).podCIDR);
    assert.equal(cidrs.sort(), ["10.0.0.0/26", "10.0.0.128/26", "10.0.0.192/26"]);
  });
});

test("nodes the cluster starts keep the CIDR their kubelet registered; node IPAM takes it as used", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 2, nodes: 2 });
  await cluster.start();
  try {
    const nodes = (await cluster.client.resource<Node>("Node").list()).items;
    const cidrs = nodes.map((n) => n.spec?.podCIDR).sort();
    assert.equal(cidrs, ["10.244.0.0/24", "10.244.1.0/24"]);
    await createNode(cluster, "extra");
    assert.is((await cidrOf(cluster, "extra")).podCIDR, "10.244.2.0/24");
    const added = await cluster.addNode({ name: "late" });
    assert.ok(added);
    const late = (await cluster.client.resource<Node>("Node").get("late")).spec?.podCIDR;
    assert.ok(late && !["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"].includes(late), `late node got ${late}`);
  } finally {
    await cluster.stop();
  }
});

test("CidrSet: round-robin allocation, occupy and release", () => {
  const set = new CidrSet("192.168.0.0/23", 24);
  assert.is(set.blocks, 2);
  assert.is(set.allocateNext(), "192.168.0.0/24");
  assert.is(set.allocateNext(), "192.168.1.0/24");
  assert.is(set.allocateNext(), undefined);
  set.release("192.168.0.0/24");
  assert.is(set.allocateNext(), "192.168.0.0/24");
  assert.not.ok(set.occupy("10.0.0.0/24"), "outside the cluster CIDR");
  try {
    new CidrSet("10.0.0.0/24", 16);
    assert.unreachable("mask smaller than the cluster CIDR");
  } catch (err) {
    assert.match(String(err), "--node-cidr-mask-size 16 is smaller");
  }
});

test.run();
