import { test } from "uvu";
import * as assert from "uvu/assert";
import { Indexer, NAMESPACE_INDEX } from "../../core/informers/indexer.js";
import { Lister, type LabelMatcher } from "../../core/informers/lister.js";
import type { KubeObject } from "../../core/api/object.js";
import { pod } from "./fake-client.js";

const byNode = { byNode: (o: KubeObject) => ((o.spec as { nodeName?: string })?.nodeName ? [(o.spec as { nodeName: string }).nodeName] : []) };
const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata!.name!).sort();

test("keys by namespace/name, namespace index built in, custom index kept up to date on add/update/delete", () => {
  const ix = new Indexer(byNode);
  ix.add(pod("ns1", "a", { nodeName: "n1" }));
  ix.add(pod("ns1", "b"));
  ix.add(pod("ns2", "a", { nodeName: "n1" }));
  assert.is(ix.size, 3);
  assert.ok(ix.getByKey("ns1/a"));
  assert.equal(names(ix.byIndex(NAMESPACE_INDEX, "ns1")), ["a", "b"]);
  assert.equal(ix.indexKeys("byNode", "n1").sort(), ["ns1/a", "ns2/a"]);
  ix.update(pod("ns1", "b", { nodeName: "n2" }));
  ix.update(pod("ns1", "a", { nodeName: "n2" })); // moves from n1 to n2
  assert.equal(ix.indexKeys("byNode", "n1"), ["ns2/a"]);
  assert.equal(ix.indexKeys("byNode", "n2").sort(), ["ns1/a", "ns1/b"]);
  assert.is(ix.countByIndex("byNode", "n2"), 2);
  assert.is(ix.countByIndex("byNode", "nowhere"), 0);
  ix.delete("ns2/a");
  assert.equal(ix.byIndex("byNode", "n1"), []);
  assert.equal(ix.listIndexFuncValues("byNode"), ["n2"], "empty index values are dropped");
  assert.equal(ix.index("byNode", pod("x", "y", { nodeName: "n2" })).length, 2);
});

test("one object added to several indexers (a change reaching every informer) is keyed alike; replacements keep the namespace index", () => {
  const a = new Indexer(byNode);
  const b = new Indexer();
  const p1 = pod("ns1", "p", { nodeName: "n1" });
  a.add(p1);
  b.add(p1);
  const q = pod("ns2", "q");
  a.add(q);
  b.add(q);
  assert.equal(a.listKeys(), ["ns1/p", "ns2/q"]);
  assert.equal(b.listKeys(), ["ns1/p", "ns2/q"]);
  const p2 = pod("ns1", "p", { nodeName: "n2" });
  assert.is(a.add(p2), p1, "a replacement returns what it replaced");
  assert.is(b.add(p2), p1);
  assert.equal(a.byIndex(NAMESPACE_INDEX, "ns1"), [p2], "the namespace index serves the replacement");
  assert.equal(b.byIndex(NAMESPACE_INDEX, "ns1"), [p2]);
  assert.equal(a.indexKeys("byNode", "n2"), ["ns1/p"]);
  assert.is(a.delete(p2), p2);
  assert.equal(a.byIndex(NAMESPACE_INDEX, "ns1"), []);
  assert.equal(a.listIndexFuncValues(NAMESPACE_INDEX), ["ns2"]);
});

test("byIndex with a filter: only the objects it keeps, in index order", () => {
  const ix = new Indexer(byNode);
  for (const name of ["c", "a", "d", "b"]) ix.add(pod("ns", name, { nodeName: name === "d" ? "n2" : "n1" }));
  const order = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata!.name!);
  assert.equal(order(ix.byIndex("byNode", "n1")), ["c", "a", "b"]);
  assert.equal(order(ix.byIndex("byNode", "n1", (o) => o.metadata!.name !== "a")), ["c", "b"]);
  assert.equal(ix.byIndex("byNode", "n1", () => false), []);
  assert.equal(ix.byIndex("byNode", "nowhere", () => true), []);
});

test("objects are stored as given, never copied", () => {
  const ix = new Indexer();
  const p = Object.freeze(pod("ns", "p"));
  ix.add(p);
  assert.is(ix.getByKey("ns/p"), p);
  assert.is(ix.byIndex(NAMESPACE_INDEX, "ns")[0], p);
});

