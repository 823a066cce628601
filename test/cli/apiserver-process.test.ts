/** `kubesim apiserver` alone, a kubelet in a process of its own, and kubectl logs/exec/port-forward reaching that kubelet through the API server. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";

requireTool(KUBECTL);

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: split-web
  namespace: default
spec:
  nodeName: split-node
  automountServiceAccountToken: false
  containers:
  - name: web
    image: nginx:1.25
    ports: [{ containerPort: 80 }]
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "echo hello from the split kubelet; sleep 3600"]
`;

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("kubesim apiserver serves alone (no nodes, no controllers) over its durable store; kubectl logs, exec and port-forward reach a pod whose kubelet runs in another process; the objects survive an API server restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-apiserver-"));
  const kubeconfig = join(dir, "kubeconfig");
  const state = join(dir, "state");
  const children: ChildProcess[] = [];
  try {
    const apiserver = component(["apiserver", "--secure-port", "0", "--state-dir", state, "--kubeconfig", kubeconfig]);
    children.push(apiserver.child);
    await apiserver.waitFor(/^ready/m);
    assert.match(apiserver.out(), /with 0 node\(s\) is serving the Kubernetes API at https:\/\/127\.0\.0\.1:\d+/);
    const kubectl = kubectlIn(dir, kubeconfig);
    assert.is((await kubectl.ok(["get", "nodes", "-o", "name"])).trim(), "");

    const kubelet = component(["kubelet", "--kubeconfig", kubeconfig, "--node-name", "split-node"]);
    children.push(kubelet.child);
    await kubelet.waitFor(/kubelet: running on node split-node .*serving the kubelet API at https:\/\/127\.0\.0\.1:\d+/);
    const published = await kubectl.ok(["get", "node", "split-node", "-o", "jsonpath={.metadata.annotations.kubesim\\.io/kubelet-server}"]);
    assert.match(published, /^https:\/\/127\.0\.0\.1:\d+$/);

    await kubectl.ok(["apply", "-f", "-"], POD);
    await kubectl.ok(["wait", "--for=condition=Ready", "pod/split-web", "--timeout=120s"]);

    // pods/log from the kubelet's server in the other process.
    assert.match(await kubectl.ok(["logs", "split-web", "-c", "app"]), /^hello from the split kubelet\n$/);
    const noContainer = await kubectl.run(["logs", "split-web", "-c", "nope"]);
    assert.is.not(noContainer.code, 0);
    assert.match(noContainer.stderr, /container nope is not valid for pod split-web/);

    // exec: output, and a non-zero exit code carried back.
    assert.is(await kubectl.ok(["exec", "split-web", "-c", "app", "--", "echo", "exec works"]), "exec works\n");
    const failing = await kubectl.run(["exec", "split-web", "-c", "app", "--", "sh", "-c", "exit 3"]);
    assert.is(failing.code, 3);
    // stdin through to the container.
    assert.is(await kubectl.ok(["exec", "-i", "split-web", "-c", "app", "--", "cat"], "piped in\n"), "piped in\n");

    // port-forward to nginx in the pod.
    const pf = kubectl.spawn(["port-forward", "pod/split-web", ":80"]);
    children.push(pf);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      pf.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      pf.on("exit", (code) => reject(new Error(`kubectl port-forward exited (${code})`)));
    });
    for (let i = 0; i < 2; i++) {
      const res = await get(port);
      assert.is(res.status, 200);
      assert.match(res.body, /Welcome to nginx!/);
    }
    await stopAll([pf]);

    // The API server's kubelet client certificate, kubeadm's name, signed by the cluster CA.
    assert.ok(existsSync(join(state, "apiserver-kubelet-client.crt")));

    // Restart the API server alone: the pod and node are still there, and logs still reach the kubelet.
    await stopAll([apiserver.child]);
    const again = component(["apiserver", "--secure-port", String(new URL(/https:\/\/[\d.:]+/.exec(apiserver.out())![0]).port), "--state-dir", state, "--kubeconfig", kubeconfig]);
    children.push(again.child);
    await again.waitFor(/^ready/m);
    assert.is(await kubectl.ok(["get", "pod", "split-web", "-o", "jsonpath={.spec.nodeName}"]), "split-node");
    assert.match(await kubectl.ok(["logs", "split-web", "-c", "app"]), /hello from the split kubelet/);
  } finally {
    await stopAll(children.slice(1).reverse());
    await stopAll(children.slice(0, 1));
  }
});

test.run();
