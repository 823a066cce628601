import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { Connection, NetworkStack } from "../../core/net/sockets.js";
import { iptablesSave } from "../../core/net/views/iptables-save.js";
import { conntrackList } from "../../core/net/views/conntrack-list.js";
import { ipvsadmList } from "../../core/net/views/ipvsadm.js";
import { kubeProxy } from "../../plugins/kube-proxy/index.js";
import { serviceChainName, endpointChainName } from "../../plugins/kube-proxy/chain-names.js";
import { podSandbox, serviceWithEndpoints } from "./service-fixtures.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";
const W2 = "kubesim-worker2";

function serve(stack: NetworkStack, name: string, peers: string[]): void {
  stack.listen("TCP", 8080, (conn) => {
    peers.push(conn.remoteAddress);
    conn.on("data", () => conn.write(name));
  });
}

function ask(conn: Connection): Promise<string> {
  return new Promise((resolve) => {
    conn.once("data", (d) => resolve(new TextDecoder().decode(d)));
    conn.write("GET / HTTP/1.1\r\n\r\n");
  });
}

function service(cluster: Cluster, name: string, endpoints: { ip: string; node: string }[], spec: Partial<Service["spec"]> = {}): Promise<Service> {
  return serviceWithEndpoints(cluster, name, endpoints, { type: "NodePort", ...spec });
}

test("chain names are upstream's base32(sha256) hashes", () => {
  assert.is(serviceChainName("KUBE-SVC-", "default/kubernetes:https", "TCP"), "KUBE-SVC-NPX46M4PTMTKRN6Y");
  assert.is(serviceChainName("KUBE-SVC-", "kube-system/kube-dns:dns", "udp"), "KUBE-SVC-TCOU7JCQXEZGVUNU");
  assert.is(serviceChainName("KUBE-SVC-", "default/httpbin-svc", "tcp"), "KUBE-SVC-OHIL3USJ2RV6WHZD");
  assert.match(endpointChainName("default/httpbin-svc", "tcp", "192.20.1.5:80"), /^KUBE-SEP-[A-Z2-7]{16}$/);
});

