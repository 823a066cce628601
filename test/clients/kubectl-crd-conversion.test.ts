/** kubectl (v1.32) against a CRD whose versions are converted by an operator plugin in process (operator-webapp: v1alpha1 ↔ v1). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { Store } from "../../core/store/store.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-crd-conversion-"));
// API only: the operator and its CRD, no nodes' components (the conversion is the API server's).
const cluster = new Cluster({ clock: "virtual", seed: 3, plugins: ["operator-webapp"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

test.after(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ALPHA = "apiVersion: apps.kubesim.dev/v1alpha1\nkind: WebApp\nmetadata: {name: blog, namespace: default}\nspec: {image: 'nginx:1.25', containerPort: 80, ingressHost: blog.example.com, maxReplicas: 4}\n";

test("kubectl apply a v1alpha1 WebApp: deprecation warning, stored in v1 by the operator's conversion", async () => {
  const r = await k.run(["apply", "-f", "-"], ALPHA);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), "webapp.apps.kubesim.dev/blog created");
  assert.match(r.stderr, /Warning: apps\.kubesim\.dev\/v1alpha1 WebApp is deprecated; use apps\.kubesim\.dev\/v1 WebApp/);
  const stored = await cluster.resolve(Store).get("/registry/apps.kubesim.dev/webapps/default/blog");
  assert.is(stored?.apiVersion, "apps.kubesim.dev/v1");
});

test("kubectl get reads the same object in both versions, with each version's printer columns", async () => {
  const jsonpath = "{.apiVersion} {.spec.port} {.spec.host} {.spec.autoscaling.maxReplicas} {.spec.containerPort} {.spec.ingressHost} {.spec.maxReplicas}";
  assert.is(await k.ok(["get", "webapps.v1.apps.kubesim.dev", "blog", "-o", `jsonpath=${jsonpath}`]), "apps.kubesim.dev/v1 80 blog.example.com 4   ");
  assert.is(await k.ok(["get", "webapps.v1alpha1.apps.kubesim.dev", "blog", "-o", `jsonpath=${jsonpath}`]), "apps.kubesim.dev/v1alpha1    80 blog.example.com 4");
  // The preferred version (v1) by default.
  const v1 = (await k.ok(["get", "webapps"])).trimEnd().split("\n");
  assert.match(v1[0]!, /^NAME\s+IMAGE\s+DESIRED\s+AVAILABLE\s+URL\s+AGE$/);
  assert.match(v1[1]!, /^blog\s+nginx:1\.25\s+1\s+\S+\s+http:\/\/blog\.example\.com\/\s+\S+$/);
  const alpha = (await k.ok(["get", "webapps.v1alpha1.apps.kubesim.dev"])).trimEnd().split("\n");
  assert.match(alpha[0]!, /^NAME\s+IMAGE\s+PORT\s+HOST\s+AGE$/);
  assert.match(alpha[1]!, /^blog\s+nginx:1\.25\s+80\s+blog\.example\.com\s+\S+$/);
});

test("kubectl apply --server-side (taking containerPort from client-side apply's manager) and kubectl patch through v1alpha1 land in v1; kubectl explain reads each version's schema", async () => {
  const applied = await k.run(["apply", "--server-side", "--force-conflicts", "-f", "-"], ALPHA.replace("containerPort: 80", "containerPort: 8080"));
  assert.is(applied.code, 0, applied.stderr);
  assert.is(await k.ok(["get", "webapps.v1.apps.kubesim.dev", "blog", "-o", "jsonpath={.spec.port}"]), "8080");
  await k.ok(["patch", "webapps.v1alpha1.apps.kubesim.dev", "blog", "--type", "merge", "-p", '{"spec":{"ingressHost":"www.example.com"}}']);
  assert.is(await k.ok(["get", "webapps.v1.apps.kubesim.dev", "blog", "-o", "jsonpath={.spec.host}"]), "www.example.com");
  assert.match(await k.ok(["explain", "webapps.spec.containerPort", "--api-version=apps.kubesim.dev/v1alpha1"]), /FIELD: containerPort <integer>/);
  assert.match(await k.ok(["explain", "webapps.spec.port"]), /FIELD: port <integer>/);
});

test.run();
