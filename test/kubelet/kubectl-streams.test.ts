/** Real kubectl 1.32 against kubelets: logs (-f, --previous, --tail), exec over v5.channel.k8s.io with exit codes. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlKubeletCluster } from "./kubectl-harness.js";

requireTool(KUBECTL);

const fx = await kubectlKubeletCluster(3);
const { cluster } = fx;
const k = fx.kubectl();
const pods = cluster.client.resource<Pod>("Pod");

const create = (name: string, command: string[], extra: Partial<NonNullable<Pod["spec"]>> = {}) =>
  pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox:1.36", command }], ...extra } });

test("kubectl exec runs in the container; a non-zero exit is reported as kubectl prints it", async () => {
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "nginx", image: "nginx:1.25" }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.phase === "Running", { timeout: 20_000 });
  const hi = await k.run(["exec", "web", "--", "echo", "hi"]);
  assert.is(hi.stdout + hi.stderr, "hi\n");
  assert.is(hi.code, 0);
  const three = await k.run(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.is(three.code, 3);
  assert.is(three.stdout, "out\n");
  assert.match(three.stderr, /err\ncommand terminated with exit code 3/);
  const stdin = await k.run(["exec", "-i", "web", "--", "cat"], "piped\n");
  assert.is(stdin.stdout, "piped\n");
});

test("kubectl logs shows the container's output; --tail and --timestamps; -f follows until the container ends", async () => {
  await create("counter", ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; sleep 1; echo late; sleep 1"], { restartPolicy: "Never" });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "counter" && p.status?.phase === "Running", { timeout: 20_000 });
  const follow = await k.run(["logs", "-f", "counter"]);
  assert.is(follow.stdout, "line 1\nline 2\nline 3\nline 4\nline 5\nlate\n");
  const tail = await k.run(["logs", "counter", "--tail=2"]);
  assert.is(tail.stdout, "line 5\nlate\n");
  const ts = await k.run(["logs", "counter", "--timestamps", "--tail=1"]);
  assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late\n$/);
});

test("kubectl logs --previous shows the crashed instance's output", async () => {
  await create("crash", ["sh", "-c", "echo crashing at $(date +%s); exit 1"]);
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "crash" && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, { timeout: 20_000 });
  const prev = await k.run(["logs", "crash", "--previous"]);
  assert.match(prev.stdout, /^crashing at \d+\n$/);
  const none = await k.run(["logs", "web", "--previous"]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /previous terminated container "nginx" in pod "web" not found/);
});

test.after(() => fx.close());

test.run();
