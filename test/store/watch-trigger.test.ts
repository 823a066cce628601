import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryStore } from "../../core/store/memory-store.js";
import type { KubeObject } from "../../core/api/object.js";
import type { StoreEvent, WatchTrigger } from "../../core/store/store.js";
import { Cluster } from "../../core/cluster/cluster.js";

const nodeName = (obj: KubeObject): string | undefined => (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
const pod = (name: string, node?: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: node ? { nodeName: node } : {} }) as KubeObject;

test("a watch with a trigger is offered only the events of objects whose field has its value, before or after the change", async () => {
  const store = new MemoryStore();
  const offered = new Map<string, string[]>();
  for (const node of ["a", "b"]) {
    const trigger: WatchTrigger = { field: "spec.nodeName", value: node, of: nodeName };
    const seen: string[] = [];
    offered.set(node, seen);
    // The filter accepts everything: only the trigger index decides what reaches the listener.
    store.watch("/registry/pods/", { revision: 0, trigger, filter: () => true }, (e: StoreEvent) => seen.push(`${e.type} ${e.object.metadata!.name}`));
  }
  const all: string[] = [];
  store.watch("/registry/pods/", { revision: 0 }, (e) => all.push(e.object.metadata!.name!));
  await store.create("/registry/pods/default/p1", pod("p1", "a"));
  await store.create("/registry/pods/default/p2", pod("p2"));
  await store.create("/registry/pods/default/p3", pod("p3"));
  const current = (await store.get("/registry/pods/default/p3"))!;
  await store.update("/registry/pods/default/p3", pod("p3", "b"), { revision: Number(current.metadata!.resourceVersion) });
  await store.delete("/registry/pods/default/p1");
  assert.equal(offered.get("a"), ["ADDED p1", "DELETED p1"]);
  assert.equal(offered.get("b"), ["MODIFIED p3"], "a pod bound to b reaches b's watch (its value after the change)");
  assert.equal(all, ["p1", "p2", "p3", "p3", "p1"], "untriggered watches see everything");
});

test("kubelet-style watches (fieldSelector spec.nodeName=N) through the API server get their node's pods only, a bound pod as ADDED", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: [] });
  await cluster.start();
  try {
    const pods = cluster.client.resource<KubeObject>("Pod");
    const events: string[] = [];
    const w = await pods.watch({ namespace: "default", fieldSelector: "spec.nodeName=n1" }, (e) => events.push(`${e.type} ${e.object.metadata?.name}`));
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "x", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } } as KubeObject);
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "y", namespace: "default" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] } } as KubeObject);
    await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "z", namespace: "default" }, spec: { nodeName: "n2", containers: [{ name: "c", image: "nginx" }] } } as KubeObject);
    await pods.createSubresource("x", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "x", namespace: "default" }, target: { kind: "Node", name: "n1" } } as KubeObject, { namespace: "default" });
    await cluster.clock.sleep(10);
    assert.equal(events, ["ADDED y", "ADDED x"]);
    w.stop();
  } finally {
    await cluster.stop();
  }
});

test.run();