test("replace rebuilds items and indices; addIndexers builds over existing items and refuses conflicts", () => {
  const ix = new Indexer();
  ix.add(pod("old", "x", { nodeName: "n9" }));
  ix.replace([pod("ns", "a", { nodeName: "n1" }), pod("ns", "b", { nodeName: "n1" })]);
  assert.equal(ix.listKeys().sort(), ["ns/a", "ns/b"]);
  assert.equal(ix.byIndex(NAMESPACE_INDEX, "old"), []);
  ix.addIndexers(byNode);
  assert.equal(names(ix.byIndex("byNode", "n1")), ["a", "b"]);
  assert.throws(() => ix.addIndexers(byNode), /indexer conflict: byNode/);
  assert.throws(() => ix.byIndex("nope", "x"), /Index with name nope does not exist/);
});

test("each change runs each index function once, on the new object; storing the same object again runs none", () => {
  const calls: string[] = [];
  const tagged = (o: KubeObject): readonly string[] => {
    calls.push(o.metadata!.name!);
    const tags = o.metadata?.labels?.["tags"];
    return tags ? tags.split(",") : [];
  };
  const ix = new Indexer({ tagged });
  const a1 = pod("ns", "a", { labels: { tags: "x,y" } });
  ix.add(a1);
  assert.equal(calls.splice(0), ["a"]);
  ix.add(a1);
  assert.equal(calls, [], "the same object stored again");
  ix.add(pod("ns", "a", { labels: { tags: "y,z" } }));
  assert.equal(calls.splice(0), ["a"], "the old object's values are remembered, not recomputed");
  assert.equal(ix.indexKeys("tagged", "x"), []);
  assert.equal(ix.indexKeys("tagged", "y"), ["ns/a"]);
  assert.equal(ix.indexKeys("tagged", "z"), ["ns/a"]);
  ix.add(pod("ns", "a"));
  assert.equal(ix.listIndexFuncValues("tagged"), [], "no values: out of every bucket");
  ix.add(pod("ns", "a", { labels: { tags: "z" } }));
  ix.delete("ns/a");
  assert.equal(calls.splice(0), ["a", "a"], "a delete runs none");
  assert.equal(ix.listIndexFuncValues("tagged"), []);
  assert.equal(ix.listIndexFuncValues(NAMESPACE_INDEX), []);
});

test("an index added over stored objects remembers their values; a replace forgets them", () => {
  const ix = new Indexer();
  ix.add(pod("ns", "a", { nodeName: "n1" }));
  ix.addIndexers(byNode);
  ix.add(pod("ns", "a", { nodeName: "n2" }));
  assert.equal(ix.listIndexFuncValues("byNode"), ["n2"]);
  ix.replace([pod("ns", "a", { nodeName: "n3" })]);
  ix.add(pod("ns", "a"));
  assert.equal(ix.listIndexFuncValues("byNode"), []);
  ix.add(pod("ns", "b", { nodeName: "n1" }));
  ix.delete(pod("ns", "b"));
  assert.equal(ix.listIndexFuncValues("byNode"), []);
  assert.equal(ix.listKeys(), ["ns/a"]);
});

test("listers: all namespaces, one namespace, by name, cluster-scoped, with a label selector", () => {
  const ix = new Indexer();
  ix.add(pod("ns1", "web-1", { labels: { app: "web" } }));
  ix.add(pod("ns1", "db-1", { labels: { app: "db" } }));
  ix.add(pod("ns2", "web-2", { labels: { app: "web" } }));
  ix.add({ apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } });
  const lister = new Lister(ix);
  const web: LabelMatcher = { matches: (l) => l["app"] === "web" };
  assert.equal(names(lister.list(web)), ["web-1", "web-2"]);
  assert.is(lister.list().length, 4);
  assert.equal(names(lister.namespace("ns1").list()), ["db-1", "web-1"]);
  assert.equal(names(lister.namespace("ns1").list(web)), ["web-1"]);
  assert.is(lister.namespace("ns2").get("web-2")!.metadata!.name, "web-2");
  assert.is(lister.namespace("ns2").get("web-1"), undefined);
  assert.is(lister.get("node-1")!.kind, "Node");
});

test.run();
