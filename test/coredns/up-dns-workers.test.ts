import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { startUp } from "../support/kubesim-up.js";
import { DIG, requireTool } from "../support/require-tool.js";
import { processAlive } from "../support/process-alive.js";

requireTool(DIG);
const dir = mkdtempSync(join(tmpdir(), "kubesim-dns-workers-up-"));
const config = join(dir, "cluster.yaml");
writeFileSync(config, `apiVersion: kubesim.io/v1alpha1\nkind: Cluster\nplugins: [${[...DEFAULT_PLUGINS.filter((p) => p !== "coredns"), "coredns"].join(", ")}]\n`);
test.after(() => rmSync(dir, { recursive: true, force: true }));

const dig = (port: number, name: string): Promise<string> =>
  new Promise((resolve) => execFile("dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1", "+short", name], (_err, stdout) => resolve(stdout.trim())));

/** The DNS worker processes `pid` forked (from /proc: children whose command names the worker entry). */
function dnsWorkers(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("udp-worker-process")) out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150 && !check(); i++) await new Promise((r) => setTimeout(r, 200));
  assert.ok(check(), what);
}

for (const signal of ["SIGINT", "SIGKILL"] as const) {
  test(`kubesim up --dns-workers 2: the workers answer, and end with kubesim up on ${signal}`, async () => {
    const { child, out } = await startUp(["--config", config, "--insecure-http", "--port", "0", "--dns-workers", "2", "--state-dir", join(dir, `w-${signal}`), "--kubeconfig", join(dir, `w-${signal}.kubeconfig`), "--nodes", "1", "--no-logging", "--no-kube-state-metrics", "--no-node-exporter"]);
    let workers: number[] = [];
    try {
      assert.match(out(), "(UDP answered by 2 worker processes once CoreDNS runs)");
      const port = Number(/cluster DNS \(CoreDNS\) on 127\.0\.0\.1:(\d+)/.exec(out())![1]);
      await eventually(() => (workers = dnsWorkers(child.pid!)).length === 2, `two DNS workers under kubesim up ${child.pid}:\n${out()}`);
      let answer = "";
      for (let i = 0; i < 60 && answer !== "10.96.0.1"; i++) {
        answer = await dig(port, "kubernetes.default.svc.cluster.local");
        if (answer !== "10.96.0.1") await new Promise((r) => setTimeout(r, 500));
      }
      assert.is(answer, "10.96.0.1");
    } finally {
      child.kill(signal);
      await new Promise((r) => child.once("exit", r));
    }
    // SIGINT: kubesim up stops them; SIGKILL: they see their IPC channel close and exit.
    await eventually(() => workers.every((w) => !processAlive(w)), `DNS workers ${workers} outlived kubesim up (${signal})`);
  });
}

test.run();
