import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { WatchEvent } from "../../core/client/client.js";
import { testControlPlane } from "../support/control-plane.js";
import { MemoryStore } from "../../core/store/memory-store.js";

const cm = (name: string, labels: Record<string, string> = {}, ns = "default"): ConfigMap => ({ metadata: { name, namespace: ns, labels }, data: { v: "1" } });
const summary = (events: WatchEvent[]): string[] => events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);

test("watch without resourceVersion: current state as ADDED, then live changes", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  await cms.create(cm("a"));
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default" }, (e) => events.push(e as WatchEvent));
  const b = await cms.create(cm("b"));
  await cms.update({ ...b, data: { v: "2" } });
  await cms.delete("a", { namespace: "default" });
  assert.equal(summary(events), ["ADDED a", "ADDED b", "MODIFIED b", "DELETED a"]);
  w.stop();
  await w.done;
  await cms.create(cm("c"));
  assert.is(events.length, 4);
});

test("watch from a resourceVersion replays what came after it", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const a = await cms.create(cm("a"));
  await cms.create(cm("b"));
  await cms.delete("a", { namespace: "default" });
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default", resourceVersion: a.metadata!.resourceVersion! }, (e) => events.push(e as WatchEvent));
  assert.equal(summary(events), ["ADDED b", "DELETED a"]);
  w.stop();
});

test("label-selector watch: objects entering and leaving the selection arrive as ADDED and DELETED", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const events: WatchEvent[] = [];
  const w = await cms.watch({ labelSelector: "team=blue", resourceVersion: "0" }, (e) => events.push(e as WatchEvent));
  const x = await cms.create(cm("x", { team: "red" }));
  const x2 = await cms.update({ ...x, metadata: { ...x.metadata!, labels: { team: "blue" } } });
  const x3 = await cms.update({ ...x2, data: { v: "9" } });
  await cms.update({ ...x3, metadata: { ...x3.metadata!, labels: { team: "red" } } });
  assert.equal(summary(events), ["ADDED x", "MODIFIED x", "DELETED x"]);
  w.stop();
});

test("watch from a compacted revision delivers an ERROR with a 410 Expired Status", async () => {
  const store = new MemoryStore({ historyLimit: 5 });
  const { client } = await testControlPlane({ store });
  const cms = client.resource<ConfigMap>("ConfigMap");
  const first = await cms.create(cm("first"));
  for (let i = 0; i < 20; i++) await cms.create(cm(`n${i}`));
  const events: WatchEvent[] = [];
  const w = await cms.watch({ resourceVersion: first.metadata!.resourceVersion! }, (e) => events.push(e as WatchEvent));
  await w.done;
  assert.is(events.length, 1);
  assert.is(events[0]!.type, "ERROR");
  const status = events[0]!.object as { code?: number; reason?: string; message?: string };
  assert.is(status.code, 410);
  assert.is(status.reason, "Expired");
  assert.match(status.message!, /too old resource version/);
});

test("timeoutSeconds ends the watch on the cluster clock; bookmarks carry the latest resourceVersion", async () => {
  const { client, clock } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default", timeoutSeconds: 150, allowWatchBookmarks: true, resourceVersion: "0" }, (e) => events.push(e as WatchEvent));
  let ended = false;
  void w.done.then(() => (ended = true));
  const made = await cms.create(cm("a"));
  await clock.advance(60_000);
  const bookmarks = events.filter((e) => e.type === "BOOKMARK");
  // resourceVersion "0" defaults to sendInitialEvents=true (WatchList is on in 1.32): the first bookmark ends the initial events.
  assert.equal(bookmarks[0]?.object.metadata!.annotations, { "k8s.io/initial-events-end": "true" });
  const bookmark = bookmarks[1];
  assert.ok(bookmark, "a bookmark after 60 s");
  assert.is(bookmark!.object.kind, "ConfigMap");
  assert.ok(Number(bookmark!.object.metadata!.resourceVersion) >= Number(made.metadata!.resourceVersion));
  assert.not.ok(ended);
  await clock.advance(90_000);
  assert.ok(ended);
  assert.is(clock.pending, 0);
});

test("sendInitialEvents ends the initial list with an annotated bookmark", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  await cms.create(cm("a"));
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default", sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: "" }, (e) => events.push(e as WatchEvent));
  assert.equal(events.map((e) => e.type), ["ADDED", "BOOKMARK"]);
  assert.equal(events[1]!.object.metadata!.annotations, { "k8s.io/initial-events-end": "true" });
  w.stop();
});

test("field-selector watch on pods by spec.nodeName", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource("Pod");
  const events: WatchEvent[] = [];
  const w = await pods.watch({ fieldSelector: "spec.nodeName=node-1" }, (e) => events.push(e as WatchEvent));
  await pods.create({ metadata: { name: "p1", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox" }] } });
  await pods.create({ metadata: { name: "p2", namespace: "default" }, spec: { nodeName: "node-2", containers: [{ name: "c", image: "busybox" }] } });
  assert.equal(summary(events), ["ADDED p1"]);
  w.stop();
});

test.run();
