/** `kubectl port-forward -n logging svc/elasticsearch 9200`, then curl `_search`: how a user finds a pod's lines from their machine. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { CURL, KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);
requireTool(CURL);

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "kubesim-logging-pf-"));
const cluster = new Cluster({ clock: "real", seed: 7, nodes: 1, plugins: [...DEFAULT_PLUGINS, "coredns", "logging"] });
let child: ChildProcess | undefined;

test.before(async () => {
  await cluster.start();
  const server = await cluster.serve({ port: 0, stateDir: dir });
  writeKubeconfigFor(server, join(dir, "kubeconfig"), "kubesim");
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: hello-logs, namespace: default }
spec: { containers: [{ name: app, image: busybox:1.36, command: [sh, -c, "echo greetings from hello-logs; sleep infinity"] }] }
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "elasticsearch" && d.status?.readyReplicas === 1, { namespace: "logging", timeout: 120_000 });
  await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.metadata?.name === "fluent-bit" && (d.status?.numberReady ?? 0) === 1, { namespace: "logging", timeout: 120_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "hello-logs" && p.status?.phase === "Running", { timeout: 60_000 });
});

test.after(async () => {
  child?.kill("SIGTERM");
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("port-forward to svc/elasticsearch, then curl _search finds the pod's line by its pod name", async () => {
  const k = kubectlIn(dir, join(dir, "kubeconfig"));
  child = k.spawn(["port-forward", "-n", "logging", "svc/elasticsearch", ":9200"]);
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (d) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9200/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child!.on("exit", (code) => reject(new Error(`kubectl port-forward exited (${code})`)));
  });
  let hits: { _source: { log: string; kubernetes: { pod_name: string } } }[] = [];
  for (let i = 0; i < 60 && hits.length === 0; i++) {
    const r = await run("curl", ["-s", `http://127.0.0.1:${port}/logstash-*/_search?q=kubernetes.pod_name:hello-logs`]);
    hits = (JSON.parse(r.stdout) as { hits: { hits: typeof hits } }).hits.hits;
    if (!hits.length) await new Promise((res) => setTimeout(res, 500));
  }
  assert.is(hits.length, 1);
  assert.is(hits[0]!._source.log, "greetings from hello-logs");
  assert.is(hits[0]!._source.kubernetes.pod_name, "hello-logs");
  const cat = await run("curl", ["-s", `http://127.0.0.1:${port}/_cat/indices?format=json`]);
  assert.ok((JSON.parse(cat.stdout) as { index: string }[]).some((i) => /^logstash-\d{4}\.\d\d\.\d\d$/.test(i.index)));
});

test.run();
