/** kubectl 1.32 exec and attach over SPDY/3.1 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: what kubectl falls back to, and older clients speak). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlKubeletCluster } from "./kubectl-harness.js";

requireTool(KUBECTL);

const fx = await kubectlKubeletCluster(4);
const { cluster } = fx;
/** kubectl with its WebSocket remote-command client turned off: exec and attach speak SPDY. */
const spdy = fx.kubectl({ KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" });
const pods = cluster.client.resource<Pod>("Pod");

test("kubectl exec over SPDY: output, stderr, exit codes and stdin", async () => {
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "nginx", image: "nginx:1.25" }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.phase === "Running", { timeout: 20_000 });
  const hi = await spdy.run(["exec", "web", "--", "echo", "hi"]);
  assert.is(hi.stdout, "hi\n");
  assert.is(hi.stderr, "");
  assert.is(hi.code, 0);
  const three = await spdy.run(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.is(three.code, 3);
  assert.is(three.stdout, "out\n");
  assert.match(three.stderr, /err\ncommand terminated with exit code 3/);
  const stdin = await spdy.run(["exec", "-i", "web", "--", "cat"], "piped over spdy\n");
  assert.is(stdin.stdout, "piped over spdy\n");
  assert.is(stdin.code, 0);
  const missing = await spdy.run(["exec", "web", "-c", "nope", "--", "true"]);
  assert.is(missing.code, 1);
  assert.is(missing.stderr, "Error from server (BadRequest): container nope is not valid for pod web\n");
});

test("kubectl attach over SPDY relays the container's output", async () => {
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "ticker", namespace: "default" }, spec: { nodeName: "node-1", restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "sleep 2; echo one; echo two; sleep 1"] }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "ticker" && p.status?.phase === "Running", { timeout: 20_000 });
  const attached = await spdy.run(["attach", "ticker"]);
  assert.match(attached.stdout, /one\ntwo\n/);
});

test.after(() => fx.close());

test.run();
