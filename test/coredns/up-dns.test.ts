import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUp } from "../support/kubesim-up.js";
import { DIG, requireTool } from "../support/require-tool.js";

requireTool(DIG);
const dir = mkdtempSync(join(tmpdir(), "kubesim-dns-up-"));
// coredns is not in the default distribution yet: a cluster.yaml adds it to the defaults.
const config = join(dir, "cluster.yaml");
writeFileSync(config, `apiVersion: kubesim.io/v1alpha1\nkind: Cluster\nplugins: [${[...DEFAULT_PLUGINS.filter((p) => p !== "coredns"), "coredns"].join(", ")}]\n`);

function dig(port: number, name: string): Promise<string> {
  return new Promise((resolve) => execFile("dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1", "+short", name], (_err, stdout) => resolve(stdout.trim())));
}

test.after(() => rmSync(dir, { recursive: true, force: true }));


test("kubesim up prints the DNS address; dig kubernetes.default.svc.cluster.local answers 10.96.0.1", async () => {
  const { child, out } = await startUp(["--config", config, "--insecure-http", "--port", "0", "--state-dir", join(dir, "a"), "--kubeconfig", join(dir, "a.kubeconfig"), "--nodes", "1"]);
  try {
    const m = /cluster DNS \(CoreDNS\) on 127\.0\.0\.1:(\d+) UDP and TCP: dig @127\.0\.0\.1 -p \d+ kubernetes\.default\.svc\.cluster\.local \(UDP answered by \d worker process(es)? once CoreDNS runs\)/.exec(out());
    assert.ok(m, out());
    const port = Number(m![1]);
    let answer = "";
    for (let i = 0; i < 60 && answer !== "10.96.0.1"; i++) {
      answer = await dig(port, "kubernetes.default.svc.cluster.local");
      if (answer !== "10.96.0.1") await new Promise((r) => setTimeout(r, 1000));
    }
    assert.is(answer, "10.96.0.1");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

test("a taken DNS port is refused naming --dns-port", async () => {
  const taken = createSocket("udp4");
  await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
  const port = taken.address().port;
  try {
    await startUp(["--config", config, "--insecure-http", "--port", "0", "--dns-port", String(port), "--state-dir", join(dir, "b"), "--kubeconfig", join(dir, "b.kubeconfig"), "--nodes", "1"]).then(
      ({ child }) => {
        child.kill("SIGKILL");
        assert.unreachable("kubesim up started on a taken port");
      },
      (err: Error) => {
        assert.match(err.message, `cannot serve the cluster DNS on 127.0.0.1:${port}`);
        assert.match(err.message, "--dns-port");
      },
    );
  } finally {
    taken.close();
  }
});

test.run();
