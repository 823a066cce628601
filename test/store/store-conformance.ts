/**
 * The Store contract's conformance suite: every Store implementation (MemoryStore, DurableStore)
 * runs these same tests through its own factory and must behave identically.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/api/object.js";
import { ContinueExpiredError } from "../../core/store/continue-token.js";
import { namespacePrefix, objectStorageKey, resourcePrefix } from "../../core/store/keys.js";
import type { MemoryStoreOptions } from "../../core/store/memory-store.js";
import { isStoreError, type Store, type StoreEvent } from "../../core/store/store.js";

function pod(name: string, namespace = "default", labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels, uid: `uid-${namespace}-${name}` }, spec: { containers: [{ name: "c", image: "nginx" }] } };
}

const podKey = (name: string, ns = "default") => objectStorageKey("pods", ns, name);

async function rejects(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStoreError(err), `expected a StoreError, got ${String(err)}`);
    assert.is(err.code, code);
    if (typeof message === "string") assert.is(err.message, message);
    else if (message) assert.match(err.message, message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

/**
 * Makes a fresh, empty store with the given options. A store over a shared engine (etcd) starts at
 * the engine's current revision rather than 0: every revision below is relative to where the store
 * started (`store.currentRevision()` when made).
 */
export type StoreFactory = (options?: Omit<MemoryStoreOptions, "journal">) => Promise<Store>;

