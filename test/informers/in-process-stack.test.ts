/** The shared informer against the real in-process stack: API server, MemoryStore, in-process client. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { DeletedFinalStateUnknown } from "../../core/informers/tombstone.js";
import { objectKey, type KubeObject } from "../../core/api/object.js";
import { testControlPlane } from "../support/control-plane.js";

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
const newPod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: { containers: [{ name: "app", image: "nginx" }] },
});

test("list + watch through the API server: adds, updates, deletes; label-selected informer sees only its pods", async () => {
  const { client, clock, registry } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  await pods.create(newPod("before", { app: "web" }));
  const factory = new SharedInformerFactory({ client, clock, registry });
  const all = factory.forResource<KubeObject>("Pod");
  assert.is(factory.forResource("pods"), all, "the registry makes Pod and pods one informer");
  const web = factory.forResource<KubeObject>("Pod", { labelSelector: "app=web" });
  const log: string[] = [];
  all.addEventHandler({
    onAdd: (o) => void log.push(`add ${objectKey(o)}`),
    onUpdate: (_a, b) => void log.push(`update ${objectKey(b)}`),
    onDelete: (o) => void log.push(`delete ${o instanceof DeletedFinalStateUnknown ? o.key : objectKey(o)}`),
  });
  factory.start();
  assert.ok(await factory.waitForCacheSync());
  await pods.create(newPod("db", { app: "db" }));
  const current = (await pods.get("before", { namespace: "default" })) as Pod;
  await pods.update({ ...current, metadata: { ...current.metadata, labels: { app: "web", tier: "front" } } });
  await pods.delete("db", { namespace: "default", gracePeriodSeconds: 0 });
  await settle();
  assert.equal(log.slice(0, 3), ["add default/before", "add default/db", "update default/before"]);
  assert.ok(log.includes("delete default/db"), log.join("; "));
  assert.equal(web.indexer.listKeys(), ["default/before"]);
  assert.equal(all.lister().namespace("default").get("before")!.metadata!.labels, { app: "web", tier: "front" });
  await factory.shutdown();
});

test.run();
