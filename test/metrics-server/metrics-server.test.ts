/** metrics-server: the kubelet's /metrics/resource, the Deployment and APIService, metrics.k8s.io through the aggregation layer, kubectl top. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { AggregatedApiToken, type AggregatedApi } from "../../core/apiserver/aggregator/aggregated-api.js";
import { formatFloat } from "../../plugins/kubelet/kubelet-server.js";
import { formatGoDuration } from "../../core/index.js";
import { decodeResourceMetrics, MetricsStorage, usageQuantities } from "../../plugins/metrics-server/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

test("quantities and durations as metrics-server and the Prometheus text format print them", () => {
  assert.equal(usageQuantities({ cpuNanoCores: 1_000_000_000, memoryBytes: 150 * 1024 * 1024 }), { cpu: "1", memory: "150Mi" });
  assert.equal(usageQuantities({ cpuNanoCores: 4_000_000, memoryBytes: 1_234_567 }), { cpu: "4m", memory: "1234567" });
  assert.equal(usageQuantities({ cpuNanoCores: 123_456_789, memoryBytes: 0 }), { cpu: "123456789n", memory: "0" });
  assert.is(formatGoDuration(15_000), "15s");
  assert.is(formatGoDuration(15_016), "15.016s");
  assert.is(formatGoDuration(75_500), "1m15.5s");
  assert.is(formatFloat(157286400), "1.572864e+08");
  assert.is(formatFloat(12.5), "12.5");
  assert.is(formatFloat(0.00001), "1e-05");
});

test("storage: a CPU rate needs two scrapes; a counter that went back (restart) gives no figure", () => {
  const text = (cpu: number, ts: number) => `node_cpu_usage_seconds_total ${cpu} ${ts}\nnode_memory_working_set_bytes 1000 ${ts}\ncontainer_cpu_usage_seconds_total{container="c",namespace="ns",pod="p"} ${cpu / 2} ${ts}\ncontainer_memory_working_set_bytes{container="c",namespace="ns",pod="p"} 2048 ${ts}\n`;
  const s = new MetricsStorage();
  s.store("n1", decodeResourceMetrics(text(10, 1_000_000), 0));
  assert.is(s.nodeUsage("n1"), undefined);
  assert.not.ok(s.ready());
  s.store("n1", decodeResourceMetrics(text(13, 1_015_000), 0));
  assert.ok(s.ready());
  const node = s.nodeUsage("n1")!;
  assert.is(Math.round(node.cpuNanoCores), 200_000_000);
  assert.is(node.windowMs, 15_000);
  const pod = s.podUsage("ns/p")!;
  assert.is(Math.round(pod.containers.get("c")!.cpuNanoCores), 100_000_000);
  s.store("n1", decodeResourceMetrics(text(1, 1_030_000), 0));
  assert.is(s.podUsage("ns/p"), undefined);
});

const dir = mkdtempSync(join(tmpdir(), "kubesim-metrics-"));
const cluster = new Cluster({ clock: "virtual", seed: 3, nodes: 2, plugins: ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "kubelet", "cni-plugins", "cni-kindnet", "kube-proxy", "metrics-server"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

const hogReady = (async () => {
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: hog, namespace: default }
spec:
  containers:
  - name: stress
    image: polinux/stress
    command: ["stress"]
    args: ["--cpu", "1", "--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"]
    resources: { limits: { cpu: 500m } }
`);
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "hog" && p.status?.phase === "Running", { namespace: "default", timeout: 120_000 });
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "metrics-server" && d.status?.readyReplicas === 1, { namespace: "kube-system", timeout: 180_000 });
  // Two scrapes after the hog started.
  await cluster.clock.sleep(35_000);
})();

test("the add-on: Deployment, Service and APIService in kube-system, the pod Ready once it has scraped twice", async () => {
  await hogReady;
  const apiService = await cluster.client.resource({ group: "apiregistration.k8s.io", version: "v1", resource: "apiservices" }).get("v1beta1.metrics.k8s.io");
  assert.equal((apiService as { spec?: { service?: unknown } }).spec?.service, { name: "metrics-server", namespace: "kube-system", port: 443 });
  const pods = await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-system", labelSelector: "k8s-app=metrics-server" });
  assert.is(pods.items.length, 1);
  assert.ok(pods.items[0]!.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
});

test("metrics.k8s.io through the aggregation layer: NodeMetrics and PodMetrics with the throttled CPU and the working set", async () => {
  await hogReady;
  const api = cluster.resolve<AggregatedApi>(AggregatedApiToken);
  const get = async (path: string) => {
    const r = await api.request("metrics.k8s.io", "v1beta1", { method: "GET", path, headers: { Accept: "application/json" } });
    assert.ok(r, "the APIService claims the group");
    return { status: r!.status, body: JSON.parse(r!.body) as Record<string, unknown> };
  };
  const pm = await get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/hog");
  assert.is(pm.status, 200);
  assert.is(pm.body["kind"], "PodMetrics");
  assert.is(pm.body["window"], "15s");
  const usage = (pm.body["containers"] as { name: string; usage: { cpu: string; memory: string } }[])[0]!;
  assert.is(usage.name, "stress");
  assert.is(usage.usage.cpu, "500m", "stress --cpu 1 is throttled to the 500m limit");
  assert.is(usage.usage.memory, "150Mi");
  const nodes = await get("/apis/metrics.k8s.io/v1beta1/nodes");
  assert.is(nodes.body["kind"], "NodeMetricsList");
  assert.is((nodes.body["items"] as unknown[]).length, 2);
  const missing = await get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
  assert.is(missing.status, 404);
  assert.is(missing.body["message"], 'podmetrics.metrics.k8s.io "default/nope" not found');
});

test("kubectl top pods and nodes", async () => {
  await hogReady;
  const pods = await k.ok(["top", "pods"]);
  assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
  assert.match(pods, /\nhog\s+500m\s+150Mi\s*\n/);
  const nodes = await k.ok(["top", "nodes"]);
  assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\n/);
  const hogNode = (await cluster.client.resource<Pod>("Pod").get("hog", { namespace: "default" })).spec!.nodeName!;
  assert.match(nodes, new RegExp(`\\n${hogNode}\\s+50\\dm\\s+\\d+%\\s+1\\d\\dMi\\s+\\d+%`));
  const system = await k.ok(["top", "pods", "-n", "kube-system", "-l", "k8s-app=metrics-server"]);
  assert.match(system, /\nmetrics-server-[a-z0-9]+-[a-z0-9]+\s+4m\s+19Mi\s*\n/);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
