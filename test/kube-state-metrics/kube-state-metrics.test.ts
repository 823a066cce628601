import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { StateMetrics, goFloat, parseLabelsAllowlist } from "../../plugins/kube-state-metrics/index.js";
import { parseExposition as parsePrometheusText, type MetricFamily as Family } from "../support/prometheus-text.js";

test("values are written as Go's shortest %g: exponent form from 1e6 on", () => {
  assert.is(goFloat(0), "0");
  assert.is(goFloat(1), "1");
  assert.is(goFloat(3), "3");
  assert.is(goFloat(0.1), "0.1");
  assert.is(goFloat(100000), "100000");
  assert.is(goFloat(1_000_000), "1e+06");
  assert.is(goFloat(1_700_000_000), "1.7e+09");
  assert.is(goFloat(178_257_920), "1.7825792e+08");
  assert.is(goFloat(0.00001), "1e-05");
  assert.is(goFloat(-1), "-1");
});

test("--metric-labels-allowlist: per resource keys and patterns; a malformed value is refused", () => {
  const a = parseLabelsAllowlist("pods=[app,team],deployments=[*]");
  assert.equal(a.get("pods"), ["app", "team"]);
  assert.equal(a.get("deployments"), ["*"]);
  try {
    parseLabelsAllowlist("pods=app");
    assert.unreachable("accepted a malformed allowlist");
  } catch (err) {
    assert.match((err as Error).message, 'invalid argument "pods=app" for "--metric-labels-allowlist" flag');
  }
});

const pod = (name: string, labels: Record<string, string>): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}`, labels, creationTimestamp: "2024-05-01T10:00:00Z" },
  spec: { nodeName: "node-1", containers: [{ name: "c", image: "nginx:1.25", resources: { requests: { cpu: "250m", memory: "64Mi" } } }] },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "c", ready: true, restartCount: 2, image: "docker.io/library/nginx:1.25", imageID: "sha256:abc", state: { waiting: { reason: "CrashLoopBackOff" } } }] },
});

test("kube_pod_labels admits only allowlisted labels (label_<snake_case>); escaped values parse back", () => {
  const state = new StateMetrics({ resources: ["pods"], allowlist: "pods=[app,team.io/*]" });
  state.stores[0]!.upsert(pod("web", { app: 'we"b\\x\ny', "team.io/owner": "ops", secret: "no" }) as never);
  const families = parsePrometheusText(state.render());
  const labels = families.get("kube_pod_labels")!;
  assert.is(labels.help, "[STABLE] Kubernetes labels converted to Prometheus labels.");
  assert.equal(labels.samples[0]!.labels, { namespace: "default", pod: "web", uid: "uid-web", label_app: 'we"b\\x\ny', label_team_io_owner: "ops" });
  const none = new StateMetrics({ resources: ["pods"] });
  none.stores[0]!.upsert(pod("web", { app: "web" }) as never);
  assert.equal(parsePrometheusText(none.render()).get("kube_pod_labels")!.samples[0]!.labels, { namespace: "default", pod: "web", uid: "uid-web" });
});

test("pod families: phase as a stateset, container waiting reason, restarts counter, requests in cores and bytes", () => {
  const state = new StateMetrics({ resources: ["pods"] });
  state.stores[0]!.upsert(pod("web", {}) as never);
  const text = state.render();
  const f = parsePrometheusText(text);
  assert.equal(
    f.get("kube_pod_status_phase")!.samples.map((s) => `${s.labels["phase"]}=${s.value}`),
    ["Pending=0", "Succeeded=0", "Failed=0", "Unknown=0", "Running=1"],
  );
  assert.is(f.get("kube_pod_container_status_restarts_total")!.type, "counter");
  assert.is(f.get("kube_pod_container_status_restarts_total")!.samples[0]!.value, 2);
  assert.equal(f.get("kube_pod_container_status_waiting_reason")!.samples[0]!.labels["reason"], "CrashLoopBackOff");
  assert.is(f.get("kube_pod_container_status_running")!.samples[0]!.value, 0);
  const req = f.get("kube_pod_container_resource_requests")!.samples;
  assert.equal(req.map((s) => `${s.labels["resource"]}/${s.labels["unit"]}=${s.value}`), ["cpu/core=0.25", "memory/byte=67108864"]);
  assert.match(text, 'kube_pod_created{namespace="default",pod="web",uid="uid-web"} 1.7145576e+09\n');
  assert.match(text, "# HELP kube_pod_status_reason The pod status reasons\n");
  state.stores[0]!.delete(pod("web", {}) as never);
  assert.is(state.render(), "", "a resource without objects writes nothing");
});

// ---- in a running cluster ----

const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [...DEFAULT_PLUGINS, "kube-state-metrics"] });

async function exec(podName: string, command: string[]): Promise<{ code: number; out: string }> {
  const session = await cluster.resolve(PodStreams).exec!("default", podName, { command, stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  return { code: await session.exit, out };
}

let ksmIP = "";
async function scrape(): Promise<Map<string, Family>> {
  const r = await exec("client", ["wget", "-qO-", `http://${ksmIP}:8080/metrics`]);
  assert.is(r.code, 0, r.out);
  return parsePrometheusText(r.out);
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  return families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test.before(async () => {
  await cluster.start();
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default }
spec: { containers: [{ name: c, image: busybox:1.36, command: [sleep, infinity] }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: nginx, image: nginx:1.25 }] }
`);
  const ksm = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.labels?.["app.kubernetes.io/name"] === "kube-state-metrics" && !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), { namespace: "kube-system", timeout: 120_000 });
  ksmIP = ksm.status!.podIP!;
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "client" && p.status?.phase === "Running", { timeout: 60_000 });
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 2, { timeout: 60_000 });
});

test.after(async () => {
  await cluster.stop();
});

test("the Deployment and headless Service kube-state-metrics in kube-system, ports http-metrics and telemetry", async () => {
  const svc = await cluster.client.resource("Service").get("kube-state-metrics", { namespace: "kube-system" });
  assert.equal((svc as { spec: { ports: { name: string; port: number }[] } }).spec.ports.map((p) => `${p.name}:${p.port}`), ["http-metrics:8080", "telemetry:8081"]);
  const r = await exec("client", ["wget", "-qO-", `http://${ksmIP}:8081/metrics`]);
  const self = parsePrometheusText(r.out);
  assert.ok(self.has("kube_state_metrics_list_total"), r.out);
});

