/**
 * A stock Prometheus (Debian's) given `kubesim prometheus-config`'s output scrapes a running
 * `kubesim up` through the API server: every target up (the ingress controller's metrics Service
 * included), and queries return the components' metrics.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { startUp } from "../support/kubesim-up.js";
import { PROMETHEUS, requireTool } from "../support/require-tool.js";
import { KUBESIM_CLI } from "../support/kubesim-cli.js";

requireTool(PROMETHEUS);

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Targets {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[] };
}

test("a stock Prometheus scrapes every component of kubesim up through the API server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-prometheus-"));
  const kubeconfig = join(dir, "kubeconfig");
  const { child } = await startUp(["--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--nodes", "2", "--ingress-http-port", "0", "--ingress-https-port", "0"]);
  let prometheus: ReturnType<typeof spawn> | undefined;
  try {
    const { stdout: config } = await run(process.execPath, [...KUBESIM_CLI, "prometheus-config", "--kubeconfig", kubeconfig, "--scrape-interval", "1s"]);
    const configFile = join(dir, "prometheus.yml");
    writeFileSync(configFile, config);
    const check = await run("promtool", ["check", "config", configFile]).catch((e: { stdout: string; stderr: string }) => e);
    assert.match(check.stdout + check.stderr, /SUCCESS/);
    const port = await freePort();
    let log = "";
    prometheus = spawn("prometheus", [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
    prometheus.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const api = `http://127.0.0.1:${port}/api/v1`;
    const jobs = ["kubernetes-apiservers", "kubernetes-nodes", "kubernetes-cadvisor", "kubernetes-nodes-resource", "kubernetes-nodes-probes", "kube-proxy", "kube-controller-manager", "kube-scheduler", "coredns", "ingress-nginx"];
    let targets: Targets["data"]["activeTargets"] = [];
    const deadline = Date.now() + 40_000;
    for (;;) {
      try {
        targets = ((await (await fetch(`${api}/targets`)).json()) as Targets).data.activeTargets;
      } catch {
        targets = [];
      }
      if (targets.length > 0 && targets.every((t) => t.health === "up") && jobs.every((j) => targets.some((t) => t.labels["job"] === j))) break;
      if (Date.now() > deadline) assert.unreachable(`targets not all up: ${JSON.stringify(targets.map((t) => [t.labels["job"], t.scrapeUrl, t.health, t.lastError]))}\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // kubelets: 2 nodes x 4 endpoints; kube-proxy on both; controller-manager and scheduler on the control plane.
    assert.is(targets.filter((t) => t.labels["job"] === "kubernetes-nodes").length, 2);
    assert.is(targets.filter((t) => t.labels["job"] === "kube-proxy").length, 2);
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const r = (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      assert.is(r.status, "success", q);
      return r.data.result;
    };
    for (const metric of ["apiserver_request_total", "apiserver_storage_objects", "kubelet_running_pods", "container_cpu_usage_seconds_total", "workqueue_adds_total", "scheduler_schedule_attempts_total", "kubeproxy_sync_proxy_rules_last_timestamp_seconds", "coredns_build_info", "nginx_ingress_controller_config_last_reload_successful", "process_resident_memory_bytes"]) {
      assert.ok((await query(metric)).length > 0, `${metric} has series`);
    }
    const running = await query("sum(kubelet_running_pods)");
    assert.ok(Number(running[0]!.value[1]) >= 2, "CoreDNS and kube-proxy pods run");
  } finally {
    if (prometheus) {
      const done = new Promise((r) => prometheus!.on("exit", r));
      prometheus.kill("SIGTERM");
      await done;
    }
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