test("iptables mode: ClusterIP spreads over endpoints and the reply is un-NATed; no endpoints is refused; NodePort with externalTrafficPolicy Cluster and Local", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3, plugins: ["cni-plugins", "cni-kindnet", kubeProxy()] });
  await cluster.start();
  try {
    const client = await podSandbox(cluster, CP, "client");
    const w1 = await podSandbox(cluster, CP, "web-1");
    const w2 = await podSandbox(cluster, W1, "web-2");
    const peers: string[] = [];
    serve(w1.stack, "web-1", peers);
    serve(w2.stack, "web-2", peers);
    const svc = await service(cluster, "web", [
      { ip: w1.ips[0]!, node: CP },
      { ip: w2.ips[0]!, node: W1 },
    ]);
    const clusterIP = svc.spec!.clusterIP!;
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const conn = await client.stack.connect(clusterIP, 80);
      assert.is(conn.remoteAddress, clusterIP, "the reply comes back from the cluster IP (conntrack un-DNAT)");
      seen.add(await ask(conn));
      conn.end();
    }
    assert.equal([...seen].sort(), ["web-1", "web-2"], "spread over both endpoints");
    assert.ok(peers.every((p) => p === client.ips[0]), "pod sources are not masqueraded");

    const root = cluster.network.plane.node(CP)!;
    const nat = iptablesSave(root.netfilter, cluster.clock.now(), { table: "nat" });
    const svcChain = serviceChainName("KUBE-SVC-", "default/web", "tcp");
    assert.match(nat, `-A KUBE-SERVICES -d ${clusterIP}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j ${svcChain}`);
    assert.match(nat, `-A ${svcChain} ! -s 10.244.0.0/16 -d ${clusterIP}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`);
    assert.match(nat, `-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-`);
    assert.match(nat, `-j DNAT --to-destination ${w2.ips[0]}:8080`);
    assert.match(nat, "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
    assert.match(nat, "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0");
    assert.match(nat, /^\*nat\n:PREROUTING ACCEPT \[\d+:\d+\]\n:INPUT ACCEPT/m);
    const ct = conntrackList(root.conntrack, cluster.clock.now()).stdout;
    assert.match(ct, new RegExp(`^tcp      6 \\d+ \\w+ src=${client.ips[0]!.replace(/\./g, "\\.")} dst=${clusterIP.replace(/\./g, "\\.")} sport=\\d+ dport=80 src=10\\.244\\.\\d+\\.2 dst=`, "m"));

    // No endpoints: REJECT in filter KUBE-SERVICES → connection refused.
    const empty = await service(cluster, "empty", []);
    try {
      await client.stack.connect(empty.spec!.clusterIP!, 80);
      assert.unreachable("a service without endpoints must refuse");
    } catch (err) {
      assert.match(String(err), /ECONNREFUSED/);
    }
    assert.match(iptablesSave(root.netfilter, 0, { table: "filter" }), `-A KUBE-SERVICES -d ${empty.spec!.clusterIP}/32 -p tcp -m comment --comment "default/empty has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`);

    // NodePort from outside, externalTrafficPolicy Cluster: works on any node, source masqueraded.
    const outside = cluster.network.plane.stack(cluster.network.plane.outside);
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    peers.length = 0;
    const viaW2 = await outside.connect("172.18.0.4", nodePort);
    await ask(viaW2);
    assert.equal(peers, ["172.18.0.4"], "SNAT to the node that received it");

    // externalTrafficPolicy Local: the client's address is kept, nodes without a local endpoint drop.
    await cluster.client.resource<Service>("Service").patch("web", "merge", { spec: { externalTrafficPolicy: "Local" } }, { namespace: "default" });
    await cluster.clock.sleep(1500);
    peers.length = 0;
    const local = await outside.connect("172.18.0.3", nodePort);
    assert.is(await ask(local), "web-2", "only the node's own endpoint");
    assert.equal(peers, ["172.18.0.1"], "source IP preserved");
    try {
      await outside.connect("172.18.0.4", nodePort, { timeoutMs: 2000 });
      assert.unreachable("a node without local endpoints drops");
    } catch (err) {
      assert.match(String(err), /ETIMEDOUT/);
    }
    const trace = await cluster.network.trace("outside", `nodeport/${W2}:${nodePort}`);
    assert.is(trace.outcome, "dropped");
    assert.match(trace.detail!, /has no local endpoints|dropped in filter/);
  } finally {
    await cluster.stop();
  }
});

test("IPVS mode: virtual servers on kube-ipvs0, scheduled round robin, ipvsadm view", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: ["cni-plugins", "cni-kindnet", kubeProxy({ mode: "ipvs" })] });
  await cluster.start();
  try {
    const client = await podSandbox(cluster, CP, "client");
    const w1 = await podSandbox(cluster, CP, "web-1");
    const w2 = await podSandbox(cluster, W1, "web-2");
    const peers: string[] = [];
    serve(w1.stack, "web-1", peers);
    serve(w2.stack, "web-2", peers);
    const svc = await service(cluster, "web", [
      { ip: w1.ips[0]!, node: CP },
      { ip: w2.ips[0]!, node: W1 },
    ]);
    const clusterIP = svc.spec!.clusterIP!;
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const conn = await client.stack.connect(clusterIP, 80);
      assert.is(conn.remoteAddress, clusterIP);
      answers.push(await ask(conn));
    }
    assert.equal(answers, ["web-1", "web-2", "web-1", "web-2"], "rr");
    const root = cluster.network.plane.node(CP)!;
    const view = ipvsadmList(root.ipvs);
    assert.match(view, `TCP  ${clusterIP}:80 rr\n  -> ${w1.ips[0]}:8080`);
    assert.match(view, "Masq    1      ");
    const t = await cluster.network.trace("pod/default/client", `svc/default/web:80`);
    assert.is(t.outcome, "delivered");
    assert.ok(t.hops.some((h) => h.step === "ipvs"));
  } finally {
    await cluster.stop();
  }
});

test.run();
