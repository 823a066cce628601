import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/api/object.js";
import type { WatchTrigger } from "../../core/store/store.js";
import { WatcherIndex, type PrefixWatcher } from "../../core/store/watcher-index.js";

const nodeName = (obj: KubeObject): string | undefined => (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
const pod = (node?: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: node ? { nodeName: node } : {} }) as KubeObject;
const onNode = (value: string): WatchTrigger => ({ field: "spec.nodeName", value, of: nodeName });

interface Named extends PrefixWatcher {
  readonly name: string;
}
const w = (name: string, prefix: string, trigger?: WatchTrigger): Named => ({ name, prefix, ...(trigger ? { trigger } : {}) });
const names = (found: Named[]): string[] => found.map((x) => x.name);

test("matching follows watchers added and removed after keys of the same directory were matched", () => {
  const index = new WatcherIndex<Named>();
  const key = "/registry/pods/default/p";
  const all = w("all", "/");
  const pods = w("pods", "/registry/pods/");
  const ns = w("ns", "/registry/pods/default/");
  const other = w("other", "/registry/pods/kube-system/");
  const a = w("a", "/registry/pods/", onNode("a"));
  const b = w("b", "/registry/pods/", onNode("b"));
  const exact = w("exact", "/registry/pods/default/p");
  assert.equal(names(index.matching(key, pod("a"))), []);
  index.add(ns);
  index.add(other);
  assert.equal(names(index.matching(key, pod("a"))), ["ns"]);
  index.add(pods);
  index.add(all);
  assert.equal(names(index.matching(key, pod("a"))), ["all", "pods", "ns"], "shortest prefix first");
  index.add(a);
  index.add(b);
  index.add(exact);
  assert.equal(names(index.matching(key, pod("a"))), ["all", "pods", "a", "ns", "exact"]);
  assert.equal(names(index.matching(key, pod("b"), pod("a"))), ["all", "pods", "b", "a", "ns", "exact"], "a trigger's value after the change, then before");
  assert.equal(names(index.matching(key, pod("a"), pod("a"))), ["all", "pods", "a", "ns", "exact"], "one value wanted once");
  assert.equal(names(index.matching(key, pod())), ["all", "pods", "ns", "exact"]);
  index.remove(pods);
  index.remove(a);
  assert.equal(names(index.matching(key, pod("b"), pod("a"))), ["all", "b", "ns", "exact"]);
  index.remove(ns);
  index.add(ns);
  index.add(a);
  assert.equal(names(index.matching(key, pod("a"))), ["all", "a", "ns", "exact"], "a watcher back on a prefix whose set was dropped");
  assert.equal(names(index.matching("/registry/pods/kube-system/q", pod("a"))), ["all", "a", "other"]);
  assert.equal(names(index.matching("/registry/services/default/s")), ["all"]);
  assert.is(index.size, 6);
});

test.run();
