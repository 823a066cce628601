import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import { calico, CalicoIpamDatastore, CalicoNetworkToken, calicoRef, type CalicoOptions } from "../../plugins/cni-calico/index.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";

interface Attr {
  handle_id: string;
  secondary: Record<string, string>;
}
interface IpamBlock {
  metadata: { name: string };
  spec: { affinity?: string; allocations: (number | null)[]; attributes: Attr[]; cidr: string; deleted: boolean; sequenceNumber: number; sequenceNumberForAllocation: Record<string, number>; strictAffinity: boolean; unallocated: number[] };
}
interface Obj {
  metadata: { name: string };
  spec: Record<string, unknown>;
}

function podNetwork(cluster: Cluster, node: string): PodNetwork {
  return cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork);
}
function pod(cluster: Cluster, node: string, name: string): Promise<PodNetworkAttachment> {
  return podNetwork(cluster, node).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `uid-${name}` });
}

async function list<T>(cluster: Cluster, kind: string): Promise<T[]> {
  await cluster.resolve(CalicoIpamDatastore).idle();
  return (await cluster.client.resource(calicoRef(kind)).list()).items as T[];
}

async function withCluster(nodes: number, options: CalicoOptions, fn: (c: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes, plugins: ["cni-plugins", calico(options)] });
  await cluster.start();
  try {
    await cluster.clock.sleep(10_000);
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

test("IPAM in the datastore: an IPAMBlock (/26) per node with its affinity, a confirmed BlockAffinity, IPAMHandles; allocations index attributes; freed ordinals go to the back", async () => {
  await withCluster(2, {}, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    const cpBlock = net.ipam.blocksOf(CP)[0]!.cidr;
    const w1Block = net.ipam.blocksOf(W1)[0]!.cidr;
    const name = (cidr: string): string => cidr.replace(/[./]/g, "-");
    assert.match(cpBlock, /\/26$/);

    const blocks = await list<IpamBlock>(cluster, "IPAMBlock");
    assert.equal(blocks.map((b) => b.metadata.name).sort(), [name(cpBlock), name(w1Block)].sort());
    const w1 = blocks.find((b) => b.spec.cidr === w1Block)!;
    assert.is(w1.spec.affinity, `host:${W1}`);
    assert.is(w1.spec.allocations.length, 64);
    assert.equal(w1.spec.allocations.slice(0, 3), [0, null, null], "tunl0's address is the block's first");
    assert.equal(w1.spec.attributes, [{ handle_id: `ipip-tunnel-addr-${W1}`, secondary: { node: W1, type: "ipipTunnelAddress" } }]);
    assert.equal(w1.spec.unallocated, range(1, 64));
    assert.equal([w1.spec.deleted, w1.spec.strictAffinity], [false, false]);
    assert.equal(Object.keys(w1.spec.sequenceNumberForAllocation), ["0"]);
    assert.ok(w1.spec.sequenceNumber > w1.spec.sequenceNumberForAllocation["0"]!, "the block's sequence number moves past each allocation");

    const affinities = await list<Obj>(cluster, "BlockAffinity");
    const aff = affinities.find((a) => a.metadata.name === `${W1}-${name(w1Block)}`);
    assert.ok(aff, "BlockAffinity <node>-<block>");
    assert.equal(aff!.spec, { cidr: w1Block, deleted: "false", node: W1, state: "confirmed" });
    const handles = await list<Obj>(cluster, "IPAMHandle");
    assert.equal(handles.find((h) => h.metadata.name === `ipip-tunnel-addr-${W1}`)?.spec, { block: { [w1Block]: 1 }, deleted: false, handleID: `ipip-tunnel-addr-${W1}` });

    // A pod: the next ordinal, an attribute naming it, a handle k8s-pod-network.<containerID>.
    const a = await pod(cluster, W1, "a");
    const b = await pod(cluster, W1, "b");
    let block = (await list<IpamBlock>(cluster, "IPAMBlock")).find((x) => x.spec.cidr === w1Block)!;
    assert.equal(block.spec.allocations.slice(0, 4), [0, 1, 2, null]);
    const attr = block.spec.attributes[1]!;
    assert.is(attr.handle_id, "k8s-pod-network.sb-a");
    assert.equal([attr.secondary["namespace"], attr.secondary["node"], attr.secondary["pod"]], ["default", W1, "a"]);
    assert.match(attr.secondary["timestamp"]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/, "Go's time.String()");
    assert.is(a.ips[0], w1Block.replace(/\d+\/26$/, (m) => String(Number(m.split("/")[0]) + 1)));
    assert.ok((await list<Obj>(cluster, "IPAMHandle")).some((h) => h.metadata.name === "k8s-pod-network.sb-a" && (h.spec["block"] as Record<string, number>)[w1Block] === 1));

    // Deleting pod a frees ordinal 1 to the back of the list, compacts the attributes, removes the handle.
    await podNetwork(cluster, W1).tearDownPod({ sandboxId: "sb-a", podName: "a", podNamespace: "default", podUid: "uid-a" });
    block = (await list<IpamBlock>(cluster, "IPAMBlock")).find((x) => x.spec.cidr === w1Block)!;
    assert.equal(block.spec.allocations.slice(0, 3), [0, null, 1], "pod b's allocation now points at the second attribute");
    assert.equal(block.spec.attributes.map((x) => x.handle_id), [`ipip-tunnel-addr-${W1}`, "k8s-pod-network.sb-b"]);
    assert.equal(block.spec.unallocated, [...range(3, 64), 1]);
    assert.equal(Object.keys(block.spec.sequenceNumberForAllocation), ["0", "2"]);
    assert.not.ok((await list<Obj>(cluster, "IPAMHandle")).some((h) => h.metadata.name === "k8s-pod-network.sb-a"));
    const c = await pod(cluster, W1, "c");
    assert.not.equal(c.ips[0], a.ips[0], "the next pod gets ordinal 3, not the address just freed");
    assert.ok(b.ips[0]);
  });
});

