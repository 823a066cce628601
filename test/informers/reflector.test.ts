import { test } from "uvu";
import * as assert from "uvu/assert";
import { Reflector, type ReflectorStore } from "../../core/informers/reflector.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { internalError, tooManyRequests } from "../../core/api/status.js";
import { objectKey, type KubeObject } from "../../core/api/object.js";
import { FakeClient, pod } from "./fake-client.js";

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Records what the reflector writes. */
class RecordingStore implements ReflectorStore {
  readonly ops: string[] = [];
  readonly content = new Map<string, KubeObject>();
  replace(items: readonly KubeObject[], rv: string): void {
    this.ops.push(`replace(${items.length}@${rv})`);
    this.content.clear();
    for (const i of items) this.content.set(objectKey(i), i);
  }
  add(obj: KubeObject): void {
    this.ops.push(`add ${objectKey(obj)}`);
    this.content.set(objectKey(obj), obj);
  }
  update(obj: KubeObject): void {
    this.ops.push(`update ${objectKey(obj)}`);
    this.content.set(objectKey(obj), obj);
  }
  delete(obj: KubeObject): void {
    this.ops.push(`delete ${objectKey(obj)}`);
    this.content.delete(objectKey(obj));
  }
}

function setup(pageSize?: number) {
  const clock = new VirtualClock({ start: 0 });
  const client = new FakeClient();
  const server = client.fake("pods");
  const store = new RecordingStore();
  const reflector = new Reflector({ client, resource: "pods", store, clock, pageSize });
  const ac = new AbortController();
  return { clock, server, store, reflector, ac, run: () => reflector.run(ac.signal) };
}

test("lists, then watches from the list's resourceVersion with bookmarks; events reach the store", async () => {
  const { clock, server, store, reflector, ac, run } = setup();
  server.put(pod("default", "a"));
  server.put(pod("default", "b"));
  const running = run();
  await settle();
  assert.equal(store.ops, ["replace(2@102)"]);
  assert.is(server.listCalls[0]!.resourceVersion, "0", "first list may be served from cache");
  assert.is(server.watchCalls.length, 1);
  assert.is(server.watchCalls[0]!.resourceVersion, "102");
  assert.is(server.watchCalls[0]!.allowWatchBookmarks, true);
  assert.ok(server.watchCalls[0]!.timeoutSeconds! >= 300);
  server.put(pod("default", "c"));
  server.put(pod("default", "a", { labels: { x: "y" } }));
  server.remove("default", "b");
  assert.equal(store.ops.slice(1), ["add default/c", "update default/a", "delete default/b"]);
  assert.is(reflector.lastSyncResourceVersion(), "105");
  ac.abort();
  await running;
  assert.is(server.openWatches(), 0);
  assert.is(clock.pending, 0);
});

test("pages the list by 500 with continue tokens, consistent at the first page's version", async () => {
  const { server, store, ac, run, clock } = setup();
  for (let i = 0; i < 1201; i++) server.put(pod("default", `p${i}`));
  const running = run();
  await settle();
  assert.equal(server.listCalls.map((c) => [c.limit, c.continue !== undefined]), [[500, false], [500, true], [500, true]]);
  assert.equal(store.ops, ["replace(1201@1301)"]);
  assert.is(server.watchCalls[0]!.resourceVersion, "1301");
  ac.abort();
  await running;
  assert.is(clock.pending, 0);
});

test("an expired continue token falls back to one full list", async () => {
  const { server, store, ac, run } = setup(2);
  for (let i = 0; i < 5; i++) server.put(pod("default", `p${i}`));
  const original = server.list.bind(server);
  server.list = async (options = {}) => {
    if (options.continue) server.compact();
    return original(options);
  };
  const running = run();
  await settle();
  assert.equal(server.listCalls.map((c) => c.limit ?? 0), [2, 2, 0]);
  assert.equal(store.ops, ["replace(5@105)"]);
  ac.abort();
  await running;
});

test("a watch ended by the server is reopened from the last resourceVersion, without relisting", async () => {
  const { server, store, ac, run } = setup();
  server.put(pod("default", "a"));
  const running = run();
  await settle();
  server.put(pod("default", "b"));
  server.endWatches();
  await settle();
  assert.is(server.listCalls.length, 1, "no relist");
  assert.is(server.watchCalls.length, 2);
  assert.is(server.watchCalls[1]!.resourceVersion, "102");
  server.put(pod("default", "c"));
  assert.equal(store.ops, ["replace(1@101)", "add default/b", "add default/c"]);
  ac.abort();
  await running;
});