/** Registers the conformance tests for the stores `make` builds and runs them; `after` runs once they are done. */
export function runStoreConformance(name: string, make: StoreFactory, after: () => Promise<void> = async () => {}): void {
  const test = suite(`store conformance: ${name}`);
  test.after(after);

  test("create stamps the global revision into resourceVersion; get returns the stored, frozen object", async () => {
    const store = await make();
    const r = store.currentRevision();
    const input = pod("a");
    const a = await store.create(podKey("a"), input);
    const b = await store.create(podKey("b"), pod("b"));
    assert.is(a.metadata?.resourceVersion, String(r + 1));
    assert.is(b.metadata?.resourceVersion, String(r + 2));
    assert.is(store.currentRevision(), r + 2);
    assert.is(input.metadata?.resourceVersion, undefined, "the caller's object is not written to");
    assert.is(await store.get(podKey("a")), a);
    assert.is(await store.get(podKey("zzz")), undefined);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen((a.spec as { containers: object[] }).containers[0]));
    assert.throws(() => {
      (a.metadata as { name: string }).name = "changed";
    });
    await rejects(store.create(podKey("a"), pod("a")), "AlreadyExists");
    assert.is(store.currentRevision(), r + 2, "a failed write does not consume a revision");
  });

  test("freeze: false leaves stored objects mutable (production default)", async () => {
    const store = await make({ freeze: false });
    const a = await store.create(podKey("a"), pod("a"));
    assert.not.ok(Object.isFrozen(a));
  });

  test("update is compare-and-swap on the revision and uid; NotFound when absent", async () => {
    const store = await make();
    const r = store.currentRevision();
    const a = await store.create(podKey("a"), pod("a"));
    const a2 = await store.update(podKey("a"), { ...a, spec: { x: 1 } }, { revision: r + 1 });
    assert.is(a2.metadata?.resourceVersion, String(r + 2));
    await rejects(store.update(podKey("a"), a, { revision: r + 1 }), "Conflict", "the object has been modified; please apply your changes to the latest version and try again");
    await rejects(store.update(podKey("a"), a, { uid: "other" }), "Conflict", "Precondition failed: UID in precondition: other, UID in object meta: uid-default-a");
    const a3 = await store.update(podKey("a"), a, { uid: "uid-default-a", revision: r + 2 });
    assert.is(a3.metadata?.resourceVersion, String(r + 3));
    const unconditional = await store.update(podKey("a"), a);
    assert.is(unconditional.metadata?.resourceVersion, String(r + 4));
    await rejects(store.update(podKey("nope"), a), "NotFound");
  });

  test("delete checks preconditions, returns the last stored object, and the DELETED event carries the deletion revision", async () => {
    const store = await make();
    const r = store.currentRevision();
    await store.create(podKey("a"), pod("a"));
    const events: StoreEvent[] = [];
    store.watch(resourcePrefix("pods"), { revision: r + 1 }, (e) => events.push(e));
    await rejects(store.delete(podKey("a"), { uid: "x" }), "Conflict", "Precondition failed: UID in precondition: x, UID in object meta: uid-default-a");
    await rejects(store.delete(podKey("a"), { revision: r + 7 }), "Conflict", `Precondition failed: ResourceVersion in precondition: ${r + 7}, ResourceVersion in object meta: ${r + 1}`);
    const removed = await store.delete(podKey("a"), { uid: "uid-default-a", revision: r + 1 });
    assert.is(removed.metadata?.resourceVersion, String(r + 1));
    assert.is(await store.get(podKey("a")), undefined);
    assert.is(events.length, 1);
    assert.is(events[0]!.type, "DELETED");
    assert.is(events[0]!.revision, r + 2);
    assert.is(events[0]!.object.metadata?.resourceVersion, String(r + 2));
    assert.is(events[0]!.object.metadata?.name, "a");
    assert.is(events[0]!.prevObject, removed);
    await rejects(store.delete(podKey("a")), "NotFound");
  });

  test("list: key order, prefix isolation (pods never matches podtemplates), namespace prefix, filter", async () => {
    const store = await make();
    const r = store.currentRevision();
    for (const [ns, name] of [["b", "z"], ["a", "y"], ["b", "a"], ["a", "x"]] as const) await store.create(podKey(name, ns), pod(name, ns, { app: name < "y" ? "web" : "db" }));
    await store.create(objectStorageKey("podtemplates", "a", "t"), pod("t", "a"));
    await store.create(objectStorageKey("pods", undefined, "cluster-scoped-looking"), pod("c", ""));
    const all = await store.list(resourcePrefix("pods"));
    assert.equal(all.items.map((o) => o.metadata?.name), ["x", "y", "a", "z", "c"]);
    assert.is(all.revision, r + 6);
    assert.is(all.continue, undefined);
    const inA = await store.list(namespacePrefix("pods", "a"));
    assert.equal(inA.items.map((o) => o.metadata?.name), ["x", "y"]);
    const web = await store.list(resourcePrefix("pods"), { filter: (o) => o.metadata?.labels?.app === "web" });
    assert.equal(web.items.map((o) => o.metadata?.name), ["x", "a"]);
    const templates = await store.list(resourcePrefix("podtemplates"));
    assert.equal(templates.items.map((o) => o.metadata?.name), ["t"]);
  });

  test("list paging: limit, continue, remainingItemCount; filter counted before limit", async () => {
    const store = await make();
    const r = store.currentRevision();
    for (let i = 0; i < 10; i++) await store.create(podKey(`p${i}`), pod(`p${i}`, "default", { even: String(i % 2 === 0) }));
    const p1 = await store.list(resourcePrefix("pods"), { limit: 4 });
    assert.equal(p1.items.map((o) => o.metadata?.name), ["p0", "p1", "p2", "p3"]);
    assert.is(p1.remainingItemCount, 6);
    assert.ok(p1.continue);
    const token = JSON.parse(Buffer.from(p1.continue!, "base64url").toString());
    assert.equal(token, { v: "meta.k8s.io/v1", rv: r + 10, start: "default/p3\u0000" });
    const p2 = await store.list(resourcePrefix("pods"), { limit: 4, continue: p1.continue });
    assert.equal(p2.items.map((o) => o.metadata?.name), ["p4", "p5", "p6", "p7"]);
    const p3 = await store.list(resourcePrefix("pods"), { limit: 4, continue: p2.continue });
    assert.equal(p3.items.map((o) => o.metadata?.name), ["p8", "p9"]);
    assert.is(p3.continue, undefined);
    assert.is(p3.remainingItemCount, undefined);
    const exact = await store.list(resourcePrefix("pods"), { limit: 10 });
    assert.is(exact.continue, undefined, "a page that ends exactly at the last item has no continuation");

    const even = await store.list(resourcePrefix("pods"), { limit: 3, filter: (o) => o.metadata?.labels?.even === "true" });
    assert.equal(even.items.map((o) => o.metadata?.name), ["p0", "p2", "p4"]);
    assert.is(even.remainingItemCount, undefined, "unknown with a filter, as Kubernetes");
    const even2 = await store.list(resourcePrefix("pods"), { limit: 3, continue: even.continue, filter: (o) => o.metadata?.labels?.even === "true" });
    assert.equal(even2.items.map((o) => o.metadata?.name), ["p6", "p8"]);
  });

  test("continued pages show the first page's snapshot, including objects deleted or changed since", async () => {
    const store = await make();
    const r = store.currentRevision();
    const at = (name: string, n: number) => `${name}@${r + n}`;
    for (let i = 0; i < 6; i++) await store.create(podKey(`p${i}`), pod(`p${i}`));
    const p1 = await store.list(resourcePrefix("pods"), { limit: 2 });
    await store.delete(podKey("p3"));
    const p4 = await store.get(podKey("p4"));
    await store.update(podKey("p4"), { ...p4!, spec: { changed: true } });
    await store.create(podKey("p2a"), pod("p2a"));
    await store.delete(podKey("p5"));
    await store.create(podKey("p5"), pod("p5"));
    const p2 = await store.list(resourcePrefix("pods"), { limit: 3, continue: p1.continue });
    assert.is(p2.revision, r + 6);
    assert.equal(p2.items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`), [at("p2", 3), at("p3", 4), at("p4", 5)]);
    assert.is(p2.remainingItemCount, 1);
    const p3 = await store.list(resourcePrefix("pods"), { limit: 3, continue: p2.continue });
    assert.equal(p3.items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`), [at("p5", 6)]);
    assert.is(p3.continue, undefined);
  });

  test("continuing a list whose revision was compacted: 410 with a token that continues at the latest state", async () => {
    const store = await make({ historyLimit: 3 });
    const r = store.currentRevision();
    for (let i = 0; i < 4; i++) await store.create(podKey(`p${i}`), pod(`p${i}`));
    const p1 = await store.list(resourcePrefix("pods"), { limit: 2 });
    for (let i = 4; i < 8; i++) await store.create(podKey(`p${i}`), pod(`p${i}`));
    let expired: ContinueExpiredError | undefined;
    try {
      await store.list(resourcePrefix("pods"), { limit: 2, continue: p1.continue });
    } catch (err) {
      expired = err as ContinueExpiredError;
    }
    assert.instance(expired, ContinueExpiredError);
    assert.is(expired!.code, "Gone");
    assert.match(expired!.message, /^The provided continue parameter is too old to display a consistent list result/);
    const latest = await store.list(resourcePrefix("pods"), { limit: 100, continue: expired!.continueToken });
    assert.equal(latest.items.map((o) => o.metadata?.name), ["p2", "p3", "p4", "p5", "p6", "p7"]);
    assert.is(latest.revision, r + 8);
  });

  test("invalid continue tokens are InvalidContinue with Kubernetes' wording", async () => {
    const store = await make();
    const r = store.currentRevision();
    await store.create(podKey("a"), pod("a"));
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    await rejects(store.list(resourcePrefix("pods"), { continue: "!!!" }), "InvalidContinue", /^continue key is not valid: /);
    await rejects(store.list(resourcePrefix("pods"), { continue: enc({ v: "x/v9", rv: 1, start: "a" }) }), "InvalidContinue", "continue key is not valid: server does not recognize this encoded version x/v9");
    await rejects(store.list(resourcePrefix("pods"), { continue: enc({ v: "meta.k8s.io/v1", rv: 0, start: "a" }) }), "InvalidContinue", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    await rejects(store.list(resourcePrefix("pods"), { continue: enc({ v: "meta.k8s.io/v1", rv: 1, start: "" }) }), "InvalidContinue", "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
    await rejects(store.list(resourcePrefix("pods"), { continue: enc({ v: "meta.k8s.io/v1", rv: 1, start: "../secrets/x" }) }), "InvalidContinue", "continue key is not valid: ../secrets/x");
    await rejects(store.list(resourcePrefix("pods"), { continue: enc({ v: "meta.k8s.io/v1", rv: r + 99, start: "a" }) }), "InvalidContinue");
  });

  test("watch: replays retained history after the revision, then live events, only under its prefix", async () => {
    const store = await make();
    const r = store.currentRevision();
    await store.create(podKey("a"), pod("a"));
    await store.create(objectStorageKey("podtemplates", "default", "t"), pod("t"));
    await store.create(podKey("b", "other"), pod("b", "other"));
    const seen: string[] = [];
    const inDefault: string[] = [];
    const w = store.watch(resourcePrefix("pods"), { revision: r + 1 }, (e) => seen.push(`${e.type} ${e.object.metadata?.name} ${e.revision - r}`));
    store.watch(namespacePrefix("pods", "default"), { revision: r }, (e) => inDefault.push(`${e.type} ${e.object.metadata?.name}`));
    assert.equal(seen, ["ADDED b 3"]);
    assert.equal(inDefault, ["ADDED a"]);
    const a = await store.get(podKey("a"));
    await store.update(podKey("a"), { ...a! });
    await store.delete(podKey("b", "other"));
    w.stop();
    w.stop();
    await store.create(podKey("c"), pod("c"));
    assert.equal(seen, ["ADDED b 3", "MODIFIED a 4", "DELETED b 5"]);
    assert.equal(inDefault, ["ADDED a", "MODIFIED a", "ADDED c"]);
  });

  test("watch filter, exact-key prefix, and a watch from the future", async () => {
    const store = await make();
    const r = store.currentRevision();
    const filtered: string[] = [];
    const exact: string[] = [];
    store.watch(resourcePrefix("pods"), { revision: r, filter: (e) => e.object.metadata?.labels?.app === "web" }, (e) => filtered.push(e.object.metadata!.name!));
    store.watch(podKey("ab"), { revision: r }, (e) => exact.push(e.key));
    await store.create(podKey("a"), pod("a", "default", { app: "web" }));
    await store.create(podKey("ab"), pod("ab", "default", { app: "db" }));
    await store.create(podKey("abc"), pod("abc", "default", { app: "web" }));
    assert.equal(filtered, ["a", "abc"]);
    assert.equal(exact, [podKey("ab"), podKey("abc")], "a prefix is a string prefix");
    const future: number[] = [];
    store.watch(resourcePrefix("pods"), { revision: r + 5 }, (e) => future.push(e.revision - r));
    await store.create(podKey("d"), pod("d"));
    await store.create(podKey("e"), pod("e"));
    await store.create(podKey("f"), pod("f"));
    assert.equal(future, [6]);
  });

  test("watch from a revision older than the history window is Gone; compact moves the window", async () => {
    const store = await make({ historyLimit: 3 });
    const r = store.currentRevision();
    for (let i = 0; i < 5; i++) await store.create(podKey(`p${i}`), pod(`p${i}`));
    assert.is(store.oldestWatchableRevision(), r + 2);
    assert.throws(() => store.watch(resourcePrefix("pods"), { revision: r + 1 }, () => {}), (err: unknown) => isStoreError(err, "Gone") && err.message === `too old resource version: ${r + 1} (${r + 2})`);
    const seen: number[] = [];
    store.watch(resourcePrefix("pods"), { revision: r + 2 }, (e) => seen.push(e.revision - r));
    assert.equal(seen, [3, 4, 5]);
    store.compact(r + 4);
    assert.is(store.oldestWatchableRevision(), r + 4);
    assert.throws(() => store.watch(resourcePrefix("pods"), { revision: r + 3 }, () => {}), (err: unknown) => isStoreError(err, "Gone") && err.message === `too old resource version: ${r + 3} (${r + 4})`);
    store.compact(r + 100);
    assert.is(store.oldestWatchableRevision(), r + 5, "compaction never passes the current revision");
    const empty: number[] = [];
    store.watch(resourcePrefix("pods"), { revision: r + 5 }, (e) => empty.push(e.revision));
    assert.equal(empty, []);
    assert.throws(() => store.watch(resourcePrefix("pods"), { revision: r }, () => {}), (err: unknown) => isStoreError(err, "Gone"));
  });

  test("the store's first revision (0 for a store of its own) replays everything while nothing was ever dropped", async () => {
    const store = await make();
    const r = store.currentRevision();
    await store.create(podKey("a"), pod("a"));
    await store.delete(podKey("a"));
    const seen: string[] = [];
    store.watch(resourcePrefix("pods"), { revision: r }, (e) => seen.push(e.type));
    assert.equal(seen, ["ADDED", "DELETED"]);
  });

  test("writes from inside a listener are delivered after the current event reached every watcher, in order, once", async () => {
    const store = await make();
    const r = store.currentRevision();
    const first: number[] = [];
    const second: number[] = [];
    let late: number[] | undefined;
    let echo: Promise<unknown> | undefined;
    store.watch(resourcePrefix("pods"), { revision: r }, (e) => {
      first.push(e.revision - r);
      if (e.revision === r + 1) echo = store.create(podKey("echo"), pod("echo"));
      if (e.revision === r + 2 && !late) {
        const seen: number[] = [];
        late = seen;
        store.watch(resourcePrefix("pods"), { revision: r }, (ev) => seen.push(ev.revision - r));
      }
    });
    store.watch(resourcePrefix("pods"), { revision: r }, (e) => second.push(e.revision - r));
    await store.create(podKey("a"), pod("a"));
    await store.create(podKey("b"), pod("b"));
    // A remote store (etcd) acknowledges the listener's write later; it is delivered all the same.
    await echo;
    assert.equal(first, [1, 2, 3]);
    assert.equal(second, [1, 2, 3]);
    assert.equal(late, [1, 2, 3]);
  });

  test("a watch stopped by an earlier watcher's listener misses the event being delivered; one started then sees only later events", async () => {
    const store = await make();
    const r = store.currentRevision();
    const seen: string[] = [];
    let started = false;
    const stopper = store.watch(resourcePrefix("pods"), { revision: r }, (e) => {
      seen.push(`stopper ${e.revision - r}`);
      if (e.revision === r + 2) {
        victim.stop();
        if (!started) {
          started = true;
          store.watch(resourcePrefix("pods"), { revision: e.revision }, (ev) => seen.push(`late ${ev.revision - r}`));
        }
      }
    });
    const victim = store.watch(resourcePrefix("pods"), { revision: r }, (e) => seen.push(`victim ${e.revision - r}`));
    await store.create(podKey("a"), pod("a"));
    await store.create(podKey("b"), pod("b"));
    await store.create(podKey("c"), pod("c"));
    assert.equal(seen, ["stopper 1", "victim 1", "stopper 2", "stopper 3", "late 3"]);
    stopper.stop();
  });

  test("a throwing listener is reported and does not break the write or other watchers", async () => {
    const errors: unknown[] = [];
    const store = await make({ onListenerError: (err) => errors.push(err) });
    const r = store.currentRevision();
    const ok: number[] = [];
    store.watch(resourcePrefix("pods"), { revision: r }, () => {
      throw new Error("boom");
    });
    store.watch(resourcePrefix("pods"), { revision: r }, (e) => ok.push(e.revision - r));
    await store.create(podKey("a"), pod("a"));
    assert.equal(ok, [1]);
    assert.is(errors.length, 1);
  });

  test("close stops every watch", async () => {
    const store = await make();
    const seen: number[] = [];
    store.watch(resourcePrefix("pods"), { revision: store.currentRevision() }, (e) => seen.push(e.revision));
    await store.close();
    // A closed store may refuse the write (DurableStore: its log is closed) or take it; no watch sees it.
    await store.create(podKey("a"), pod("a")).catch(() => undefined);
    assert.equal(seen, []);
    assert.throws(() => store.watch(resourcePrefix("pods"), { revision: 0 }, () => {}));
  });

  test("list at an exact revision: the state then (changed, deleted and later-created objects as they were); Gone once compacted", async () => {
    const store = await make({ historyLimit: 5 });
    const r = store.currentRevision();
    const prefix = resourcePrefix("pods");
    await store.create(podKey("a"), pod("a"));
    const b = await store.create(podKey("b"), pod("b"));
    const at = store.currentRevision();
    await store.update(podKey("b"), { ...b, metadata: { ...b.metadata, labels: { v: "2" } } });
    await store.delete(podKey("a"));
    await store.create(podKey("c"), pod("c"));
    const then = await store.list(prefix, { revision: at });
    assert.is(then.revision, at);
    assert.equal(then.items.map((o) => [o.metadata!.name, o.metadata!.resourceVersion]), [["a", String(r + 1)], ["b", String(r + 2)]]);
    const paged = await store.list(prefix, { revision: at, limit: 1 });
    assert.equal(paged.items.map((o) => o.metadata!.name), ["a"]);
    const rest = await store.list(prefix, { continue: paged.continue! });
    assert.equal(rest.items.map((o) => o.metadata!.name), ["b"], "later pages keep the exact revision");
    assert.equal((await store.list(prefix, { revision: store.currentRevision() })).items.map((o) => o.metadata!.name), ["b", "c"]);
    for (let i = 0; i < 6; i++) await store.create(podKey(`n${i}`), pod(`n${i}`));
    await rejects(store.list(prefix, { revision: at }), "Gone", "The resourceVersion for the provided list is too old.");
  });

  test.run();
}
