/** `kubectl attach` and `kubectl run -i --rm` with real kubectl 1.32 against kubelets (pods/attach over v5.channel.k8s.io). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import images from "../../plugins/images/index.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import scheduler from "../../plugins/kube-scheduler/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { POD_NETWORK } from "./harness.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-attach-"));
const cluster = new Cluster({ clock: "real", seed: 7, nodes: [{ name: "node-1" }], plugins: [...POD_NETWORK, images, runtime, kubelet, scheduler] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: dir });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);
const pods = cluster.client.resource<Pod>("Pod");

test("kubectl attach -i: stdin reaches the running container's process, its later output comes back, and the session ends with it", async () => {
  await pods.create({
    apiVersion: "v1", kind: "Pod", metadata: { name: "echoer", namespace: "default" },
    spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", stdin: true, stdinOnce: true, command: ["sh", "-c", "echo started; while read line; do echo \"echo: $line\"; done; echo bye"] }] },
  });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "echoer" && p.status?.phase === "Running", { timeout: 20_000 });
  const r = await k.run(["attach", "-i", "echoer"], "a\nb\n");
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, "echo: a\necho: b\nbye\n"); // output from before the attach is not replayed
  assert.match(r.stderr, /If you don't see a command prompt, try pressing enter\./);
  const done = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "echoer" && p.status?.phase === "Succeeded", { timeout: 20_000 });
  assert.is(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
});

test("kubectl attach to a container that is not there, or a pod that is not running, is refused with kubectl's messages", async () => {
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "sleeper", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "sleeper" && p.status?.phase === "Running", { timeout: 20_000 });
  const wrong = await k.run(["attach", "sleeper", "-c", "nope"]);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /^error: cannot attach to the container: container nope not found in pod sleeper\n$/);
  const finished = await k.run(["attach", "echoer"]);
  assert.is(finished.code, 1);
  assert.match(finished.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/);
});

test("kubectl run -i --rm: the pod is scheduled, attached, its output shown, then deleted", async () => {
  const r = await k.run(["run", "-i", "--rm", "--restart=Never", "--image=busybox:1.36", "once", "--", "sh", "-c", "read x; echo got $x"], "hello\n");
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, "got hello\npod \"once\" deleted\n");
  const gone = await pods.get("once", { namespace: "default" }).then(() => false, () => true);
  assert.ok(gone);
});

test("kubectl run -i --rm with a failing command: kubectl exits with the container's code and names the reason", async () => {
  const r = await k.run(["run", "-i", "--rm", "--restart=Never", "--image=busybox:1.36", "fails", "--", "sh", "-c", "read x; echo got $x; exit 3"], "x\n");
  assert.is(r.code, 3);
  assert.is(r.stdout, "got x\npod \"fails\" deleted\n");
  assert.match(r.stderr, /pod default\/fails terminated \(Error\)/);
  assert.not.match(r.stderr, /falling back to streaming logs/);
});

test("kubectl run -it --rm with a shell: commands typed on stdin run in the container", async () => {
  const r = await k.run(["run", "-it", "--rm", "--restart=Never", "--image=busybox:1.36", "shell", "--", "sh"], "echo hi from $(hostname)\nexit\n");
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hi from shell\n/);
  assert.match(r.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file/);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