test("a scrape parses strictly and shows the cluster: pod info, node conditions, deployment replicas", async () => {
  const f = await scrape();
  const client = await cluster.client.resource<Pod>("Pod").get("client", { namespace: "default" });
  const info = f.get("kube_pod_info")!.samples.find((s) => s.labels["pod"] === "client")!;
  assert.equal(info.labels, { namespace: "default", pod: "client", uid: client.metadata!.uid!, host_ip: client.status!.hostIP!, pod_ip: client.status!.podIP!, node: client.spec!.nodeName!, created_by_kind: "", created_by_name: "", priority_class: "", host_network: "false" });
  assert.is(value(f, "kube_pod_status_phase", { pod: "client", phase: "Running" }), 1);
  assert.is(value(f, "kube_pod_status_ready", { pod: "client", condition: "true" }), 1);
  const nodes = await cluster.client.resource("Node").list();
  for (const n of nodes.items) assert.is(value(f, "kube_node_status_condition", { node: n.metadata!.name!, condition: "Ready", status: "true" }), 1);
  assert.is(value(f, "kube_deployment_status_replicas", { namespace: "default", deployment: "web" }), 2);
  assert.is(value(f, "kube_deployment_spec_replicas", { deployment: "web" }), 2);
  const rsOwner = f.get("kube_replicaset_owner")!.samples.find((s) => s.labels["owner_name"] === "web")!;
  assert.equal([rsOwner.labels["owner_kind"], rsOwner.labels["owner_is_controller"]], ["Deployment", "true"]);
  assert.is(value(f, "kube_namespace_status_phase", { namespace: "default", phase: "Active" }), 1);
  assert.ok(f.get("kube_service_info")!.samples.some((s) => s.labels["service"] === "kubernetes" && s.labels["cluster_ip"] === "10.96.0.1"));
});

test("families move with the cluster: scaling the deployment, a completed pod, a job", async () => {
  await cluster.client.resource<Deployment>("Deployment").patch("web", "merge", { spec: { replicas: 3 } }, { namespace: "default" });
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: once, namespace: default }
spec: { restartPolicy: Never, containers: [{ name: c, image: busybox:1.36, command: ["true"] }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: pi, namespace: default }
spec: { template: { spec: { restartPolicy: Never, containers: [{ name: c, image: busybox:1.36, command: ["true"] }] } } }
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 3, { timeout: 60_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "once" && p.status?.phase === "Succeeded", { timeout: 60_000 });
  await cluster.waitFor("Job", (j) => j.metadata?.name === "pi" && ((j as { status?: { succeeded?: number } }).status?.succeeded ?? 0) === 1, { timeout: 60_000 });
  await cluster.clock.sleep(1000);
  const f = await scrape();
  assert.is(value(f, "kube_deployment_status_replicas", { deployment: "web" }), 3);
  assert.is(value(f, "kube_deployment_status_replicas_available", { deployment: "web" }), 3);
  assert.is(value(f, "kube_pod_status_phase", { pod: "once", phase: "Succeeded" }), 1);
  assert.is(value(f, "kube_pod_status_phase", { pod: "once", phase: "Running" }), 0);
  assert.is(value(f, "kube_pod_container_status_terminated_reason", { pod: "once", container: "c", reason: "Completed" }), 1);
  assert.is(value(f, "kube_job_status_succeeded", { job_name: "pi" }), 1);
  assert.is(value(f, "kube_job_complete", { job_name: "pi", condition: "true" }), 1);
  await cluster.client.resource("Pod").delete("once", { namespace: "default", gracePeriodSeconds: 0 } as never);
  await cluster.clock.sleep(2000);
  const g = await scrape();
  assert.is(g.get("kube_pod_info")!.samples.find((s) => s.labels["pod"] === "once"), undefined, "a deleted pod's series are gone");
});

test.run();
