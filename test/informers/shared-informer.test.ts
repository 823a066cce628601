import { test } from "uvu";
import * as assert from "uvu/assert";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { DeletedFinalStateUnknown } from "../../core/informers/tombstone.js";
import type { ResourceEventHandler } from "../../core/informers/event-handler.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { objectKey, type KubeObject } from "../../core/api/object.js";
import { FakeClient, pod } from "./fake-client.js";

const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

/** A handler that writes one line per notification. */
function recorder(log: string[], name = ""): ResourceEventHandler {
  const p = name ? `${name}:` : "";
  return {
    onAdd: (o, initial) => void log.push(`${p}add ${objectKey(o)}${initial ? " (initial)" : ""}`),
    onUpdate: (a, b) => void log.push(`${p}update ${objectKey(b)}${a === b ? " (resync)" : ""}`),
    onDelete: (o) => void log.push(o instanceof DeletedFinalStateUnknown ? `${p}delete ${o.key} (tombstone)` : `${p}delete ${objectKey(o)}`),
  };
}

function setup(options: { resyncPeriod?: number } = {}) {
  const clock = new VirtualClock({ start: 0 });
  const client = new FakeClient();
  const server = client.fake("pods");
  const factory = new SharedInformerFactory({ client, clock, defaultResyncPeriod: options.resyncPeriod });
  return { clock, client, server, factory };
}

test("one shared informer per (resource, namespace, selectors) per factory", () => {
  const { factory } = setup();
  const a = factory.forResource("pods");
  assert.is(factory.forResource("pods"), a);
  assert.is.not(factory.forResource("pods", { namespace: "x" }), a);
  assert.is.not(factory.forResource("pods", { labelSelector: "app=web" }), a);
  assert.is(factory.forResource("pods", { namespace: "x" }), factory.forResource("pods", { namespace: "x" }));
  assert.is(factory.all().length, 3);
});

test("initial list as adds, then watch events; cache, lister and hasSynced follow; stop leaves no timers", async () => {
  const { clock, server, factory } = setup();
  server.put(pod("default", "a"));
  server.put(pod("default", "b"));
  const informer = factory.forResource("pods");
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  assert.not.ok(informer.hasSynced());
  const ac = new AbortController();
  factory.start(ac.signal);
  assert.ok(await factory.waitForCacheSync());
  assert.ok(informer.hasSynced());
  await settle();
  assert.equal(log, ["add default/a (initial)", "add default/b (initial)"]);
  server.put(pod("default", "c"));
  server.put(pod("default", "a", { labels: { v: "2" } }));
  server.remove("default", "b");
  await settle();
  assert.equal(log.slice(2), ["add default/c", "update default/a", "delete default/b"]);
  assert.equal(informer.lister().namespace("default").list().map((o) => o.metadata!.name).sort(), ["a", "c"]);
  assert.equal(informer.lister().namespace("default").get("a")!.metadata!.labels, { v: "2" });
  assert.is(informer.indexer.size, 2);
  ac.abort();
  await factory.shutdown();
  assert.is(clock.pending, 0);
  assert.is(server.openWatches(), 0);
});

test("the watch restarts after a server-side end and events keep flowing", async () => {
  const { server, factory } = setup();
  const informer = factory.forResource("pods");
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  factory.start();
  await factory.waitForCacheSync();
  server.put(pod("default", "a"));
  server.endWatches();
  await settle();
  server.put(pod("default", "b"));
  await settle();
  assert.equal(log, ["add default/a", "add default/b"]);
  assert.is(server.listCalls.length, 1);
  await factory.shutdown();
});

test("410 relist replaces the cache: updates for kept objects, adds for new ones, tombstones for deletions missed", async () => {
  const { clock, server, factory } = setup();
  server.put(pod("default", "keep"));
  server.put(pod("default", "gone"));
  const informer = factory.forResource("pods");
  const log: string[] = [];
  const deleted: unknown[] = [];
  informer.addEventHandler({ ...recorder(log), onDelete: (o) => void deleted.push(o) });
  factory.start();
  await factory.waitForCacheSync();
  const gone = informer.lister().namespace("default").get("gone");
  server.deliver = false;
  server.remove("default", "gone");
  server.put(pod("default", "new"));
  server.deliver = true;
  server.expireWatches();
  await settle();
  await clock.advance(800);
  await settle();
  // "keep" is unchanged: the relist hands back the very same object, delivered as an update.
  assert.equal(log.slice(2), ["update default/keep (resync)", "add default/new"]);
  assert.is(deleted.length, 1);
  const tombstone = deleted[0] as DeletedFinalStateUnknown;
  assert.instance(tombstone, DeletedFinalStateUnknown);
  assert.is(tombstone.key, "default/gone");
  assert.is(tombstone.obj, gone, "the tombstone carries the last state the cache held");
  assert.equal(informer.indexer.listKeys().sort(), ["default/keep", "default/new"]);
  await factory.shutdown();
  assert.is(clock.pending, 0);
});

test("a handler added late first receives the current contents as adds, then changes", async () => {
  const { server, factory } = setup();
  server.put(pod("default", "a"));
  server.put(pod("default", "b"));
  const informer = factory.forResource("pods");
  informer.addEventHandler({});
  factory.start();
  await factory.waitForCacheSync();
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log, "late"));
  assert.not.ok(reg.hasSynced(), "initial contents not yet delivered");
  server.put(pod("default", "c"));
  await settle();
  assert.equal(log, ["late:add default/a (initial)", "late:add default/b (initial)", "late:add default/c"]);
  assert.ok(reg.hasSynced());
  reg.remove();
  server.put(pod("default", "d"));
  await settle();
  assert.is(log.length, 3, "removed handler gets nothing more");
  await factory.shutdown();
});

