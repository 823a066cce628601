import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { WatchEvent } from "../../core/client/client.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";

const cm = (name: string): ConfigMap => ({ metadata: { name, namespace: "default" }, data: { v: "1" } });
const summary = (events: WatchEvent[]): string[] => events.map((e) => `${e.type} ${e.object.metadata?.name ?? e.object.metadata?.resourceVersion ?? ""}`);

async function setup() {
  const cp = await testControlPlane();
  const cms = cp.client.resource<ConfigMap>("ConfigMap");
  return { ...cp, cms };
}

/** Settles `p` into a value or the StatusError it rejects with, without an unhandled rejection while the clock moves. */
function settle<T>(p: Promise<T>): { done: () => boolean; result: Promise<T | Error> } {
  let finished = false;
  const result = p.then((v) => v, (e: Error) => e).finally(() => (finished = true));
  return { done: () => finished, result };
}

test("sendInitialEvents=true with a resourceVersion: the current state as ADDED, the initial-events-end bookmark, then changes", async () => {
  const { cms } = await setup();
  const a = await cms.create(cm("a"));
  await cms.create(cm("b"));
  await cms.delete("b", { namespace: "default" });
  const c = await cms.create(cm("c"));
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default", resourceVersion: a.metadata!.resourceVersion!, sendInitialEvents: true, allowWatchBookmarks: true }, (e) => events.push(e as WatchEvent));
  assert.equal(summary(events).slice(0, 2), ["ADDED a", "ADDED c"], "the state, not a replay from the resourceVersion");
  assert.is(events.length, 3);
  assert.is(events[2]!.type, "BOOKMARK");
  assert.equal(events[2]!.object.metadata!.annotations, { "k8s.io/initial-events-end": "true" });
  assert.is(events[2]!.object.metadata!.resourceVersion, c.metadata!.resourceVersion);
  await cms.create(cm("d"));
  assert.equal(summary(events).slice(3), ["ADDED d"]);
  w.stop();
});

test("sendInitialEvents=false: no initial events, only the changes after the resourceVersion (now for \"\")", async () => {
  const { cms } = await setup();
  const a = await cms.create(cm("a"));
  const events: WatchEvent[] = [];
  const w = await cms.watch({ namespace: "default", sendInitialEvents: false, allowWatchBookmarks: true }, (e) => events.push(e as WatchEvent));
  assert.equal(events, []);
  await cms.update({ ...a, data: { v: "2" } });
  assert.equal(summary(events), ["MODIFIED a"]);
  w.stop();
});

test("a list at a resourceVersion the store has not reached waits, and is served once a write gets there", async () => {
  const { cms, clock } = await setup();
  const made = await cms.create(cm("a"));
  const wanted = Number(made.metadata!.resourceVersion) + 1;
  const pending = settle(cms.list({ namespace: "default", resourceVersion: String(wanted), resourceVersionMatch: "NotOlderThan" }));
  await clock.advance(1_000);
  assert.not.ok(pending.done(), "still waiting");
  await cms.create(cm("b"));
  const list = await pending.result;
  assert.ok(!(list instanceof Error), String(list));
  assert.ok(Number((list as { metadata: { resourceVersion: string } }).metadata.resourceVersion) >= wanted);
});

test("a list at a resourceVersion the store does not reach within 3 s: 504 Too large resource version, retryAfterSeconds 1", async () => {
  const { cms, clock } = await setup();
  const made = await cms.create(cm("a"));
  const current = Number(made.metadata!.resourceVersion);
  const pending = settle(cms.list({ namespace: "default", resourceVersion: String(current + 5) }));
  await clock.advance(2_999);
  assert.not.ok(pending.done());
  await clock.advance(1);
  const err = await statusOf(pending.result.then((r) => (r instanceof Error ? Promise.reject(r) : r)));
  assert.is(err.code, 504);
  assert.is(err.reason, "Timeout");
  assert.is(err.message, `Timeout: Too large resource version: ${current + 5}, current: ${current}`);
  assert.equal(err.status.details, { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 });
  assert.is(clock.pending, 0, "no timer left behind");
});

test("an Exact list of a future resourceVersion answers 504 at once", async () => {
  const { cms } = await setup();
  const made = await cms.create(cm("a"));
  const current = Number(made.metadata!.resourceVersion);
  const err = await statusOf(cms.list({ namespace: "default", resourceVersion: String(current + 1), resourceVersionMatch: "Exact" }));
  assert.is(err.code, 504);
  assert.is(err.message, `Timeout: Too large resource version: ${current + 1}, current: ${current}`);
});

