/** An HPA scaling a Deployment up and down on the virtual clock, driven by the stress image's CPU, with metrics-server and kubectl. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-hpa-"));
const cluster = new Cluster({ clock: "virtual", seed: 5, nodes: 2, plugins: ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "kubelet", "cni-plugins", "cni-kindnet", "kube-proxy", "metrics-server"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

// No replicas in the manifest: applying it again leaves the count to the HPA (as upstream advises).
const deployment = (args: string[]) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: stress
        image: polinux/stress
        command: ["stress"]
        args: ${JSON.stringify(args)}
        resources: { requests: { cpu: 200m }, limits: { cpu: 500m } }
`;
const hpaOf = () => cluster.client.resource<HorizontalPodAutoscaler & { metadata?: { name?: string } }>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }).get("web", { namespace: "default" });
const rescales = async () => ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.reason === "SuccessfulRescale" && e.involvedObject?.name === "web").map((e) => e.message!);

test("load drives the Deployment to maxReplicas, 4 at a time; idle, it returns to minReplicas after the 5-minute stabilization", async () => {
  await cluster.apply(deployment(["--cpu", "1"]));
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "metrics-server" && d.status?.readyReplicas === 1, { namespace: "kube-system", timeout: 180_000 });
  // Every status the controller writes, in order (kubectl runs outside the process: the virtual clock moves on while it runs).
  const seen: HorizontalPodAutoscaler[] = [];
  const watch = await cluster.client.resource<HorizontalPodAutoscaler & { metadata?: object }>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }).watch({ namespace: "default" }, (e) => void seen.push(e.object as HorizontalPodAutoscaler));
  await cluster.apply(`
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web, namespace: default }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 1
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
`);
  // One pod at its 500m limit is 250 % of its 200m request: 5× the target, limited to 4 on the first step.
  for (let i = 0; i < 300 && !seen.some((h) => (h.status?.desiredReplicas ?? 0) >= 4); i++) await cluster.clock.sleep(1_000);
  const limited = seen.find((h) => h.status?.conditions?.some((c) => c.type === "ScalingLimited" && c.reason === "ScaleUpLimit"));
  assert.ok(limited, "the first step was limited");
  assert.is(limited!.status?.desiredReplicas, 4);
  assert.is(limited!.status?.conditions?.find((c) => c.type === "ScalingLimited")?.message, "the desired replica count is increasing faster than the maximum scale rate");
  assert.is(limited!.status?.conditions?.find((c) => c.type === "ScalingActive")?.message, "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
  assert.is((await rescales())[0], "New size: 4; reason: cpu resource utilization (percentage of request) above target");
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.spec?.replicas === 6 && d.status?.readyReplicas === 6, { namespace: "default", timeout: 600_000 });
  await cluster.waitFor<HorizontalPodAutoscaler>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }, (h) => h.status?.currentReplicas === 6 && h.status?.currentMetrics?.[0]?.resource?.current.averageUtilization === 250, { namespace: "default", timeout: 300_000 });
  const hpa = await hpaOf();
  assert.is(hpa.status?.conditions?.find((c) => c.type === "ScalingLimited")?.reason, "TooManyReplicas");
  const table = await k.ok(["get", "hpa"]);
  assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
  assert.match(table, /\nweb\s+Deployment\/web\s+cpu: 250%\/50%\s+1\s+6\s+6\s+\d+[sm]/);

  // The load stops: the rollout replaces the pods with idle ones.
  await cluster.apply(deployment(["--vm", "1", "--vm-bytes", "10M", "--vm-hang", "1"]));
  const stoppedAt = cluster.clock.now();
  // Four minutes on, usage is long gone, but the window still holds the high recommendations.
  await cluster.clock.sleep(240_000);
  const held = await hpaOf();
  assert.is(held.status?.currentMetrics?.[0]?.resource?.current.averageUtilization, 0);
  assert.is(held.status?.currentReplicas, 6);
  assert.is(held.status?.conditions?.find((c) => c.type === "AbleToScale")?.reason, "ScaleDownStabilized");
  assert.is(held.status?.conditions?.find((c) => c.type === "AbleToScale")?.message, "recent recommendations were higher than current one, applying the highest recent recommendation");
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.spec?.replicas === 1, { namespace: "default", timeout: 900_000 });
  const waited = cluster.clock.now() - stoppedAt;
  // The last high recommendation is the last sync before the new pods replace the old ones: it leaves the 300 s window about 5 minutes after.
  assert.ok(waited >= 270_000 && waited <= 420_000, `scaled down ${waited} ms after the load stopped`);
  await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulRescale" && e.message === "New size: 1; reason: All metrics below target", { namespace: "default", timeout: 10_000 });
  watch.stop();
  const described = await k.ok(["describe", "hpa", "web"]);
  assert.match(described, /Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: 1; reason: All metrics below target/);
});

test("kubectl autoscale creates the HPA through autoscaling/v1; autoscaling/v2 reads it with the CPU metric", async () => {
  await k.ok(["create", "deployment", "api", "--image=nginx"]);
  assert.is((await k.ok(["autoscale", "deployment", "api", "--min=2", "--max=5", "--cpu-percent=60"])).trim(), "horizontalpodautoscaler.autoscaling/api autoscaled");
  const v2 = await cluster.client.resource<HorizontalPodAutoscaler & { metadata?: object }>({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }).get("api", { namespace: "default" });
  assert.equal(v2.spec?.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
  assert.equal(v2.spec?.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "api" });
  assert.is(v2.spec?.minReplicas, 2);
  const v1 = JSON.parse(await k.ok(["get", "horizontalpodautoscalers.v1.autoscaling", "api", "-o", "json"])) as { apiVersion: string; spec: Record<string, unknown>; metadata: { annotations?: Record<string, string> } };
  assert.is(v1.apiVersion, "autoscaling/v1");
  assert.is(v1.spec["targetCPUUtilizationPercentage"], 60);
  // The minimum of 2 is enforced at once.
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "api" && d.spec?.replicas === 2, { namespace: "default", timeout: 120_000 });
  await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulRescale" && e.message === "New size: 2; reason: Current number of replicas below Spec.MinReplicas", { namespace: "default", timeout: 10_000 });
  assert.match(await k.ok(["get", "hpa", "api"]), /\napi\s+Deployment\/api\s+cpu: (<unknown>|\d+%)\/60%\s+2\s+5\s+2\s+/);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
