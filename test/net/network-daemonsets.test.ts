import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Node, Pod } from "kubernetes-types/core/v1.js";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { summarizePod } from "../../core/apiserver/printers/pod-printer.js";
import { NodeKubelet } from "../../plugins/kubelet/index.js";
import type { Kubelet } from "../../plugins/kubelet/kubelet.js";
import { kubeProxy } from "../../plugins/kube-proxy/index.js";

const NODES = ["kubesim-control-plane", "kubesim-worker"];

async function until(cluster: Cluster, what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (await check()) return;
    await cluster.clock.sleep(1000);
  }
  assert.unreachable(`timed out waiting for ${what}`);
}

test("kube-proxy and kindnet run as DaemonSets in kube-system: a Running hostNetwork pod on every node, kube-proxy's mode from its ConfigMap", async () => {
  const cluster = new Cluster({
    clock: "virtual",
    seed: 1,
    nodes: 2,
    plugins: ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "kubelet", "cni-plugins", "cni-kindnet", kubeProxy({ mode: "ipvs" })],
  });
  await cluster.start();
  try {
    const pods = cluster.client.resource<Pod>("Pod");
    const systemPods = async (app: string): Promise<Pod[]> => (await pods.list({ namespace: "kube-system", labelSelector: `k8s-app=${app}` })).items;
    await until(cluster, "the network DaemonSets' pods to run", async () => {
      const all = [...(await systemPods("kube-proxy")), ...(await systemPods("kindnet"))];
      return all.length === 4 && all.every((p) => summarizePod(p).status === "Running" && summarizePod(p).ready === "1/1");
    });
    const nodes = (await cluster.client.resource<Node>("Node").list()).items;
    const nodeIP = new Map(nodes.map((n) => [n.metadata!.name!, n.status!.addresses!.find((a) => a.type === "InternalIP")!.address]));
    for (const app of ["kube-proxy", "kindnet"]) {
      const list = await systemPods(app);
      assert.equal(list.map((p) => p.spec!.nodeName).sort(), NODES, `${app}: one pod per node`);
      for (const p of list) {
        assert.match(p.metadata!.name!, new RegExp(`^${app}-[a-z0-9]{5}$`));
        assert.ok(p.spec!.hostNetwork);
        assert.is(p.status!.podIP, nodeIP.get(p.spec!.nodeName!), "hostNetwork: the pod IP is the node's");
        assert.is(p.metadata!.ownerReferences![0]!.kind, "DaemonSet");
      }
      const ds = await cluster.client.resource<DaemonSet>("DaemonSet").get(app === "kindnet" ? "kindnet" : "kube-proxy", { namespace: "kube-system" });
      assert.is(ds.status!.numberReady, 2);
    }

    const cm = await cluster.client.resource<ConfigMap>("ConfigMap").get("kube-proxy", { namespace: "kube-system" });
    assert.match(cm.data!["config.conf"]!, /^kind: KubeProxyConfiguration$/m);
    assert.match(cm.data!["config.conf"]!, /^mode: ipvs$/m);
    assert.match(cm.data!["config.conf"]!, /^clusterCIDR: 10\.244\.0\.0\/16$/m);

    // The container read the mounted KubeProxyConfiguration: it starts the IPVS proxier, as the agent did.
    const proxyPod = (await systemPods("kube-proxy")).find((p) => p.spec!.nodeName === "kubesim-worker")!;
    const kubelet = cluster.nodes.get("kubesim-worker")!.scope.resolve<Kubelet>(NodeKubelet);
    const log = kubelet.runtime.logs.lines(`/var/log/pods/kube-system_${proxyPod.metadata!.name}_${proxyPod.metadata!.uid}/kube-proxy/0.log`)!.join("\n");
    assert.match(log, /server_linux\.go:170\] "Using ipvs Proxier"/);
    assert.match(log, new RegExp(`"Successfully retrieved node IP\\(s\\)" IPs=\\["${nodeIP.get("kubesim-worker")!.replace(/\./g, "\\.")}"\\]`));
    assert.ok(cluster.network.plane.node("kubesim-worker")!.devices.has("kube-ipvs0"), "the node's data path is in IPVS mode");
  } finally {
    await cluster.stop();
  }
});

test.run();
