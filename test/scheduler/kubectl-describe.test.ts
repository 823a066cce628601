/** kubectl (v1.32) shows what the scheduler reports: `kubectl describe pod` conditions and events. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { startFixture, eventually } from "../http/fixture.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { HttpClient } from "../../core/client/http-client.js";
import { nodeObject } from "../../core/cluster/node-registration.js";
import { runStandaloneScheduler } from "../../plugins/kube-scheduler/standalone.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

test("kubectl describe pod: Scheduled event for a bound pod; Unschedulable condition and FailedScheduling text for one asking too much cpu", async () => {
  const fx = await startFixture();
  const client = HttpClient.fromKubeconfig(fx.kubeconfig);
  const running = await runStandaloneScheduler({ kubeconfig: fx.kubeconfig, logLevel: "silent" });
  const k = kubectlIn(fx.dir, fx.kubeconfig);
  try {
    const nodes = client.resource<Node>("Node");
    await nodes.create(nodeObject({ name: "kind-control-plane", role: "control-plane" }, "10.244.0.0/24", "172.18.0.2", "2026-01-01T00:00:00Z"));
    for (const [i, name] of ["kind-worker", "kind-worker2", "kind-worker3"].entries()) await nodes.create(nodeObject({ name, role: "worker" }, `10.244.${i + 1}.0/24`, `172.18.0.${i + 3}`, "2026-01-01T00:00:00Z"));
    const pods = client.resource<Pod>("Pod");
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "ok", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } } as Pod, { namespace: "default" });
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "greedy", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "5" } } }] } } as Pod, { namespace: "default" });
    let describedOk = "";
    await eventually(async () => (describedOk = (await k.run(["describe", "pod", "ok"])).stdout).includes("Successfully assigned default/ok to kind-worker"), 15_000, "the Scheduled event");
    assert.match(describedOk, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/ok to kind-worker\d?/);
    assert.match(describedOk, /PodScheduled\s+True/);
    let described = "";
    await eventually(async () => (described = (await k.run(["describe", "pod", "greedy"])).stdout).includes("FailedScheduling"), 15_000, "the FailedScheduling event");
    assert.match(described, /PodScheduled\s+False/);
    assert.ok(
      described.includes("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."),
      described,
    );
    assert.match(described, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/4 nodes are available/);
  } finally {
    await running.stop();
    await fx.stop();
  }
});

test.run();
