/** `kubectl get componentstatuses` (v1.32): deprecated but answered, reporting the cluster's own components. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { startHttpServer, writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { createLogger } from "../../core/log/logger.js";
import { RealClock } from "../../core/clock/real-clock.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const WARNING = "Warning: v1 ComponentStatus is deprecated in v1.19+\n";

async function serve(cluster: Cluster): Promise<{ k: ReturnType<typeof kubectlIn>; stop(): Promise<void> }> {
  await cluster.start();
  const dir = mkdtempSync(join(tmpdir(), "kubesim-cs-"));
  const server = await startHttpServer({ apiServer: cluster.apiServer, clock: new RealClock(), log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state") });
  writeKubeconfigFor(server, join(dir, "kubeconfig"));
  return {
    k: kubectlIn(dir, join(dir, "kubeconfig")),
    async stop() {
      await server.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("scheduler, controller manager and the store report Healthy, with the deprecation warning; only get and list are served", async () => {
  const scheduler = definePlugin({ name: "kube-scheduler", setup() {} });
  const { k, stop } = await serve(new Cluster({ clock: "virtual" }).use(scheduler));
  try {
    const r = await k.run(["get", "componentstatuses"]);
    assert.is(r.code, 0);
    assert.is(r.stderr, WARNING);
    assert.equal(r.stdout.trim().split("\n").map((l) => l.trim().split(/\s{2,}/)), [["NAME", "STATUS", "MESSAGE", "ERROR"], ["controller-manager", "Healthy", "ok"], ["etcd-0", "Healthy", "ok"], ["scheduler", "Healthy", "ok"]]);
    const one = JSON.parse(await k.ok(["get", "cs", "scheduler", "-o", "json"])) as object;
    assert.equal(one, { kind: "ComponentStatus", apiVersion: "v1", metadata: { name: "scheduler" }, conditions: [{ type: "Healthy", status: "True", message: "ok" }] });
    const missing = await k.run(["get", "cs", "nope"]);
    assert.match(missing.stderr, 'Error from server (NotFound): componentstatuses "nope" not found');
    const del = await k.run(["delete", "cs", "scheduler"]);
    assert.match(del.stderr, "Error from server (MethodNotAllowed): the server does not allow this method on the requested resource");
  } finally {
    await stop();
  }
});

test("without a scheduler the scheduler is Unhealthy with the error kube-apiserver's probe gives", async () => {
  const { k, stop } = await serve(new Cluster({ clock: "virtual", plugins: [] }));
  try {
    const out = await k.ok(["get", "cs", "scheduler"]);
    assert.match(out, /^scheduler\s+Unhealthy\s+Get "https:\/\/127\.0\.0\.1:10259\/healthz": dial tcp 127\.0\.0\.1:10259: connect: connection refused$/m);
  } finally {
    await stop();
  }
});

test.run();
