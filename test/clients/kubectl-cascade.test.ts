/** kubectl's cascading deletes against a whole cluster (its garbage collector running), over HTTPS. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { eventually } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-cascade-"));
const cluster = new Cluster({ clock: "virtual", seed: 1 });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);
const cms = cluster.client.resource("ConfigMap");

const refTo = async (name: string, namespace = "default"): Promise<OwnerReference> => {
  const owner = await cms.get(name, { namespace });
  return { apiVersion: "v1", kind: "ConfigMap", name, uid: owner.metadata!.uid!, blockOwnerDeletion: true };
};
const kubectl = async (...args: string[]): Promise<string> => {
  const r = await k.run(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};

test("kubectl delete --cascade=foreground of one of two owners leaves the dependent with its other owner", async () => {
  for (const name of ["a", "b"]) await cms.create({ metadata: { name, namespace: "default" } });
  await cms.create({ metadata: { name: "dep", namespace: "default", ownerReferences: [await refTo("a"), await refTo("b")] } });
  await kubectl("delete", "configmap", "a", "--cascade=foreground");
  assert.is(await kubectl("get", "configmap", "dep", "-o", "jsonpath={.metadata.ownerReferences[*].name}"), "b");
  await kubectl("delete", "configmap", "b");
  await eventually(async () => (await k.run(["get", "configmap", "dep"])).code !== 0, 10_000, "dep collected once its last owner is gone");
});

test("a dependent whose owner lives in another namespace is collected, with an OwnerRefInvalidNamespace event kubectl shows", async () => {
  await kubectl("create", "namespace", "elsewhere");
  await cms.create({ metadata: { name: "owner", namespace: "elsewhere" } });
  await cms.create({ metadata: { name: "stray", namespace: "default", ownerReferences: [await refTo("owner", "elsewhere")] } });
  await eventually(async () => (await k.run(["get", "configmap", "stray"])).code !== 0, 10_000, "stray collected");
  const events = await kubectl("get", "events", "--field-selector", "reason=OwnerRefInvalidNamespace", "-o", "jsonpath={.items[*].message}");
  assert.match(events, /^ownerRef \[v1\/ConfigMap, namespace: default, name: owner, uid: [0-9a-f-]+\] does not exist in namespace "default"$/);
});

test("stop", async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
