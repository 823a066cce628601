/** kubeadm's control-plane static pods: etcd, kube-apiserver, kube-controller-manager and kube-scheduler mirror pods on the control-plane node. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { parse as parseYaml } from "yaml";
import { Cluster } from "../../core/cluster/cluster.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { httpGet } from "../../core/cri/http.js";
import { DataPlaneToken } from "../../core/net/data-plane.js";
import { componentHealthAnswer } from "../../core/cluster/control-plane-host.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";

const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];
const CP = "kubesim-control-plane";

const ready = (p: Pod): boolean => p.status?.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

test("the control-plane node runs kubeadm's four static pods, mirrored Running and Ready in kube-system", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, logLevel: "error" });
  await cluster.start();
  try {
    for (const c of COMPONENTS) await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === `${c}-${CP}` && ready(p), { namespace: "kube-system", timeout: 120_000 });
    const pods = (await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "tier=control-plane" })).items as Pod[];
    assert.equal(pods.map((p) => p.metadata!.name).sort(), COMPONENTS.map((c) => `${c}-${CP}`));
    const node = (await cluster.client.resource("Node").get(CP)) as { status?: { addresses?: { type: string; address: string }[] } };
    const nodeIP = node.status!.addresses!.find((a) => a.type === "InternalIP")!.address;
    for (const p of pods) {
      const component = p.metadata!.labels!["component"]!;
      assert.ok(p.metadata!.annotations!["kubernetes.io/config.mirror"], `${component} is a mirror pod`);
      assert.is(p.metadata!.annotations!["kubernetes.io/config.source"], "file");
      assert.is(p.spec!.nodeName, CP);
      assert.is(p.spec!.hostNetwork, true);
      assert.is(p.spec!.priorityClassName, "system-node-critical");
      assert.is(p.status!.podIP, nodeIP, `${component} has the node's address`);
      assert.is(p.status!.qosClass, "Burstable");
      assert.is(p.spec!.containers[0]!.command![0], component);
    }
    const apiserver = pods.find((p) => p.metadata!.labels!["component"] === "kube-apiserver")!;
    assert.is(apiserver.metadata!.annotations!["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"], `${nodeIP}:6443`);
    assert.equal(apiserver.spec!.containers[0]!.readinessProbe!.httpGet, { host: nodeIP, path: "/readyz", port: 6443, scheme: "HTTPS" });
    assert.is(apiserver.spec!.containers[0]!.image, "registry.k8s.io/kube-apiserver:v1.32.0");
    const etcd = pods.find((p) => p.metadata!.labels!["component"] === "etcd")!;
    assert.is(etcd.metadata!.annotations!["kubeadm.kubernetes.io/etcd.advertise-client-urls"], `https://${nodeIP}:2379`);
    assert.equal(etcd.spec!.containers[0]!.resources!.requests, { cpu: "100m", memory: "100Mi" });

    // The manifests are where kubeadm writes them, as kubeadm writes them.
    const files = cluster.nodes.get(CP)!.scope.resolve<NodeFileSystem>(NodeFiles);
    assert.equal(files.list("/etc/kubernetes/manifests"), COMPONENTS.map((c) => `${c}.yaml`));
    const text = files.read("/etc/kubernetes/manifests/kube-scheduler.yaml")!;
    assert.match(text, /^apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    component: kube-scheduler\n    tier: control-plane\n/);
    assert.match(text, /\n  containers:\n  - command:\n    - kube-scheduler\n/);
    assert.is((parseYaml(text) as Pod).spec!.containers[0]!.livenessProbe!.httpGet!.port, 10259);
    // Worker nodes have none.
    assert.equal(cluster.nodes.get("kubesim-worker")!.scope.resolve<NodeFileSystem>(NodeFiles).list("/etc/kubernetes/manifests"), []);

    // The endpoints the probes reach, on the control-plane node.
    const plane = cluster.resolve(DataPlaneToken);
    const stack = plane.stack(plane.addNode(CP, nodeIP));
    const get = async (host: string, port: number, path: string) => {
      const r = await httpGet(stack, { host, port, path, timeoutMs: 1000, clock: cluster.clock });
      return `${r.status} ${r.body}`;
    };
    assert.is(await get(nodeIP, 6443, "/livez"), "200 ok");
    assert.is(await get(nodeIP, 6443, "/readyz"), "200 ok");
    assert.match(await get(nodeIP, 6443, "/api/v1/secrets"), /^403 .*forbidden: User \\"system:anonymous\\" cannot get path \\"\/api\/v1\/secrets\\"/);
    assert.is(await get("127.0.0.1", 2381, "/health"), `200 {"health":"true","reason":""}`);
    assert.is(await get("127.0.0.1", 10257, "/healthz"), "200 ok");
    assert.is(await get("127.0.0.1", 10259, "/readyz"), "200 ok");
    assert.is(await get("127.0.0.1", 10257, "/livez"), "404 404 page not found\n");
    assert.match(await get("127.0.0.1", 10259, "/metrics"), /^200 # HELP /);

    // Their logs are the components' start-up lines.
    const logs = cluster.resolve(PodStreams).logs;
    const apiserverLog = await logs("kube-system", `kube-apiserver-${CP}`, new URLSearchParams());
    assert.match(typeof apiserverLog === "string" ? apiserverLog : apiserverLog.text, /^I\d{4} \d\d:\d\d:\d\d\.\d{6}       1 options\.go:238\] external host was not specified, using 172\.18\.0\.2\n/);
  } finally {
    await cluster.stop();
  }
});

test("only the components the cluster runs get a static pod: no scheduler plugin, no kube-scheduler pod", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, logLevel: "error", plugins: ["kube-controller-manager", "images", "runtime-containerd", "kubelet", "cni-plugins", "cni-flannel", "kube-proxy"] });
  await cluster.start();
  try {
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === `kube-apiserver-${CP}` && ready(p), { namespace: "kube-system", timeout: 120_000 });
    await cluster.clock.sleep(10_000);
    const names = ((await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "tier=control-plane" })).items as Pod[]).map((p) => p.metadata!.name).sort();
    assert.equal(names, [`etcd-${CP}`, `kube-apiserver-${CP}`, `kube-controller-manager-${CP}`]);
  } finally {
    await cluster.stop();
  }
});

test("the health endpoints answer ok, or 500 naming the failed check, as Kubernetes components do", async () => {
  assert.equal(await componentHealthAnswer("/readyz", () => ({ healthy: true }), "etcd"), { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }, body: "ok" });
  const failing = await componentHealthAnswer("/livez", () => ({ healthy: false, reason: "down" }), "etcd");
  assert.is(failing!.status, 500);
  assert.is(failing!.body, "[-]etcd failed: reason withheld\nlivez check failed\n");
  assert.is(await componentHealthAnswer("/metrics", () => ({ healthy: true }), "etcd"), undefined);
});

test.run();
