/** kubectl 1.32 rollout status / history / undo for DaemonSets and StatefulSets (ControllerRevisions). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer, writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { createLogger } from "../../core/log/logger.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const cluster = new Cluster({ clock: "real", seed: 5, nodes: 3 });
await cluster.start();
// The default distribution's kubelets run the pods: a status written beside them would be put back,
// as a real kubelet reconciles the status it owns.
const dir = mkdtempSync(join(tmpdir(), "kubesim-rollout-ds-sts-"));
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);
const ok = k.ok;

const manifest = (kind: "DaemonSet" | "StatefulSet", image: string): string => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: web
spec:
${kind === "StatefulSet" ? "  replicas: 2\n  serviceName: web\n" : ""}  selector:
    matchLabels: {app: web-${kind.toLowerCase()}}
  template:
    metadata:
      labels: {app: web-${kind.toLowerCase()}}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;

for (const [kind, res] of [["DaemonSet", "ds"], ["StatefulSet", "sts"]] as const) {
  const image = async (): Promise<string> => (await ok(["get", res, "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).trim();

  test(`${kind}: rollout status, history after an image change, undo back to revision 1`, async () => {
    await ok(["apply", "-f", "-"], manifest(kind, "nginx:1.27"));
    const status = await ok(["rollout", "status", `${res}/web`, "--timeout=30s"]);
    if (kind === "DaemonSet") assert.match(status, 'daemon set "web" successfully rolled out');
    else assert.match(status, "partitioned roll out complete: 2 new pods have been updated...", status); // partition defaults to 0, as on a real cluster
    await ok(["set", "image", `${res}/web`, "nginx=nginx:1.26"]);
    await ok(["rollout", "status", `${res}/web`, "--timeout=30s"]);
    const history = await ok(["rollout", "history", `${res}/web`]);
    assert.match(history, new RegExp(`^${kind.toLowerCase()}\\.apps/web \\nREVISION\\s+CHANGE-CAUSE\\n1\\s+<none>\\n2\\s+<none>\\n`));
    assert.match(await ok(["rollout", "history", `${res}/web`, "--revision=1"]), /Image:\s+nginx:1\.27/);
    assert.match(await ok(["rollout", "undo", `${res}/web`]), `${kind.toLowerCase()}.apps/web rolled back`);
    await ok(["rollout", "status", `${res}/web`, "--timeout=30s"]);
    assert.is(await image(), "nginx:1.27");
    assert.match(await ok(["rollout", "history", `${res}/web`]), /\n2\s+<none>\n3\s+<none>\n/);
    // Replaced pods may still be terminating (kubectl lists them) right after the rollout completes.
    let pods = "";
    for (let i = 0; i < 60; i++) {
      pods = await ok(["get", "pods", "-l", `app=web-${kind.toLowerCase()}`, "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {end}"]);
      if (pods.trim().split(" ").every((i) => i === "nginx:1.27")) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(pods.trim().split(" ").every((i) => i === "nginx:1.27"), pods);
  });
}

test("get ds,sts columns", async () => {
  const out = await ok(["get", "ds,sts"]);
  assert.match(out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\ndaemonset\.apps\/web\s+2\s+2\s+2\s+2\s+2\s+<none>\s+/);
  assert.match(out, /NAME\s+READY\s+AGE\nstatefulset\.apps\/web\s+2\/2\s+/);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