test("bookmarks advance the resourceVersion the next watch starts from", async () => {
  const { server, store, ac, run, reflector } = setup();
  server.put(pod("default", "a"));
  const running = run();
  await settle();
  server.revision += 50; // changes to other resources move the global revision
  server.bookmark();
  assert.is(reflector.lastSyncResourceVersion(), "151");
  assert.equal(store.ops, ["replace(1@101)"], "a bookmark changes nothing in the store");
  server.endWatches();
  await settle();
  assert.is(server.watchCalls[1]!.resourceVersion, "151");
  ac.abort();
  await running;
});

test("a 410 ERROR event relists (after backoff) and replaces the store with the server's state", async () => {
  const { clock, server, store, ac, run } = setup();
  server.put(pod("default", "a"));
  server.put(pod("default", "b"));
  const running = run();
  await settle();
  server.deliver = false; // the events of this gap are lost
  server.remove("default", "a");
  server.put(pod("default", "b", { labels: { v: "2" } }));
  server.put(pod("default", "c"));
  server.deliver = true;
  server.expireWatches();
  await settle();
  assert.is(server.listCalls.length, 1, "relist waits for the backoff");
  await clock.advance(800);
  assert.is(server.listCalls.length, 2);
  assert.is(server.listCalls[1]!.resourceVersion, "102", "relist not older than the last version seen");
  assert.equal(store.ops, ["replace(2@102)", "replace(2@105)"]);
  assert.equal([...store.content.keys()].sort(), ["default/b", "default/c"]);
  assert.equal(store.content.get("default/b")!.metadata!.labels, { v: "2" });
  assert.is(server.watchCalls[1]!.resourceVersion, "105");
  ac.abort();
  await running;
  assert.is(clock.pending, 0);
});

test("a watch() that throws 410 (compacted history) relists; so does an ERROR event for a compacted version", async () => {
  for (const mode of ["throw", "event"] as const) {
    const { clock, server, store, ac, run } = setup();
    server.expiredWatch = mode;
    server.put(pod("default", "a"));
    const running = run();
    await settle();
    server.deliver = false;
    server.put(pod("default", "b"));
    server.put(pod("default", "c"));
    server.compact();
    server.deliver = true;
    await clock.advance(2000); // not a "very short watch"
    server.endWatches();
    await settle();
    assert.is(server.watchCalls[1]!.resourceVersion, "101", mode);
    assert.is(server.listCalls.length, 1, mode);
    await clock.advance(800);
    assert.is(server.listCalls.length, 2, mode);
    assert.equal([...store.content.keys()].sort(), ["default/a", "default/b", "default/c"], mode);
    ac.abort();
    await running;
    assert.is(clock.pending, 0, mode);
  }
});

test("failures back off exponentially on the clock: 800 ms, 1.6 s, 3.2 s ... capped at 30 s", async () => {
  const { clock, server, ac, run } = setup();
  for (let i = 0; i < 8; i++) server.listFailures.push(internalError("etcd unavailable"));
  const running = run();
  const at: number[] = [];
  const list = server.list.bind(server);
  server.list = (o) => {
    at.push(clock.now());
    return list(o);
  };
  await settle();
  await clock.advance(120_000);
  assert.equal(at, [800, 2400, 5600, 12000, 24800, 50400, 80400, 110400]);
  ac.abort();
  await running;
  assert.is(clock.pending, 0);
});

test("429 on watch start backs off and retries the watch without relisting; a broken watch relists", async () => {
  const { clock, server, ac, run } = setup();
  server.put(pod("default", "a"));
  server.watchFailures.push(tooManyRequests());
  const running = run();
  await settle();
  assert.is(server.watchCalls.length, 1);
  await clock.advance(800);
  assert.is(server.watchCalls.length, 2);
  assert.is(server.listCalls.length, 1);
  server.put(pod("default", "b"));
  server.breakWatches();
  await settle();
  await clock.advance(60_000);
  assert.is(server.listCalls.length, 2);
  ac.abort();
  await running;
  assert.is(clock.pending, 0);
});

test("stop during backoff or watch leaves no timers and no watch", async () => {
  const { clock, server, ac, run } = setup();
  server.listFailures.push(internalError("boom"));
  const running = run();
  await settle();
  assert.is(clock.pending, 1, "backoff timer");
  ac.abort();
  await running;
  assert.is(clock.pending, 0);
  assert.is(server.openWatches(), 0);
});

test.run();
