import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork } from "../../core/cni/pod-network.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import type { Connection, NetworkStack } from "../../core/net/sockets.js";
import { ipRoute, routeN } from "../../core/net/views/ip-route.js";
import { ipAddr } from "../../core/net/views/ip-link.js";

function podNetwork(cluster: Cluster, node: string): PodNetwork {
  return cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork);
}

let uid = 0;
async function pod(cluster: Cluster, node: string, name: string) {
  uid++;
  return podNetwork(cluster, node).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `uid-${uid}` });
}

/** An echo server that answers each chunk with `<prefix><chunk>` and reports its peers. */
function echo(stack: NetworkStack, port: number, prefix: string, peers: string[] = []): void {
  stack.listen("TCP", port, (conn) => {
    peers.push(`${conn.remoteAddress}`);
    conn.on("data", (d) => conn.write(prefix + new TextDecoder().decode(d)));
    conn.on("end", () => conn.end());
  });
}

function request(conn: Connection, text: string): Promise<string> {
  return new Promise((resolve) => {
    conn.once("data", (d) => resolve(new TextDecoder().decode(d)));
    conn.write(text);
  });
}

test("no conflist: NetworkReady is false with the CRI reason", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, plugins: ["cni-plugins"] });
  await cluster.start();
  try {
    const st = podNetwork(cluster, "kubesim-control-plane").status();
    assert.is(st.ready, false);
    assert.is(st.message, "Network plugin returns error: cni plugin not initialized");
    try {
      await pod(cluster, "kubesim-control-plane", "x");
      assert.unreachable("ADD without a conflist must fail");
    } catch (err) {
      assert.match(String(err), /cni plugin not initialized/);
    }
  } finally {
    await cluster.stop();
  }
});

test("kindnet: ptp + host-local addresses, pod to pod on one node and across nodes, kind's routes", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet"] });
  await cluster.start();
  try {
    const cp = "kubesim-control-plane";
    const w = "kubesim-worker";
    assert.ok(podNetwork(cluster, cp).status().ready);
    const a = await pod(cluster, cp, "a");
    const b = await pod(cluster, cp, "b");
    const c = await pod(cluster, w, "c");
    assert.equal([a.ips, b.ips, c.ips], [["10.244.0.2"], ["10.244.0.3"], ["10.244.1.2"]]);
    assert.is(await pod(cluster, cp, "a").then((x) => x.ips[0]), "10.244.0.2", "ADD is idempotent per sandbox");
    const peersB: string[] = [];
    const peersC: string[] = [];
    echo(b.stack, 8080, "b:", peersB);
    echo(c.stack, 8080, "c:", peersC);
    const toB = await a.stack.connect("10.244.0.3", 8080);
    assert.is(await request(toB, "hi"), "b:hi");
    const toC = await a.stack.connect("10.244.1.2", 8080);
    assert.is(await request(toC, "there"), "c:there");
    assert.equal([peersB, peersC], [["10.244.0.2"], ["10.244.0.2"]], "pod-to-pod keeps the source address");
    assert.is(toC.remoteAddress, "10.244.1.2");

    const plane = cluster.network.plane;
    const podNs = plane.ownerOf(0x0af40002)!;
    assert.is(ipRoute(podNs), "default via 10.244.0.1 dev eth0 \n".replace(" \n", "\n") + "10.244.0.0/24 via 10.244.0.1 dev eth0 src 10.244.0.2\n10.244.0.1 dev eth0 scope link src 10.244.0.2\n");
    const root = plane.node(cp)!;
    const routes = ipRoute(root);
    assert.match(routes, "default via 172.18.0.1 dev eth0\n");
    assert.match(routes, "10.244.0.2 dev veth");
    assert.match(routes, "10.244.1.0/24 via 172.18.0.3 dev eth0\n");
    assert.match(routes, "172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.2\n");
    assert.match(routeN(root), /^10\.244\.1\.0\s+172\.18\.0\.3\s+255\.255\.255\.0\s+UG\s+0\s+0\s+0 eth0$/m);
    assert.match(ipAddr(root, "eth0"), "inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0");
  } finally {
    await cluster.stop();
  }
});

test("host-local never hands out an address twice and frees it on DEL; DEL is idempotent", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, plugins: ["cni-plugins", "cni-kindnet"] });
  await cluster.start();
  try {
    const node = "kubesim-control-plane";
    const pn = podNetwork(cluster, node);
    const files = cluster.nodes.get(node)!.scope.resolve<NodeFileSystem>(NodeFiles);
    const ips = new Set<string>();
    for (let i = 0; i < 20; i++) ips.add((await pod(cluster, node, `p${i}`)).ips[0]!);
    assert.is(ips.size, 20);
    assert.ok(files.exists("/run/cni-ipam-state/kindnet/10.244.0.2"));
    const req = { sandboxId: "sb-p0", podName: "p0", podNamespace: "default", podUid: "" };
    await pn.tearDownPod(req);
    await pn.tearDownPod(req);
    assert.not.ok(files.exists("/run/cni-ipam-state/kindnet/10.244.0.2"), "released on DEL");
    const next = (await pod(cluster, node, "fresh")).ips[0]!;
    assert.not.ok(ips.has(next) && next !== "10.244.0.2", "a live address is never reused");
    assert.is(next, "10.244.0.22", "allocation continues after the last reserved address");
  } finally {
    await cluster.stop();
  }
});

test("egress to outside is masqueraded to the node address; an oversized DF packet is dropped at the MTU", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet"] });
  await cluster.start();
  try {
    const a = await pod(cluster, "kubesim-control-plane", "a");
    await pod(cluster, "kubesim-worker", "c");
    const plane = cluster.network.plane;
    const peers: string[] = [];
    echo(plane.stack(plane.outside), 80, "out:", peers);
    const conn = await a.stack.connect("172.18.0.1", 80);
    assert.is(await request(conn, "x"), "out:x");
    assert.equal(peers, ["172.18.0.2"]);
    const t = await cluster.network.trace("pod/default/a", "pod/default/c:8080", { payload: 1500 });
    assert.is(t.outcome, "dropped");
    assert.is(t.reason, "mtu-exceeded");
    assert.match(t.detail!, "1540 bytes > mtu 1500 of eth0 with DF set");
    const ok = await cluster.network.trace("pod/default/a", "pod/default/c:8080");
    assert.is(ok.outcome, "delivered");
    assert.ok(ok.hops.some((h) => h.node === "kubesim-worker" && h.step === "rx"));
    try {
      await a.stack.connect("10.244.1.2", 9999);
      assert.unreachable();
    } catch (err) {
      assert.match(String(err), /ECONNREFUSED/);
    }
  } finally {
    await cluster.stop();
  }
});

test.run();
