import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { Connection, NetworkStack } from "../../core/net/sockets.js";
import { PodNetwork } from "../../core/cni/pod-network.js";
import { kubeProxy } from "../../plugins/kube-proxy/index.js";
import { podSandbox, serviceWithEndpoints } from "./service-fixtures.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";

/** A minimal HTTP/1.1 server: answers every request with `body`, naming the client it saw. */
function httpServer(stack: NetworkStack, port: number, body: string): void {
  stack.listen("TCP", port, (conn) => {
    let buf = "";
    conn.on("data", (d) => {
      buf += new TextDecoder().decode(d);
      if (!buf.includes("\r\n\r\n")) return;
      const payload = `${body} for ${conn.remoteAddress}`;
      conn.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`);
      conn.end();
    });
  });
}

/** GET / and read the whole response until the server closes. */
async function httpGet(stack: NetworkStack, address: string, port: number): Promise<{ status: string; body: string }> {
  const conn: Connection = await stack.connect(address, port);
  return new Promise((resolve) => {
    let text = "";
    conn.on("data", (d) => (text += new TextDecoder().decode(d)));
    conn.on("end", () => {
      conn.end();
      const [head, body] = text.split("\r\n\r\n");
      resolve({ status: head!.split("\r\n")[0]!, body: body ?? "" });
    });
    conn.write(`GET / HTTP/1.1\r\nHost: ${address}\r\nUser-Agent: Wget\r\n\r\n`);
  });
}

function service(cluster: Cluster, name: string, eps: { ip: string; node: string }[], spec: Record<string, unknown>): Promise<Service> {
  return serviceWithEndpoints(cluster, name, eps, spec);
}

test("HTTP between two pods' servers, through a Service with ClientIP session affinity (every request to one backend)", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy(), "node-net-tools"] });
  await cluster.start();
  try {
    const client = await podSandbox(cluster, CP, "busybox");
    const n1 = await podSandbox(cluster, CP, "nginx-1");
    const n2 = await podSandbox(cluster, W1, "nginx-2");
    httpServer(n1.stack, 8080, "nginx-1");
    httpServer(n2.stack, 8080, "nginx-2");
    const direct = await httpGet(client.stack, n2.ips[0]!, 8080);
    assert.equal(direct, { status: "HTTP/1.1 200 OK", body: `nginx-2 for ${client.ips[0]}` });
    const svc = await service(
      cluster,
      "sticky",
      [
        { ip: n1.ips[0]!, node: CP },
        { ip: n2.ips[0]!, node: W1 },
      ],
      { sessionAffinity: "ClientIP" },
    );
    const bodies = new Set<string>();
    for (let i = 0; i < 8; i++) bodies.add((await httpGet(client.stack, svc.spec!.clusterIP!, 80)).body);
    assert.is(bodies.size, 1, "ClientIP affinity keeps one backend");
    const nat = (await cluster.nodeExec(CP, ["iptables-save", "-t", "nat"])).stdout;
    assert.match(nat, /-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-[A-Z2-7]{16} --mask 255\.255\.255\.255 --rsource -j KUBE-SEP-/);
    assert.match(nat, /-m recent --set --name KUBE-SEP-[A-Z2-7]{16} --mask 255\.255\.255\.255 --rsource -m tcp -j DNAT/);
  } finally {
    await cluster.stop();
  }
});

test("externalTrafficPolicy Local: the health check node port answers 200 where an endpoint is local, 503 elsewhere", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy(), "node-net-tools"] });
  await cluster.start();
  try {
    const n2 = await podSandbox(cluster, W1, "web");
    httpServer(n2.stack, 8080, "web");
    const svc = await service(cluster, "lb", [{ ip: n2.ips[0]!, node: W1 }], { type: "LoadBalancer", externalTrafficPolicy: "Local" });
    const hc = svc.spec!.healthCheckNodePort!;
    assert.ok(hc > 0, "the API server allocated a health check node port");
    const outside = cluster.network.plane.stack(cluster.network.plane.outside);
    const good = await httpGet(outside, "172.18.0.3", hc);
    assert.is(good.status, "HTTP/1.1 200 OK");
    assert.equal(JSON.parse(good.body), { service: { namespace: "default", name: "lb" }, localEndpoints: 1, serviceProxyHealthy: true });
    const bad = await httpGet(outside, "172.18.0.2", hc);
    assert.is(bad.status, "HTTP/1.1 503 Service Unavailable");
  } finally {
    await cluster.stop();
  }
});

test("hostPort through portmap: outside reaches the pod on the node's address", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", "node-net-tools"] });
  await cluster.start();
  try {
    const web = await podSandbox(cluster, W1, "hostport", { portMappings: [{ containerPort: 8080, hostPort: 8081, protocol: "TCP" }] });
    httpServer(web.stack, 8080, "hostport");
    const outside = cluster.network.plane.stack(cluster.network.plane.outside);
    const r = await httpGet(outside, "172.18.0.3", 8081);
    assert.equal(r, { status: "HTTP/1.1 200 OK", body: "hostport for 172.18.0.1" });
    const nat = (await cluster.nodeExec(W1, ["iptables", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT"])).stdout;
    assert.match(nat, /^-N CNI-HOSTPORT-DNAT\n-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"kindnet\\" id: \\"sb-hostport\\"" -m tcp --dport 8081 -j CNI-DN-[0-9a-f]{21}\n$/);
    await cluster.nodes.get(W1)!.scope.resolve<PodNetwork>(PodNetwork).tearDownPod({ sandboxId: "sb-hostport", podName: "hostport", podNamespace: "default", podUid: "uid-hostport" });
    assert.is((await cluster.nodeExec(W1, ["iptables", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT"])).stdout, "-N CNI-HOSTPORT-DNAT\n", "DEL removes the mapping");
  } finally {
    await cluster.stop();
  }
});

test.run();