test("borrowing shows in the datastore: the borrower's attribute in another node's block; a deleted Node's affinities, handles and empty blocks are removed", async () => {
  await withCluster(2, { mode: "bgp", poolCidr: "10.244.0.0/28", blockSize: 30 }, async (cluster) => {
    const net = cluster.resolve(CalicoNetworkToken);
    await pod(cluster, W1, "w");
    for (let i = 0; i < 12; i++) await pod(cluster, CP, `p${i}`);
    const borrowed = await pod(cluster, CP, "borrower");
    const w1Block = net.ipam.blocksOf(W1)[0]!.cidr;
    const blocks = await list<IpamBlock>(cluster, "IPAMBlock");
    assert.is(blocks.length, 4, "the /28 pool is four /30 blocks, all claimed");
    const owner = blocks.find((b) => b.spec.cidr === w1Block)!;
    assert.is(owner.spec.affinity, `host:${W1}`);
    const attr = owner.spec.attributes.find((a) => a.handle_id === "k8s-pod-network.sb-borrower")!;
    assert.is(attr.secondary["node"], CP, "the borrowing node is recorded in the owner's block");
    assert.ok(borrowed.ips[0]);
    assert.is((await list<Obj>(cluster, "BlockAffinity")).filter((a) => a.spec["node"] === CP).length, 3);

    await cluster.removeNode(W1);
    await cluster.clock.sleep(1_000);
    const after = await list<Obj>(cluster, "BlockAffinity");
    assert.not.ok(after.some((a) => a.spec["node"] === W1), "the deleted node's affinities are gone");
    const block = (await list<IpamBlock>(cluster, "IPAMBlock")).find((b) => b.spec.cidr === w1Block);
    assert.ok(block, "a block still holding the borrower's address stays");
    assert.is(block!.spec.affinity, undefined, "without an affinity");
    assert.equal(block!.spec.attributes.map((a) => a.handle_id), ["k8s-pod-network.sb-borrower"]);
    assert.not.ok((await list<Obj>(cluster, "IPAMHandle")).some((h) => h.metadata.name === "k8s-pod-network.sb-w"));
  });
});

test.run();
