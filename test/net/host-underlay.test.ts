import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node } from "kubernetes-types/core/v1.js";
import { RealClock } from "../../core/clock/real-clock.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { HostUnderlay, UNDERLAY_ENDPOINT_ANNOTATION } from "../../core/net/host-underlay.js";
import { ipv4ToUint32 } from "../../core/net/ipv4.js";
import { NetError, type Connection } from "../../core/net/sockets.js";

/**
 * Two node "processes" (two data planes, as two `kubesim kubelet` processes hold them), each with
 * one pod behind a proxy-ARP veth, joined only by their host underlay sockets.
 */
async function twoNodes() {
  const clock = new RealClock();
  const nodes = [
    { name: "a", ip: "172.18.0.2", podIP: "10.244.1.2", cidr: "10.244.1.0" },
    { name: "b", ip: "172.18.0.3", podIP: "10.244.2.5", cidr: "10.244.2.0" },
  ];
  const sides = await Promise.all(
    nodes.map(async (n, i) => {
      const plane = new DataPlane({ clock, seed: i + 1 });
      const root = plane.addNode(n.name, n.ip);
      const pod = plane.createNamespace(n.name, "cni-pod");
      plane.vethPair(pod, "eth0", root, "veth0");
      root.devices.get("veth0")!.proxyArp = true;
      pod.addAddress("eth0", ipv4ToUint32(n.podIP), 24, "global", { noprefixroute: true });
      pod.main.add({ type: "unicast", network: 0, prefix: 0, dev: "eth0", scope: "link" });
      root.main.add({ type: "unicast", network: ipv4ToUint32(n.podIP), prefix: 32, dev: "veth0", scope: "link" });
      const other = nodes[1 - i]!;
      root.main.add({ type: "unicast", network: ipv4ToUint32(other.cidr), prefix: 24, dev: "eth0", via: ipv4ToUint32(other.ip), scope: "global" });
      const underlay = await HostUnderlay.start(plane, n.name);
      return { plane, root, pod, underlay, stack: plane.stack(pod), ...n };
    }),
  );
  const asNode = (s: (typeof sides)[number]): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name: s.name, annotations: { [UNDERLAY_ENDPOINT_ANNOTATION]: s.underlay.endpoint } }, status: { addresses: [{ type: "InternalIP", address: s.ip }] } });
  for (const s of sides) for (const o of sides) s.underlay.nodeChanged(asNode(o));
  return { a: sides[0]!, b: sides[1]!, close: () => sides.forEach((s) => s.underlay.close()) };
}

function collect(conn: Connection): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    conn.on("data", (d) => (text += Buffer.from(d).toString()));
    conn.on("end", () => resolve(text));
    conn.on("error", reject);
  });
}

test("a TCP connection from a pod on one node process to a pod on another carries bytes both ways", async () => {
  const { a, b, close } = await twoNodes();
  try {
    let seenFrom = "";
    b.stack.listen("TCP", 8080, (conn) => {
      seenFrom = `${conn.remoteAddress}`;
      let got = "";
      conn.on("data", (d) => (got += Buffer.from(d).toString()));
      conn.on("end", () => {
        conn.write(`echo:${got.length}:${got.slice(0, 5)}`);
        conn.end();
      });
    });
    const conn = await a.stack.connect("10.244.2.5", 8080, { timeoutMs: 5000 });
    assert.is(conn.remoteAddress, "10.244.2.5");
    assert.is(conn.localAddress, "10.244.1.2");
    const reply = collect(conn);
    // More than one underlay message's worth, so the stream is split and reassembled in order.
    const big = "hello" + "x".repeat(100_000);
    conn.write(big);
    conn.end();
    assert.is(await reply, `echo:${big.length}:hello`);
    assert.is(seenFrom, "10.244.1.2");
    // Both roots kept the neighbour they sent to over the wire (the remote eth0's MAC).
    assert.is(a.root.neigh.get("eth0", ipv4ToUint32("172.18.0.3"))?.lladdr, "02:42:ac:12:00:03");
  } finally {
    close();
  }
});

test("nothing listening on the far pod: ECONNREFUSED; an unknown remote node: no route over the wire", async () => {
  const { a, b, close } = await twoNodes();
  try {
    let err: unknown;
    await a.stack.connect("10.244.2.5", 9999, { timeoutMs: 5000 }).catch((e: unknown) => (err = e));
    assert.instance(err, NetError);
    assert.is((err as NetError).code, "ECONNREFUSED");
    a.underlay.nodeRemoved("b");
    const trace = a.plane.walk(a.pod, { proto: "tcp", src: 0, dst: ipv4ToUint32("10.244.2.5"), sport: 40000, dport: 80, ttl: 64, size: 40, df: true, mark: 0, flags: "SYN" }, true);
    assert.is(trace.outcome, "dropped");
    assert.is(trace.reason, "host-unreachable");
    void b;
  } finally {
    close();
  }
});

test("UDP datagrams cross between node processes, and the reply finds its way back", async () => {
  const { a, b, close } = await twoNodes();
  try {
    b.stack.bindUdp(53, (msg, socket) => socket.send(Buffer.from(`pong:${Buffer.from(msg.data).toString()}`), msg.remoteAddress, msg.remotePort));
    const reply = new Promise<{ text: string; from: string }>((resolve) => {
      const s = a.stack.bindUdp(0, (msg) => {
        resolve({ text: Buffer.from(msg.data).toString(), from: `${msg.remoteAddress}:${msg.remotePort}` });
        s.close();
      });
      s.send(Buffer.from("ping"), "10.244.2.5", 53);
    });
    assert.equal(await reply, { text: "pong:ping", from: "10.244.2.5:53" });
  } finally {
    close();
  }
});

test.run();
