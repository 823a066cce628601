import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, Pod, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { runningServers } from "../../plugins/coredns/index.js";

const cluster = new Cluster({ clock: "virtual", seed: 3, nodes: 2, plugins: [...DEFAULT_PLUGINS.filter((p) => p !== "coredns"), "coredns"] });

async function exec(pod: string, command: string[]): Promise<{ code: number; out: string }> {
  const session = await cluster.resolve(PodStreams).exec!("default", pod, { command, stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  return { code: await session.exit, out };
}

test.before(async () => {
  await cluster.start();
  await cluster.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: nginx, image: nginx:1.25, ports: [{ containerPort: 80 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { selector: { app: web }, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default }
spec: { containers: [{ name: c, image: busybox:1.36, command: [sleep, infinity] }] }
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "coredns" && d.status?.readyReplicas === 2, { namespace: "kube-system", timeout: 120_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "client" && p.status?.phase === "Running", { timeout: 60_000 });
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 1, { timeout: 60_000 });
});

test.after(async () => {
  await cluster.stop();
});

test("kubeadm's objects: kube-dns at the tenth service address, coredns Deployment with 2 ready replicas, Corefile ConfigMap", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("kube-dns", { namespace: "kube-system" });
  assert.is(svc.spec?.clusterIP, "10.96.0.10");
  assert.equal(svc.spec?.ports?.map((p) => `${p.port}/${p.protocol}`), ["53/UDP", "53/TCP", "9153/TCP"]);
  const cm = await cluster.client.resource<ConfigMap>("ConfigMap").get("coredns", { namespace: "kube-system" });
  assert.match(cm.data!["Corefile"]!, /kubernetes cluster.local in-addr.arpa ip6.arpa/);
  const pods = await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" });
  assert.is(pods.items.length, 2);
  assert.ok(pods.items.every((p) => p.spec?.priorityClassName === "system-cluster-critical" && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")));
});

test("a pod's resolv.conf points at kube-dns with the search path and ndots:5", async () => {
  const r = await exec("client", ["cat", "/etc/resolv.conf"]);
  assert.is(r.out, "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
});

test("nslookup web resolves through the search path via kube-proxy to a CoreDNS pod; wget http://web works", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
  const r = await exec("client", ["nslookup", "web"]);
  assert.is(r.code, 0, r.out);
  assert.is(r.out, `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.default.svc.cluster.local\nAddress: ${svc.spec!.clusterIP}\n\n`);
  const nx = await exec("client", ["nslookup", "nope.default.svc.cluster.local"]);
  assert.is(nx.code, 1);
  assert.match(nx.out, "** server can't find nope.default.svc.cluster.local: NXDOMAIN");
  const w = await exec("client", ["wget", "-qO-", "http://web"]);
  assert.is(w.code, 0, w.out);
  assert.match(w.out, "Welcome to nginx!");
});

test("the trace of a DNS query shows kube-proxy's DNAT to a CoreDNS pod", async () => {
  const trace = await cluster.network.trace("pod/default/client", "10.96.0.10:53", { protocol: "udp" });
  const text = JSON.stringify(trace);
  const podIps = (await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" })).items.map((p) => p.status?.podIP);
  assert.ok(text.includes("DNAT"), text.slice(0, 400));
  assert.ok(podIps.some((ip) => text.includes(`${ip}`)), "reaches a CoreDNS pod");
});

test("editing the ConfigMap reloads the servers (kubelet volume resync, then reload's check)", async () => {
  const cms = cluster.client.resource<ConfigMap>("ConfigMap");
  const cm = await cms.get("coredns", { namespace: "kube-system" });
  const corefile = cm.data!["Corefile"]!.replace("    loadbalance\n", "    loadbalance\n    hosts {\n       192.0.2.44 legacy.example\n       fallthrough\n    }\n");
  await cms.update({ ...cm, data: { Corefile: corefile } }, { namespace: "kube-system" });
  const servers = [...(runningServers.get(cluster.resolve<DataPlane>(DataPlaneToken)) ?? [])];
  assert.is(servers.length, 2);
  await cluster.clock.sleep(150_000);
  assert.ok(servers.every((s) => s.corefile === corefile), "both replicas run the new Corefile");
  const r = await exec("client", ["nslookup", "legacy.example"]);
  assert.match(r.out, "Address: 192.0.2.44");
});

test.run();
