/** kubectl cp (v1.32) to and from a container with tar: files and directories, both ways. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer } from "../../core/apiserver/http/http-server.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import images from "../../plugins/images/index.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { POD_NETWORK } from "./harness.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-cp-"));
const cluster = new Cluster({ clock: "real", seed: 5, nodes: [{ name: "node-1" }], plugins: [...POD_NETWORK, images, runtime, kubelet] });
await cluster.start();
const streams = cluster.resolve(PodStreams);
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: cluster.log, port: 0, stateDir: dir, podLogs: streams.logs, podExec: streams.exec! });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);

test("kubectl cp copies a file and a directory into a container and back out", async () => {
  await cluster.client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "box", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "box" && p.status?.phase === "Running", { timeout: 20_000 });
  const local = join(dir, "notes.txt");
  writeFileSync(local, "first line\nsecond line: café ✓\n");
  assert.is((await k.run(["cp", local, "box:/tmp/notes.txt"])).code, 0);
  assert.is(await k.ok(["exec", "box", "--", "cat", "/tmp/notes.txt"]), "first line\nsecond line: café ✓\n");

  const tree = join(dir, "site");
  mkdirSync(join(tree, "css"), { recursive: true });
  writeFileSync(join(tree, "index.html"), "<h1>hi</h1>\n");
  writeFileSync(join(tree, "css", "main.css"), "body { margin: 0 }\n");
  const up = await k.run(["cp", tree, "box:/srv/site"]);
  assert.is(up.code, 0, up.stderr);
  assert.is(await k.ok(["exec", "box", "--", "cat", "/srv/site/css/main.css"]), "body { margin: 0 }\n");

  const back = join(dir, "back");
  const down = await k.run(["cp", "box:/srv/site", back]);
  assert.is(down.code, 0, down.stderr);
  assert.is(readFileSync(join(back, "index.html"), "utf8"), "<h1>hi</h1>\n");
  assert.is(readFileSync(join(back, "css", "main.css"), "utf8"), "body { margin: 0 }\n");
  const one = join(dir, "hostname.txt");
  assert.is((await k.run(["cp", "box:/tmp/notes.txt", one])).code, 0);
  assert.is(readFileSync(one, "utf8"), "first line\nsecond line: café ✓\n");
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
