/** kubectl 1.32 sees a LoadBalancer Service's external IP from cloud-controller-manager's kubesim provider. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer, writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { createLogger } from "../../core/log/logger.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { requireTool, KUBECTL } from "../support/require-tool.js";

requireTool(KUBECTL);

const cluster = new Cluster({ clock: "real", seed: 12, nodes: 1, plugins: ["kube-controller-manager", "cloud-controller-manager"] });
await cluster.start();
const dir = mkdtempSync(join(tmpdir(), "kubesim-lb-"));
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

test("kubectl create service loadbalancer: EXTERNAL-IP from the pool", async () => {
  assert.is((await k.ok(["create", "service", "loadbalancer", "web", "--tcp=80:8080"])).trim(), "service/web created");
  await cluster.waitFor<Service>("Service", (s) => s.metadata?.name === "web" && !!s.status?.loadBalancer?.ingress?.length, { namespace: "default", timeout: 10_000 });
  const out = await k.ok(["get", "service", "web"]);
  assert.match(out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
  assert.match(out, /\nweb\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+172\.18\.255\.200\s+80:3\d{4}\/TCP\s+/);
  const events = await k.ok(["get", "events", "--field-selector", "involvedObject.name=web", "-o", "custom-columns=REASON:.reason", "--no-headers"]);
  assert.ok(events.includes("EnsuredLoadBalancer"), events);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