test("a sendInitialEvents watch at a future resourceVersion waits 3 s, then 504; a plain watch from there keeps waiting", async () => {
  const { cms, clock } = await setup();
  const made = await cms.create(cm("a"));
  const future = Number(made.metadata!.resourceVersion) + 2;
  const initial = settle(cms.watch({ namespace: "default", resourceVersion: String(future), sendInitialEvents: true, allowWatchBookmarks: true }, () => undefined));
  const events: WatchEvent[] = [];
  const plain = await cms.watch({ namespace: "default", resourceVersion: String(future) }, (e) => events.push(e as WatchEvent));
  await clock.advance(3_000);
  const err = await initial.result;
  assert.instance(err, Error);
  assert.is((err as { code?: number }).code, 504);
  await cms.create(cm("b")); // revision future - 1
  await cms.create(cm("c")); // revision future: not after it
  await cms.create(cm("d"));
  assert.equal(summary(events), ["ADDED d"], "only events after the asked-for revision");
  plain.stop();
});

test("a continue token with a resourceVersion is refused (400)", async () => {
  const { cms } = await setup();
  for (const n of ["a", "b", "c"]) await cms.create(cm(n));
  const page = await cms.list({ namespace: "default", limit: 1 });
  const err = await statusOf(cms.list({ namespace: "default", limit: 1, continue: page.metadata.continue!, resourceVersion: page.metadata.resourceVersion! }));
  assert.is(err.code, 400);
  assert.is(err.message, "specifying resource version is not allowed when using continue");
});

test("the 410 for an expired continue token carries the fresh token in metadata.continue", async () => {
  const store = new MemoryStore({ historyLimit: 3 });
  const { client } = await testControlPlane({ store });
  const cms = client.resource<ConfigMap>("ConfigMap");
  for (const n of ["a", "b", "c", "d"]) await cms.create(cm(n));
  const page = await cms.list({ namespace: "default", limit: 2 });
  for (let i = 0; i < 5; i++) await cms.create(cm(`x${i}`));
  const err = await statusOf(cms.list({ namespace: "default", limit: 2, continue: page.metadata.continue! }));
  assert.is(err.code, 410);
  assert.is(err.reason, "Expired");
  const token = err.status.metadata?.continue;
  assert.ok(token, "a fresh token");
  const rest = await cms.list({ namespace: "default", limit: 100, continue: token! });
  assert.equal(rest.items.map((i) => i.metadata!.name), ["c", "d", "x0", "x1", "x2", "x3", "x4"], "continues after the first page, at the latest state");
});

test("an Exact list (and a legacy limit + resourceVersion list) shows that revision; one compacted away answers 410 Expired", async () => {
  const store = new MemoryStore({ historyLimit: 4 });
  const { client } = await testControlPlane({ store });
  const cms = client.resource<ConfigMap>("ConfigMap");
  const a = await cms.create(cm("a"));
  await cms.update({ ...a, data: { v: "2" } });
  await cms.create(cm("b"));
  const names = (l: { items: ConfigMap[] }) => l.items.map((i) => `${i.metadata!.name}=${i.data!["v"]}`);
  const exact = await cms.list({ namespace: "default", resourceVersion: a.metadata!.resourceVersion!, resourceVersionMatch: "Exact" });
  assert.equal(names(exact), ["a=1"]);
  assert.is(exact.metadata.resourceVersion, a.metadata!.resourceVersion);
  const legacy = await cms.list({ namespace: "default", resourceVersion: a.metadata!.resourceVersion!, limit: 10 });
  assert.equal(names(legacy), ["a=1"]);
  const notOlder = await cms.list({ namespace: "default", resourceVersion: a.metadata!.resourceVersion!, resourceVersionMatch: "NotOlderThan" });
  assert.equal(names(notOlder), ["a=2", "b=1"], "NotOlderThan serves the latest state");
  for (let i = 0; i < 5; i++) await cms.create(cm(`n${i}`));
  const err = await statusOf(cms.list({ namespace: "default", resourceVersion: a.metadata!.resourceVersion!, resourceVersionMatch: "Exact" }));
  assert.is(err.code, 410);
  assert.is(err.reason, "Expired");
  assert.is(err.message, "The resourceVersion for the provided list is too old.");
});

test.run();
