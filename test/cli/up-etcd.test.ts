import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ETCD, KUBECTL, requireTool } from "../support/require-tool.js";
import { startEtcd } from "../support/etcd.js";
import { startUp } from "../support/kubesim-up.js";
import { kubectlIn } from "../clients/kubectl-runner.js";

requireTool(KUBECTL);
requireTool(ETCD);

function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

test("kubesim up --etcd-servers on a 3-member etcd: kubectl runs a Deployment; losing one member loses no acknowledged write; losing two fails writes with etcd's error, no hang; a second kubesim up on the same etcd sees everything", async () => {
  const etcd = await startEtcd(3);
  const dir = mkdtempSync(join(tmpdir(), "kubesim-etcd-up-"));
  const kubeconfig = join(dir, "kubeconfig");
  const args = ["--port", "0", "--no-dns", "--no-ingress", "--nodes", "1", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--etcd-servers", etcd.endpoints.join(",")];
  let up = await startUp(args);
  try {
    const kubectl = kubectlIn(dir, kubeconfig);
    await kubectl.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    await kubectl.ok(["rollout", "status", "deployment/web", "--timeout=120s"]);

    // Under a stream of writes, one member is killed: every acknowledged write is kept.
    const acknowledged: string[] = [];
    const writes = (async () => {
      for (let i = 0; i < 12; i++) {
        const r = await kubectl.run(["create", "configmap", `w${i}`, `--from-literal=i=${i}`]);
        if (r.code === 0) acknowledged.push(`w${i}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await etcd.kill(0);
    await writes;
    assert.ok(acknowledged.length >= 10, `writes keep being served with one member down (acknowledged: ${acknowledged.join(",")})`);
    const names = (await kubectl.ok(["get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"])).split(" ");
    for (const name of acknowledged) assert.ok(names.includes(name), `${name} was acknowledged and must be stored`);

    // Two of three down: no quorum. A write fails with a Status naming etcd's error, in bounded time.
    await etcd.kill(1);
    const started = Date.now();
    const failed = await kubectl.run(["create", "configmap", "no-quorum", "--request-timeout=60s"]);
    assert.is.not(failed.code, 0);
    // etcd's own words: its leader-less timeout, or its deadline on the write (real kube-apiserver's
    // "Internal error occurred: context deadline exceeded"), or no member answering.
    assert.match(failed.stderr, /etcdserver: request timed out|context deadline exceeded|etcd unreachable/);
    assert.ok(Date.now() - started < 45_000, "the failure comes before kubectl's own timeout");

    // A member returns: writes are served again.
    await etcd.restart(1);
    await kubectl.ok(["create", "configmap", "after-recovery"]);

    // The objects live in etcd: another kubesim up on it shows the same cluster.
    assert.is(await stopChild(up.child), 0);
    up = await startUp(args);
    const again = await kubectl.ok(["get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"]);
    for (const name of [...acknowledged, "after-recovery"]) assert.ok(again.split(" ").includes(name), `${name} survives the restart`);
    await kubectl.ok(["rollout", "status", "deployment/web", "--timeout=120s"]);
  } finally {
    await stopChild(up.child);
    await etcd.stop();
  }
});

test.run();
