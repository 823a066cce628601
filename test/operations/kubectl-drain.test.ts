/** kubectl 1.32 cordon / uncordon / drain against the eviction subresource, the disruption controller and the node lifecycle controller. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer, writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { createLogger } from "../../core/log/logger.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { requireTool, KUBECTL } from "../support/require-tool.js";
import { fakeKubelet } from "../kube-controller-manager/helpers.js";

requireTool(KUBECTL);

// The controllers alone: the fake kubelet binds every pod to kubesim-worker and runs it.
const cluster = new Cluster({ clock: "real", seed: 11, nodes: 2, plugins: ["kube-controller-manager"] });
await cluster.start();
const stopKubelet = fakeKubelet(cluster);
const dir = mkdtempSync(join(tmpdir(), "kubesim-drain-"));
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

const webPods = async (): Promise<Pod[]> => ((await cluster.client.resource<Pod>("Pod").list({ namespace: "default", labelSelector: "app=web" })).items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp);

test("cordon and uncordon: SchedulingDisabled, the unschedulable taint", async () => {
  assert.is((await k.ok(["cordon", "kubesim-worker"])).trim(), "node/kubesim-worker cordoned");
  const node = await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "kubesim-worker" && !!n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule"), { timeout: 10_000 });
  assert.is(node.spec?.unschedulable, true);
  assert.match(await k.ok(["get", "node", "kubesim-worker"]), /kubesim-worker\s+Ready,SchedulingDisabled\s+/);
  assert.is((await k.ok(["uncordon", "kubesim-worker"])).trim(), "node/kubesim-worker uncordoned");
  await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "kubesim-worker" && !n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unschedulable"), { timeout: 10_000 });
});

test("drain with a PodDisruptionBudget: blocked (429) while the budget allows nothing, then evicts pod by pod", async () => {
  await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
  await k.ok(["create", "poddisruptionbudget", "web-pdb", "--selector=app=web", "--min-available=2"]);
  for (let i = 0; i < 100 && (await webPods()).filter((p) => p.status?.phase === "Running").length < 2; i++) await cluster.clock.sleep(100);
  await cluster.waitFor("PodDisruptionBudget", (p) => (p as { status?: { currentHealthy?: number } }).status?.currentHealthy === 2, { namespace: "default", timeout: 10_000 });
  assert.match(await k.ok(["get", "pdb", "web-pdb"]), /web-pdb\s+2\s+N\/A\s+0\s+/);

  const blocked = await k.run(["drain", "kubesim-worker", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=7s"]);
  assert.is.not(blocked.code, 0, "drain fails while the budget forbids evictions");
  assert.match(blocked.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.match(blocked.stdout, /node\/kubesim-worker cordoned/);
  assert.is((await webPods()).length, 2, "no pod was evicted");

  await k.ok(["patch", "pdb", "web-pdb", "--type=merge", "-p", '{"spec":{"minAvailable":1}}']);
  await cluster.waitFor("PodDisruptionBudget", (p) => (p as { status?: { disruptionsAllowed?: number } }).status?.disruptionsAllowed === 1, { namespace: "default", timeout: 10_000 });
  const before = (await webPods()).map((p) => p.metadata!.name!);
  const drained = await k.run(["drain", "kubesim-worker", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"]);
  assert.is(drained.code, 0, drained.stderr);
  for (const name of before) assert.match(drained.stdout, new RegExp(`pod/${name} evicted`));
  assert.match(drained.stdout, /node\/kubesim-worker drained/);
  const after = (await webPods()).map((p) => p.metadata!.name!);
  assert.ok(after.every((n) => !before.includes(n)), "every pod was replaced");
});

test.after(async () => {
  stopKubelet();
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
