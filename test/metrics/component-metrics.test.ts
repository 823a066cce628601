/**
 * Every component's metrics, scraped as Prometheus scrapes them from outside: through the API
 * server's proxy subresources into the simulated network (kubelet :10250, kube-controller-manager
 * :10257, kube-scheduler :10259, kube-proxy :10249 on the nodes), each parsed strictly, each moving
 * when the cluster does.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { parseExposition, sampleValue, type MetricFamily } from "../support/prometheus-text.js";

const TOKEN = "admin-token";
const cluster = new Cluster({ seed: 3, nodes: [{ role: "control-plane" }, { role: "worker" }] });
await cluster.start();
const server = await cluster.serve({ port: 0, insecureHttp: true, token: TOKEN });
const CP = "kubesim-control-plane";
const WORKER = "kubesim-worker";

async function scrape(path: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  assert.is(res.status, 200, `${path}: ${text}`);
  return parseExposition(text);
}

test("the kubelet's four endpoints through nodes/proxy, moving with a running pod", async () => {
  const pods = cluster.client.resource<Pod>("Pod");
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" }, spec: { nodeName: WORKER, containers: [{ name: "nginx", image: "nginx:1.27", readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 } }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true, { namespace: "default" });
  const main = await scrape(`/api/v1/nodes/${WORKER}/proxy/metrics`);
  assert.ok(sampleValue(main, "kubelet_running_pods") >= 1);
  assert.ok(sampleValue(main, "kubelet_running_containers", { container_state: "running" }) >= 1);
  assert.ok(sampleValue(main, "kubelet_pod_start_duration_seconds_count") >= 1);
  assert.is(sampleValue(main, "kubelet_node_name", { node: WORKER }), 1);
  const cadvisor = await scrape(`/api/v1/nodes/${WORKER}/proxy/metrics/cadvisor`);
  const cpu = cadvisor.get("container_cpu_usage_seconds_total")!.samples.find((s) => s.labels["pod"] === "web");
  assert.ok(cpu, "a cpu series for the pod");
  assert.is(cpu!.labels["container"], "nginx");
  assert.is(cpu!.labels["namespace"], "default");
  assert.ok(cpu!.labels["image"]!.includes("nginx"), JSON.stringify(cpu));
  assert.ok(cpu!.labels["id"]!.startsWith("/kubepods/pod"));
  assert.ok(cadvisor.get("container_memory_working_set_bytes")!.samples.some((s) => s.labels["pod"] === "web"));
  assert.ok(cadvisor.get("container_network_receive_bytes_total")!.samples.some((s) => s.labels["pod"] === "web"));
  const resource = await scrape(`/api/v1/nodes/${WORKER}/proxy/metrics/resource`);
  assert.ok(resource.get("pod_memory_working_set_bytes")!.samples.some((s) => s.labels["pod"] === "web"));
  assert.ok(resource.has("node_cpu_usage_seconds_total"));
  const probes = await scrape(`/api/v1/nodes/${WORKER}/proxy/metrics/probes`);
  assert.ok(sampleValue(probes, "prober_probe_total", { pod: "web", probe_type: "Readiness", result: "successful" }) >= 1);
  // `kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary`: the kubelet's Summary API.
  const res = await fetch(`${server.url}/api/v1/nodes/${WORKER}/proxy/stats/summary`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.is(res.status, 200);
  const summary = (await res.json()) as { node: { nodeName: string }; pods: { podRef: { name: string }; containers: { name: string }[] }[] };
  assert.is(summary.node.nodeName, WORKER);
  assert.equal(summary.pods.find((p) => p.podRef.name === "web")?.containers.map((c) => c.name), ["nginx"]);
});

test("kube-scheduler :10259 counts a scheduled pod", async () => {
  const path = `/api/v1/nodes/${CP}:10259/proxy/metrics`;
  const before = sampleValue(await scrape(path), "scheduler_schedule_attempts_total", { result: "scheduled", profile: "default-scheduler" });
  const pods = cluster.client.resource<Pod>("Pod");
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "scheduled", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "scheduled" && !!p.spec?.nodeName, { namespace: "default" });
  let after = await scrape(path);
  for (let i = 0; i < 50 && sampleValue(after, "scheduler_schedule_attempts_total", { result: "scheduled" }) === before; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = await scrape(path);
  }
  assert.is(sampleValue(after, "scheduler_schedule_attempts_total", { result: "scheduled", profile: "default-scheduler" }), before + 1);
  assert.ok(sampleValue(after, "scheduler_scheduling_attempt_duration_seconds_count", { result: "scheduled" }) >= 1);
  assert.ok(sampleValue(after, "scheduler_framework_extension_point_duration_seconds_count", { extension_point: "Bind", status: "Success" }) >= 1);
  assert.ok(after.get("scheduler_pending_pods")!.samples.some((s) => s.labels["queue"] === "active"));
});

test("kube-controller-manager :10257 shows its work queues and leadership", async () => {
  const kcm = await scrape(`/api/v1/nodes/${CP}:10257/proxy/metrics`);
  assert.ok(sampleValue(kcm, "workqueue_adds_total", { name: "replicaset" }) >= 0);
  assert.ok(kcm.get("workqueue_depth")!.samples.some((s) => s.labels["name"] === "deployment"));
  assert.ok(sampleValue(kcm, "workqueue_adds_total") > 0, "the controllers have processed something");
  assert.is(sampleValue(kcm, "leader_election_master_status", { name: "kube-controller-manager" }), 1);
  // Only control-plane nodes run it.
  const res = await fetch(`${server.url}/api/v1/nodes/${WORKER}:10257/proxy/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.is(res.status, 503);
  const status = (await res.json()) as { reason: string; message: string };
  assert.is(status.reason, "ServiceUnavailable");
  assert.match(status.message, /^error trying to reach service: dial tcp [\d.]+:10257: connect: connection refused$/);
});

test("kube-proxy :10249 on every node reports its syncs and rules", async () => {
  for (const node of [CP, WORKER]) {
    const m = await scrape(`/api/v1/nodes/${node}:10249/proxy/metrics`);
    assert.ok(sampleValue(m, "kubeproxy_sync_proxy_rules_duration_seconds_count") >= 1, node);
    assert.ok(sampleValue(m, "kubeproxy_sync_proxy_rules_last_timestamp_seconds") > 1e9, node);
    assert.ok(sampleValue(m, "kubeproxy_sync_proxy_rules_iptables_total", { table: "nat" }) > 0, node);
  }
});

test("pods/proxy and services/proxy reach a pod's port", async () => {
  const pods = cluster.client.resource<Pod>("Pod");
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: "default", labels: { app: "echo" } }, spec: { nodeName: WORKER, containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ name: "http", containerPort: 80 }] }] } });
  await cluster.client.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "default" }, spec: { selector: { app: "echo" }, ports: [{ name: "web", port: 8080, targetPort: 80 }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "echo" && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true, { namespace: "default" });
  const get = (path: string) => fetch(server.url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const viaPod = await get("/api/v1/namespaces/default/pods/echo:http/proxy/");
  assert.is(viaPod.status, 200);
  assert.match(await viaPod.text(), /nginx/i);
  let viaService = await get("/api/v1/namespaces/default/services/echo:web/proxy/");
  for (let i = 0; i < 50 && viaService.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 50));
    viaService = await get("/api/v1/namespaces/default/services/echo:web/proxy/");
  }
  assert.is(viaService.status, 200);
  const missing = await get("/api/v1/namespaces/default/services/nope:web/proxy/");
  assert.is(missing.status, 404);
});

test.after(async () => {
  await cluster.stop();
});

test.run();