test("a slow async handler does not delay the others, and still sees every event in order", async () => {
  const { clock, server, factory } = setup();
  const informer = factory.forResource("pods");
  const fast: string[] = [];
  const slow: string[] = [];
  informer.addEventHandler(recorder(fast));
  informer.addEventHandler({
    onAdd: async (o) => {
      await clock.sleep(1000);
      slow.push(objectKey(o));
    },
  });
  factory.start();
  await factory.waitForCacheSync();
  for (let i = 0; i < 5; i++) server.put(pod("default", `p${i}`));
  await settle();
  assert.is(fast.length, 5, "fast handler saw everything at once");
  assert.equal(slow, []);
  await clock.advance(2000);
  assert.equal(slow, ["default/p0", "default/p1"]);
  await clock.advance(3000);
  assert.equal(slow, ["default/p0", "default/p1", "default/p2", "default/p3", "default/p4"]);
  await factory.shutdown();
  assert.is(clock.pending, 0);
});

test("resync re-delivers every cached object as an update with old === new, on the clock", async () => {
  const { clock, server, factory } = setup({ resyncPeriod: 30_000 });
  server.put(pod("default", "a"));
  const informer = factory.forResource("pods");
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  const noResync: string[] = [];
  informer.addEventHandler(recorder(noResync), { resyncPeriod: 0 });
  factory.start();
  await factory.waitForCacheSync();
  await clock.advance(29_999);
  assert.equal(log, ["add default/a (initial)"]);
  await clock.advance(1);
  assert.equal(log, ["add default/a (initial)", "update default/a (resync)"]);
  await clock.advance(30_000);
  assert.is(log.length, 3);
  assert.is(noResync.length, 1);
  await factory.shutdown();
  assert.is(clock.pending, 0);
});

test("indexers added through the factory are maintained; namespaced informers see one namespace", async () => {
  const { server, factory } = setup();
  const nodeName = (o: KubeObject): string[] => {
    const n = (o.spec as { nodeName?: string }).nodeName;
    return n ? [n] : [];
  };
  const informer = factory.forResource("pods", { indexers: { byNode: nodeName } });
  const scoped = factory.forResource("pods", { namespace: "team" });
  server.put(pod("default", "a", { nodeName: "n1" }));
  server.put(pod("team", "t", { nodeName: "n1" }));
  factory.start();
  assert.ok(await factory.waitForCacheSync());
  server.put(pod("default", "b", { nodeName: "n2" }));
  server.put(pod("default", "a", { nodeName: "n2" }));
  assert.equal(informer.indexer.indexKeys("byNode", "n2").sort(), ["default/a", "default/b"]);
  assert.equal(informer.indexer.indexKeys("byNode", "n1"), ["team/t"]);
  assert.equal(scoped.indexer.listKeys(), ["team/t"]);
  assert.is(server.listCalls.find((c) => c.namespace === "team")?.namespace, "team");
  await factory.shutdown();
});

test("waitForCacheSync resolves false when aborted first; handlers cannot be added after stop", async () => {
  const { server, factory } = setup();
  server.listFailures.push(new Error("down"));
  const informer = factory.forResource("pods");
  factory.start();
  const ac = new AbortController();
  const waiting = factory.waitForCacheSync(ac.signal);
  ac.abort();
  assert.is(await waiting, false);
  await factory.shutdown();
  assert.throws(() => informer.addEventHandler({}), /stopped already/);
});

test("handlers woken by one change run in registration order, each before what the others queue; one removed by another sees nothing more", async () => {
  const { server, factory } = setup();
  const informer = factory.forResource("pods");
  const log: string[] = [];
  const registrations: { remove(): void }[] = [];
  for (const name of ["a", "b", "c"]) {
    registrations.push(
      informer.addEventHandler({
        onAdd: (o) => {
          log.push(`${name} ${objectKey(o)}`);
          void Promise.resolve().then(() => log.push(`${name} micro`));
          if (name === "a" && o.metadata?.name === "p1") registrations[1]!.remove();
        },
      }),
    );
  }
  factory.start();
  await factory.waitForCacheSync();
  server.put(pod("default", "p0"));
  await settle();
  assert.equal(log, ["a default/p0", "b default/p0", "c default/p0", "a micro", "b micro", "c micro"]);
  log.length = 0;
  server.put(pod("default", "p1"));
  await settle();
  assert.equal(log, ["a default/p1", "c default/p1", "a micro", "c micro"], "b was removed by a's handler before its turn");
  await factory.shutdown();
});

test("a handler object's methods are called on it (class instances with state, methods on the prototype), each kind only when defined", async () => {
  const { server, factory } = setup();
  class Counting implements ResourceEventHandler {
    readonly seen: string[] = [];
    onAdd(o: KubeObject): void {
      this.seen.push(`add ${objectKey(o)}`);
    }
    onUpdate(_old: KubeObject, o: KubeObject): void {
      this.seen.push(`update ${objectKey(o)}`);
    }
    onDelete(o: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
      this.seen.push(`delete ${o instanceof DeletedFinalStateUnknown ? o.key : objectKey(o)}`);
    }
  }
  const informer = factory.forResource("pods");
  const counting = new Counting();
  informer.addEventHandler(counting);
  const adds: string[] = [];
  informer.addEventHandler({ onAdd: (o) => void adds.push(objectKey(o)) }); // no onUpdate, no onDelete
  factory.start();
  await factory.waitForCacheSync();
  server.put(pod("default", "a"));
  server.put(pod("default", "a", { labels: { v: "2" } }));
  server.remove("default", "a");
  await settle();
  assert.equal(counting.seen, ["add default/a", "update default/a", "delete default/a"]);
  assert.equal(adds, ["default/a"]);
  await factory.shutdown();
});

test.run();
