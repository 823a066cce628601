/** `pods/portforward`: real kubectl 1.32 (SPDY tunnelled in WebSocket, and plain SPDY) and the v4 channel WebSocket protocol. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { WebSocket } from "ws";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import images from "../../plugins/images/index.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { POD_NETWORK } from "./harness.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-portforward-"));
const cluster = new Cluster({ clock: "real", seed: 5, nodes: [{ name: "node-1" }], plugins: [...POD_NETWORK, images, runtime, kubelet] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: dir });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);
const spdyOnly = kubectlIn(dir, kubeconfig, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" });
const pods = cluster.client.resource<Pod>("Pod");
const children: ChildProcess[] = [];

await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", labels: { app: "web" } }, spec: { nodeName: "node-1", containers: [{ name: "nginx", image: "nginx:1.25", ports: [{ name: "http", containerPort: 80 }] }] } });
await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.phase === "Running", { timeout: 20_000 });

/** Starts `kubectl port-forward`, resolves with the local port once it prints "Forwarding from 127.0.0.1:N -> R". */
function portForward(runner: typeof k, args: string[]): Promise<{ port: number; child: ChildProcess; stderr: () => string; stdout: () => string }> {
  const child = runner.spawn(["port-forward", ...args]);
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m) resolve({ port: Number(m[1]), child, stderr: () => err, stdout: () => out });
    });
    child.on("exit", (code) => reject(new Error(`kubectl port-forward exited (${code}): ${err}`)));
  });
}

function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

test("kubectl port-forward pod/web (SPDY over WebSocket): an HTTP GET on the local port gets nginx's page, several times", async () => {
  const pf = await portForward(k, ["pod/web", ":80"]);
  for (let i = 0; i < 3; i++) {
    const res = await get(pf.port);
    assert.is(res.status, 200);
    assert.match(res.body, /<title>Welcome to nginx!<\/title>/);
  }
  const missing = await get(pf.port, "/nope");
  assert.is(missing.status, 404);
  assert.match(pf.stdout(), /Handling connection for \d+/);
  await stop(pf.child);
});

test("kubectl port-forward over plain SPDY (websockets disabled) works the same", async () => {
  const pf = await portForward(spdyOnly, ["web", ":80"]);
  const res = await get(pf.port);
  assert.is(res.status, 200);
  assert.match(res.body, /Welcome to nginx!/);
  await stop(pf.child);
});

test("kubectl port-forward svc/x resolves the service to a pod and its target port", async () => {
  await cluster.client.resource<Service>("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 8080, targetPort: "http" }] } });
  const pf = await portForward(k, ["svc/web", ":8080"]);
  assert.match(pf.stdout(), /Forwarding from 127\.0\.0\.1:\d+ -> 80\n/);
  const res = await get(pf.port);
  assert.match(res.body, /Welcome to nginx!/);
  await stop(pf.child);
});

test("a port nothing listens on: the connection fails and kubectl reports the runtime's error", async () => {
  const pf = await portForward(k, ["pod/web", ":81"]);
  const failed = await get(pf.port).then(() => false, () => true);
  assert.ok(failed);
  const deadline = Date.now() + 5000;
  while (!/connection refused/.test(pf.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(pf.stderr(), /error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\?"\/var\/run\/netns\/cni-[^"\\]+\\?": failed to connect to localhost:81 inside namespace \\?"[0-9a-f]{64}\\?", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused/);
  await stop(pf.child);
});

test("the v4.channel.k8s.io WebSocket protocol (client libraries): port prefix on data and error channels, then the bytes", async () => {
  const url = `${server.url.replace(/^http/, "ws")}/api/v1/namespaces/default/pods/web/portforward?ports=80`;
  const ws = new WebSocket(url, ["v4.channel.k8s.io"], { headers: { Authorization: `Bearer ${server.token}` }, ca: server.caData });
  const frames: Buffer[] = [];
  let body = "";
  const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  ws.on("message", (m: Buffer) => {
    frames.push(m);
    if (frames.length > 2 && m[0] === 0) body += m.subarray(1).toString();
  });
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => resolve());
    ws.on("error", reject);
  });
  assert.is(ws.protocol, "v4.channel.k8s.io");
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]));
  await closed;
  assert.equal([...frames[0]!], [0, 80, 0]);
  assert.equal([...frames[1]!], [1, 80, 0]);
  assert.match(body, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(body, /Welcome to nginx!/);
});

test("port-forward to a pod that does not exist or with no port is refused with a Status", async () => {
  const missing = await k.run(["port-forward", "pod/nope", "18081:80"]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /pods "nope" not found/);
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/v1/namespaces/default/pods/web/portforward`, ["v4.channel.k8s.io"], { headers: { Authorization: `Bearer ${server.token}` }, ca: server.caData });
  const status = await new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
  assert.is(status, 400);
});

test.after(async () => {
  for (const c of children) await stop(c);
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
