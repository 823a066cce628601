/** @kubernetes/client-node 1.4 against kubesim over HTTPS: typed CRUD and makeInformer. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as k8s from "@kubernetes/client-node";
import { eventually, startFixture } from "../http/fixture.js";

const fx = await startFixture();
const kc = new k8s.KubeConfig();
kc.loadFromFile(fx.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);

test("typed CRUD: create, read, list, patch, delete; errors carry the Status code", async () => {
  await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "typed" }, data: { a: "1" } } });
  const read = await core.readNamespacedConfigMap({ name: "typed", namespace: "default" });
  assert.equal(read.data, { a: "1" });
  const list = await core.listNamespacedConfigMap({ namespace: "default" });
  assert.ok(list.items.some((c) => c.metadata?.name === "typed"));
  await core.replaceNamespacedConfigMap({ name: "typed", namespace: "default", body: { ...read, data: { a: "2" } } });
  await core.deleteNamespacedConfigMap({ name: "typed", namespace: "default" });
  const err = await core.readNamespacedConfigMap({ name: "typed", namespace: "default" }).catch((e: unknown) => e);
  assert.is((err as { code?: number }).code, 404);
});

test("makeInformer receives add, update and delete", async () => {
  const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/pods", () => core.listNamespacedPod({ namespace: "default" }));
  const seen: string[] = [];
  informer.on("add", (p: k8s.V1Pod) => void seen.push(`add ${p.metadata?.name}`));
  informer.on("update", (p: k8s.V1Pod) => void seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.["v"] ?? ""}`));
  informer.on("delete", (p: k8s.V1Pod) => void seen.push(`delete ${p.metadata?.name}`));
  informer.on("error", (e: unknown) => void seen.push(`error ${String(e)}`));
  await informer.start();
  await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "inf" }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
  await eventually(() => seen.includes("add inf"), 10000, "add");
  await core.patchNamespacedPod({ name: "inf", namespace: "default", body: { metadata: { labels: { v: "2" } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  await eventually(() => seen.includes("update inf 2"), 10000, "update");
  await core.deleteNamespacedPod({ name: "inf", namespace: "default" });
  await eventually(() => seen.includes("delete inf"), 10000, `delete (saw ${seen.join(", ")})`);
  assert.ok(!seen.some((s) => s.startsWith("error")), seen.join(", "));
  await informer.stop();
});

test.after(() => fx.stop());

test.run();
