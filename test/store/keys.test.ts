import { test } from "uvu";
import * as assert from "uvu/assert";
import { listPrefix, namespacePrefix, objectStorageKey, prefixRangeEnd, resourcePrefix } from "../../core/store/keys.js";
import { deepFreeze, freezeInTests } from "../../core/api/immutable.js";

test("keys and prefixes follow kube-apiserver's layout; prefixes end with /", () => {
  assert.is(objectStorageKey("pods", "default", "web"), "/registry/pods/default/web");
  assert.is(objectStorageKey("nodes", undefined, "n1"), "/registry/nodes/n1");
  assert.is(objectStorageKey("nodes", "", "n1"), "/registry/nodes/n1");
  assert.is(resourcePrefix("pods"), "/registry/pods/");
  assert.is(namespacePrefix("pods", "default"), "/registry/pods/default/");
  assert.is(listPrefix("pods"), "/registry/pods/");
  assert.is(listPrefix("pods", "kube-system"), "/registry/pods/kube-system/");
  assert.not.ok(objectStorageKey("podtemplates", "default", "x").startsWith(resourcePrefix("pods")));
  assert.not.ok(objectStorageKey("pods", "default-2", "x").startsWith(namespacePrefix("pods", "default")));
  assert.is(prefixRangeEnd("/a/"), "/a0");
});

test("deepFreeze freezes every level and skips frozen subtrees; freezeInTests follows NODE_ENV", () => {
  const shared = Object.freeze({ x: { y: 1 } });
  const obj = deepFreeze({ a: [{ b: 1 }], c: { d: "e" }, s: shared });
  assert.ok(Object.isFrozen(obj) && Object.isFrozen(obj.a) && Object.isFrozen(obj.a[0]) && Object.isFrozen(obj.c));
  assert.not.ok(Object.isFrozen(shared.x), "an already frozen object is taken as deep-frozen");
  assert.throws(() => {
    (obj.c as { d: string }).d = "changed";
  });
  const maybe = freezeInTests({ z: 1 });
  assert.is(Object.isFrozen(maybe), process.env.NODE_ENV === "test");
  assert.is(deepFreeze(null), null);
  assert.is(deepFreeze(3), 3);
});

test.run();
