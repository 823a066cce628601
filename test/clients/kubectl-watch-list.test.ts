/** client-go's WatchList (streaming lists: a watch with sendInitialEvents) as kubectl 1.32 uses it when asked to, against kubesim. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const fx = await startFixture();
// KUBE_FEATURE_WatchListClient turns on client-go's WatchListClient gate: reflectors (kubectl wait's) stream the initial list.
const k = kubectlIn(fx.dir, fx.kubeconfig, { KUBE_FEATURE_WatchListClient: "true" });
const cms = fx.cp.client.resource("ConfigMap");

test("kubectl wait syncs its informer by a WatchList request and sees the change", async () => {
  await cms.create({ metadata: { name: "flag", namespace: "default" }, data: { v: "1" } });
  const waiting = k.run(["wait", "configmap/flag", "--for=jsonpath={.data.v}=2", "--timeout=30s", "-v=6"]);
  // Change it once kubectl has synced: its log says so.
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (fx.server.activeWatches() > 0) break;
  }
  const current = await cms.get("flag", { namespace: "default" });
  await cms.update({ ...current, data: { v: "2" } });
  const r = await waiting;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, "configmap/flag condition met");
  assert.match(r.stderr, /sendInitialEvents=true/, "a WatchList request was made");
  assert.match(r.stderr, "received the bookmark that marks the end of initial events stream");
  assert.not.match(r.stderr, /falling back/i);
});

test("stop", async () => {
  await fx.stop();
});

test.run();
