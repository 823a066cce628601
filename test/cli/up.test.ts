import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { KUBECTL, testWithTool } from "../support/require-tool.js";
import { startUp as startKubesimUp } from "../support/kubesim-up.js";
import { KUBESIM_CLI } from "../support/kubesim-cli.js";

const run = promisify(execFile);

/** `kubesim up` in a child process, logging at info (the start-up output is asserted). */
const startUp = (args: string[]) => startKubesimUp(args, { ...process.env, KUBESIM_LOG_LEVEL: "info" });

testWithTool(KUBECTL, test)("kubesim up: serves over HTTPS, writes the kubeconfig it prints, kubectl works, SIGTERM stops cleanly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-up-"));
  const kubeconfig = join(dir, "kubeconfig");
  const { child, out } = await startUp(["--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--nodes", "3"]);
  try {
    assert.match(out(), new RegExp(`export KUBECONFIG=${kubeconfig.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.match(out(), /serving the Kubernetes API at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out(), /ready/);
    assert.not.match(out(), /Warning|MaxListeners/, "start-up output is clean");
    assert.match(readFileSync(kubeconfig, "utf8"), /certificate-authority-data/);
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "nodes"]);
    const lines = stdout.trim().split("\n");
    assert.match(lines[0]!, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    assert.is(lines.length, 4);
    // Kubelets register the nodes; they are NotReady until a pod network plugin is loaded (as on a fresh kubeadm cluster).
    assert.match(stdout, /kubesim-control-plane\s+(Ready|NotReady)\s+control-plane\s+\S+\s+v1\.32\.0/);
    const ns = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name"]);
    assert.match(ns.stdout, /namespace\/kube-system/);
  } finally {
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.is(await exited, 0);
  }
});

testWithTool(KUBECTL, test)("kubesim up --insecure-http: warns, and kubectl works with the kubeconfig it writes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-up-"));
  const kubeconfig = join(dir, "kubeconfig");
  const { child, out } = await startUp(["--insecure-http", "--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--nodes", "1"]);
  try {
    assert.match(out(), /serving the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out(), /WARNING: plain HTTP: .* served as cluster admin \(system:masters\); reachable from this machine only/);
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "nodes", "-o", "name"]);
    assert.is(stdout, "node/kubesim-control-plane\n");
  } finally {
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.is(await exited, 0);
  }
});

test("kubesim up --insecure-http refuses a non-loopback --host unless --insecure-allow-remote", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-up-"));
  const bad = await run(process.execPath, [...KUBESIM_CLI, "up", "--insecure-http", "--host", "0.0.0.0", "--port", "0", "--dns-port", "0", "--ingress-http-port", "0", "--ingress-https-port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", join(dir, "kubeconfig"), "--nodes", "1"]).then(
    () => undefined,
    (e: { stderr: string; code: number }) => e,
  );
  assert.ok(bad, "must fail");
  assert.is(bad!.code, 1);
  assert.match(bad!.stderr, /kubesim up: refusing to serve plain HTTP on 0\.0\.0\.0: .*--insecure-allow-remote/);
});

test("kubesim up refuses bad flags with a clear message; version and --help work", async () => {
  const bad = await run(process.execPath, [...KUBESIM_CLI, "up", "--nodes", "zero"]).then(() => undefined, (e: { stderr: string; code: number }) => e);
  assert.ok(bad, "must fail");
  assert.match(bad!.stderr, /--nodes must be an integer from 1 to 5000/);
  const version = await run(process.execPath, [...KUBESIM_CLI, "version"]);
  assert.match(version.stdout, /^kubesim \d+\.\d+\.\d+\nKubernetes API v1\.32\.0-kubesim\n$/);
  const help = await run(process.execPath, [...KUBESIM_CLI, "up", "--help"]);
  assert.match(help.stdout, /--insecure-http/);
});

test.run();
