/** Operators' custom resources through kubectl (v1.32): printer columns, kubectl scale on the scale subresource, kubectl exec etcdctl. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { EtcdClusterResource, type EtcdCluster } from "../../plugins/operator-etcd/index.js";
import { WebAppResource, type WebApp } from "../../plugins/operator-webapp/index.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-operators-"));
const cluster = new Cluster({ clock: "virtual", seed: 2, nodes: 2, plugins: [...DEFAULT_PLUGINS, "coredns", "operator-etcd", "operator-webapp"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);

test.after(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("kubectl apply an EtcdCluster; kubectl get shows its printer columns; kubectl exec etcdctl lists the members", async () => {
  assert.is((await k.ok(["apply", "-f", "-"], "apiVersion: operator.etcd.io/v1alpha1\nkind: EtcdCluster\nmetadata: {name: prod, namespace: default}\nspec: {size: 3}\n")).trim(), "etcdcluster.operator.etcd.io/prod created");
  await cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, (e) => e.metadata?.name === "prod" && e.status?.phase === "Running" && e.status.readyMembers === 3, { namespace: "default", timeout: 600_000 });
  const lines = (await k.ok(["get", "etcdclusters"])).trimEnd().split("\n");
  assert.match(lines[0]!, /^NAME\s+SIZE\s+READY\s+VERSION\s+PHASE\s+AGE$/);
  assert.match(lines[1]!, /^prod\s+3\s+3\s+3\.5\.16\s+Running\s+\S+$/);
  const wide = (await k.ok(["get", "etcdcluster", "prod", "-o", "wide"])).trimEnd().split("\n");
  assert.match(wide[0]!, /^NAME\s+SIZE\s+READY\s+VERSION\s+PHASE\s+LEADER\s+AGE$/);
  assert.match(wide[1]!, /^prod\s+3\s+3\s+3\.5\.16\s+Running\s+prod-[0-2]\s+\S+$/);
  // In category "all": kubectl get all lists it.
  assert.match(await k.ok(["get", "all"]), /etcdcluster\.operator\.etcd\.io\/prod\s+3\s+3/);
  const members = await k.ok(["exec", "prod-0", "--", "etcdctl", "member", "list"]);
  assert.equal(members.trim().split("\n").map((l) => l.split(", ").slice(1, 3).join(" ")), ["started prod-0", "started prod-1", "started prod-2"]);
  const health = await k.ok(["exec", "prod-2", "--", "etcdctl", "endpoint", "health", "--endpoints=prod-client:2379"]);
  assert.match(health, /^prod-client:2379 is healthy: successfully committed proposal: took = /);
});

test("kubectl scale a WebApp through its scale subresource; kubectl get webapps shows the columns", async () => {
  await k.ok(["apply", "-f", "-"], "apiVersion: apps.kubesim.dev/v1\nkind: WebApp\nmetadata: {name: shop, namespace: default}\nspec: {image: 'nginx:1.25', port: 80}\n");
  await cluster.waitFor<WebApp>(WebAppResource.ref, (w) => w.metadata?.name === "shop" && w.status?.availableReplicas === 1, { namespace: "default", timeout: 300_000 });
  assert.is((await k.ok(["scale", "webapp", "shop", "--replicas=3"])).trim(), "webapp.apps.kubesim.dev/shop scaled");
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "shop" && d.status?.availableReplicas === 3, { namespace: "default", timeout: 300_000 });
  await cluster.waitFor<WebApp>(WebAppResource.ref, (w) => w.metadata?.name === "shop" && w.status?.availableReplicas === 3, { namespace: "default", timeout: 300_000 });
  const lines = (await k.ok(["get", "wa"])).trimEnd().split("\n");
  assert.match(lines[0]!, /^NAME\s+IMAGE\s+DESIRED\s+AVAILABLE\s+URL\s+AGE$/);
  assert.match(lines[1]!, /^shop\s+nginx:1\.25\s+3\s+3\s+http:\/\/shop\.default\.svc\.cluster\.local\/\s+\S+$/);
});

test.run();
