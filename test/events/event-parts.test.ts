/** Stored Events share equal `source` and `involvedObject` members; what the API serves is unchanged. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "kubernetes-types/core/v1.js";
import { testControlPlane } from "../support/control-plane.js";

const event = (name: string, involvedObject: Event["involvedObject"], source: Event["source"]): Event => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name, namespace: "default" },
  involvedObject,
  reason: "Started",
  message: "Started container nginx",
  source,
  type: "Normal",
});
const pod = { kind: "Pod", namespace: "default", name: "web-1", uid: "uid-web-1", apiVersion: "v1", resourceVersion: "5" };

test("equal sources and references are one object in the store; others keep their own", async () => {
  const cp = await testControlPlane();
  const events = cp.client.resource<Event>("Event");
  const a = await events.create(event("a", { ...pod }, { component: "kubelet", host: "node-1" }));
  const b = await events.create(event("b", { ...pod }, { component: "kubelet", host: "node-1" }));
  assert.ok(a.source === b.source, "same source shared");
  assert.ok(a.involvedObject === b.involvedObject, "same reference shared");
  // Another resourceVersion of the object, another host, the same members in another order: not shared, served as sent.
  const c = await events.create(event("c", { ...pod, resourceVersion: "6" }, { component: "kubelet", host: "node-2" }));
  assert.ok(c.involvedObject !== a.involvedObject && c.source !== a.source);
  assert.is(c.involvedObject.resourceVersion, "6");
  assert.is(c.source?.host, "node-2");
  const { resourceVersion, apiVersion, uid, name, namespace, kind } = pod;
  const reordered = await events.create(event("d", { resourceVersion, apiVersion, uid, name, namespace, kind }, { component: "kubelet" }));
  assert.equal(Object.keys(reordered.involvedObject), ["resourceVersion", "apiVersion", "uid", "name", "namespace", "kind"]);
  assert.equal(reordered.source, { component: "kubelet" });
  // The stored JSON is what was sent.
  for (const [e, ref] of [[a, pod], [b, pod], [c, { ...pod, resourceVersion: "6" }]] as const) assert.is(JSON.stringify(e.involvedObject), JSON.stringify(ref));
  const listed = (await events.list({ namespace: "default" })).items.map((e) => [e.metadata!.name, e.source]);
  assert.equal(listed, [["a", { component: "kubelet", host: "node-1" }], ["b", { component: "kubelet", host: "node-1" }], ["c", { component: "kubelet", host: "node-2" }], ["d", { component: "kubelet" }]]);
});

test("references are shared only when every member, known or not, is equal and in the same order", async () => {
  const cp = await testControlPlane();
  const events = cp.client.resource<Event>("Event");
  const source = { component: "kubelet", host: "node-1" };
  const container = { ...pod, fieldPath: "spec.containers{nginx}" };
  const a = await events.create(event("a", { ...container }, source));
  const b = await events.create(event("b", { ...container }, source));
  assert.ok(a.involvedObject === b.involvedObject, "equal references shared");
  // Each member differing once (kind, name, apiVersion, resourceVersion, fieldPath; the namespace must be the Event's): not shared.
  for (const [i, member] of (["kind", "name", "apiVersion", "resourceVersion", "fieldPath"] as const).entries()) {
    // The latest reference with the uid is the one compared with: an equal one first.
    const base = await events.create(event(`b${i}`, { ...container }, source));
    const other = await events.create(event(`m${i}`, { ...container, [member]: `${container[member]}x` }, source));
    assert.ok(other.involvedObject !== base.involvedObject, member);
    assert.is(other.involvedObject[member], `${container[member]}x`);
  }
  // fieldPath absent from one of two otherwise equal references.
  const base = await events.create(event("c", { ...container }, source));
  const noPath = await events.create(event("n", { ...pod }, source));
  assert.ok(noPath.involvedObject !== base.involvedObject);
  assert.is(noPath.involvedObject.fieldPath, undefined);
  // A member ObjectReference does not have (kept as sent when the server keeps unknown fields, else dropped): equal only with its value.
  const extra = (x: string) => ({ ...pod, uid: "uid-extra", extra: x }) as Event["involvedObject"];
  const e1 = await events.create(event("e1", extra("1"), source));
  const e2 = await events.create(event("e2", extra("1"), source));
  const e3 = await events.create(event("e3", extra("2"), source));
  assert.is(JSON.stringify(e3.involvedObject), JSON.stringify(e1.involvedObject).replace('"1"', '"2"'));
  assert.ok(e3.involvedObject !== e1.involvedObject);
  assert.is(JSON.stringify(e2.involvedObject), JSON.stringify(e1.involvedObject));
});

test.run();
