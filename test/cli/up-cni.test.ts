import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { KUBECTL, testWithTool } from "../support/require-tool.js";
import { startUp } from "../support/kubesim-up.js";

const run = promisify(execFile);

testWithTool(KUBECTL, test)("kubesim up --cni flannel: kube-flannel-ds runs on every node instead of kindnet, as kubectl get pods -A shows on a real cluster", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-up-cni-"));
  const kubeconfig = join(dir, "kubeconfig");
  const { child } = await startUp(["--cni", "flannel", "--insecure-http", "--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--nodes", "2", "--no-dns", "--no-ingress", "--no-kube-state-metrics", "--no-node-exporter", "--no-logging"]);
  try {
    let stdout = "";
    for (let i = 0; i < 120; i++) {
      stdout = (await run("kubectl", ["--kubeconfig", kubeconfig, "get", "pods", "-A"])).stdout;
      if ((stdout.match(/^kube-flannel\s+kube-flannel-ds-[a-z0-9]{5}\s+1\/1\s+Running/gm) ?? []).length === 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.is((stdout.match(/^kube-flannel\s+kube-flannel-ds-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+$/gm) ?? []).length, 2, stdout);
    assert.not.match(stdout, /kindnet/);
    const cm = await run("kubectl", ["--kubeconfig", kubeconfig, "-n", "kube-flannel", "get", "configmap", "kube-flannel-cfg", "-o", "jsonpath={.data.net-conf\\.json}"]);
    assert.match(cm.stdout, /"Type": "vxlan"/);
  } finally {
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.is(await exited, 0);
  }
});

test.run();
