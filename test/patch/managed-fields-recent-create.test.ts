/**
 * A create whose object sets exactly the fields of a recent create of its kind reuses that set,
 * found by walking the object and the set side by side: differential check against building the
 * set (comparing the object with the kind's zero value; its FieldsV1 JSON, in upstream's order),
 * over random pod-shaped objects.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { createdFieldSet, managedFieldsAfterUpdate } from "../../core/api/patch/managed-fields.js";
import { createdFieldsMatch } from "../../core/api/patch/field-compare.js";
import { patchMetaFor } from "../../core/api/patch/patch-meta.js";
import { zeroShapeFor } from "../../core/api/patch/zero-shape.js";
import type { KubeObject } from "../../core/api/object.js";
import { fieldsV1Json } from "./fields-v1-order.js";

const podMeta = patchMetaFor("Pod")!;
const podShape = zeroShapeFor("v1", "Pod");
/** Keys no create tracks: the root's and metadata's (as the API server's create leaves them out). */
const untrackedRoot = (k: string) => k === "apiVersion" || k === "kind" || k === "status";
const untrackedMeta = (k: string) => ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"].includes(k);
const created = (obj: object) => createdFieldSet(obj as never, podMeta, podShape);
const matches = (obj: object, set: object) => createdFieldsMatch(obj as never, podMeta, podShape, set as never, untrackedRoot, untrackedMeta);
const now = new Date(Date.UTC(2026, 0, 1));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const small = fc.constantFrom("a", "b");
const port = fc.record({ containerPort: fc.constantFrom(80, 81), protocol: maybe(fc.constantFrom("TCP", "UDP")), name: maybe(small) }, { requiredKeys: ["containerPort"] });
const env = fc.record({ name: small, value: maybe(small), valueFrom: maybe(fc.record({ fieldRef: fc.record({ fieldPath: fc.constant("metadata.name") }) })) }, { requiredKeys: ["name"] });
const container = fc.record({
  name: small, image: maybe(small), ports: maybe(fc.array(port, { maxLength: 2 })), env: maybe(fc.array(env, { maxLength: 2 })),
  command: maybe(fc.array(small, { maxLength: 2 })), resources: maybe(fc.record({ requests: maybe(fc.dictionary(fc.constantFrom("cpu", "memory"), small)) })),
}, { requiredKeys: ["name"] });
const pod = fc.record({
  apiVersion: fc.constant("v1"), kind: fc.constant("Pod"),
  metadata: fc.record({
    name: small, namespace: maybe(small), uid: maybe(small), generateName: maybe(small),
    labels: maybe(fc.dictionary(fc.constantFrom("app", "tier", "x"), small, { maxKeys: 2 })),
    finalizers: maybe(fc.array(small, { maxLength: 2 })),
    ownerReferences: maybe(fc.array(fc.record({ apiVersion: fc.constant("v1"), kind: fc.constant("X"), name: small, uid: small }), { maxLength: 2 })),
  }, { requiredKeys: [] }),
  spec: maybe(fc.record({
    containers: fc.array(container, { maxLength: 2 }), nodeName: maybe(small),
    tolerations: maybe(fc.array(fc.record({ key: maybe(small), operator: maybe(fc.constantFrom("Exists", "Equal")) }, { requiredKeys: [] }), { maxLength: 2 })),
    volumes: maybe(fc.array(fc.record({ name: small, emptyDir: fc.constant({}) }), { maxLength: 2 })),
  }, { requiredKeys: ["containers"] })),
  status: maybe(fc.record({ phase: small })),
}, { requiredKeys: ["apiVersion", "kind", "metadata"] });

/** Whether the object has a list with two items of one key (its set has one member for both: building it is the only way). */
function hasDuplicateItems(obj: { metadata?: { finalizers?: string[]; ownerReferences?: { uid: string }[] }; spec?: { containers?: { name: string; ports?: { containerPort: number; protocol?: string }[]; env?: { name: string }[] }[]; volumes?: { name: string }[] } }): boolean {
  const dup = (keys: string[]) => new Set(keys).size !== keys.length;
  const cs = obj.spec?.containers ?? [];
  return dup(obj.metadata?.finalizers ?? []) || dup((obj.metadata?.ownerReferences ?? []).map((o) => o.uid)) || dup((obj.spec?.volumes ?? []).map((v) => v.name)) || dup(cs.map((c) => c.name)) || cs.some((c) => dup((c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`)) || dup((c.env ?? []).map((e) => e.name)));
}

test("property: an object matches a set only when building its set gives that set (duplicate items never match)", () => {
  fc.assert(fc.property(pod, pod, (a, b) => {
    const sa = created(a);
    const sb = created(b);
    if (!hasDuplicateItems(a)) assert.ok(matches(a, sa), JSON.stringify(a));
    if (matches(a, sb)) assert.is(fieldsV1Json(sa), fieldsV1Json(sb));
    if (matches(b, sa)) assert.is(fieldsV1Json(sa), fieldsV1Json(sb));
  }), { numRuns: 3000 });
});

test("property: creates record the set building it gives, whatever the kind's recent creates were", () => {
  fc.assert(fc.property(fc.array(pod, { minLength: 1, maxLength: 6 }), (objects) => {
    for (const obj of objects) {
      const entries = managedFieldsAfterUpdate(undefined, obj as unknown as KubeObject, { manager: "m", now });
      const expected = created(obj);
      const recorded = entries[0]?.fieldsV1;
      assert.is(JSON.stringify(recorded ?? {}), fieldsV1Json(expected));
    }
  }), { numRuns: 1500 });
});

test("a create like a recent one shares its set; a list with its own items does not match", () => {
  const make = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "d", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }] } }) as KubeObject;
  const first = managedFieldsAfterUpdate(undefined, make("one"), { manager: "rs", now });
  const second = managedFieldsAfterUpdate(undefined, make("two"), { manager: "rs", now });
  assert.is(second[0]!.fieldsV1, first[0]!.fieldsV1);
  const other = managedFieldsAfterUpdate(undefined, { ...make("three"), spec: { containers: [{ name: "c", image: "nginx" }] } } as KubeObject, { manager: "rs", now });
  assert.is.not(other[0]!.fieldsV1, first[0]!.fieldsV1);
  const two = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }, { name: "d" }] } };
  assert.ok(matches(two, created(two)));
  // Items in another order make the same set; an item with another field does not.
  assert.ok(matches({ metadata: { name: "p" }, spec: { containers: [{ name: "d" }, { name: "c", image: "nginx" }] } }, created(two)));
  assert.not.ok(matches({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }, { name: "d", image: "x" }] } }, created(two)));
  // The labels map is new (`.`); the containers list is null in the zero Pod (no `.`), its items are
  // new, with their Go value's zero fields (`resources: {}`).
  assert.equal(other[0]!.fieldsV1, { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {}, "f:resources": {} } } } });
});

test("a create with a recent create's fields in another order records the same set, in FieldsV1 order", () => {
  const make = (labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", labels }, spec: { containers: [{ name: "c", image: "nginx" }] } }) as KubeObject;
  const first = managedFieldsAfterUpdate(undefined, make({ app: "web", tier: "front" }), { manager: "order", now });
  const second = managedFieldsAfterUpdate(undefined, make({ tier: "front", app: "web" }), { manager: "order", now });
  const labelKeys = (entries: typeof first) => Object.keys((entries[0]!.fieldsV1 as Record<string, Record<string, object>>)["f:metadata"]!["f:labels"]!);
  assert.equal(labelKeys(first), [".", "f:app", "f:tier"]);
  assert.equal(labelKeys(second), [".", "f:app", "f:tier"]);
  assert.is(second[0]!.fieldsV1, first[0]!.fieldsV1);
  // The other order first: the same.
  const third = managedFieldsAfterUpdate(undefined, { ...make({ x: "1", tier: "front", app: "web" }), spec: { containers: [{ image: "nginx", name: "c" }] } } as KubeObject, { manager: "order", now });
  assert.equal(labelKeys(third), [".", "f:app", "f:tier", "f:x"]);
});

test("an object whose metadata sets no tracked field (an Event: name and namespace) shares a recent create's set", () => {
  const make = (name: string, metadata: Record<string, unknown> = {}) => ({
    apiVersion: "v1", kind: "Event", metadata: { name, namespace: "d", ...metadata },
    involvedObject: { kind: "Pod", name: "p" }, reason: "Pulled", message: "m", source: { component: "kubelet", host: "n" }, count: 1, type: "Normal",
  }) as KubeObject;
  const first = managedFieldsAfterUpdate(undefined, make("e1"), { manager: "kubelet", now });
  const second = managedFieldsAfterUpdate(undefined, make("e2", { finalizers: [] }), { manager: "kubelet", now });
  assert.is(second[0]!.fieldsV1, first[0]!.fieldsV1);
  assert.equal(Object.keys(first[0]!.fieldsV1!), ["f:count", "f:involvedObject", "f:message", "f:reason", "f:source", "f:type"]);
  // Metadata that tracks something (a label) is not the recent set's, and gets its own.
  const labelled = managedFieldsAfterUpdate(undefined, make("e3", { labels: { a: "b" } }), { manager: "kubelet", now });
  assert.equal(Object.keys(labelled[0]!.fieldsV1!), ["f:count", "f:involvedObject", "f:message", "f:metadata", "f:reason", "f:source", "f:type"]);
  const again = managedFieldsAfterUpdate(undefined, make("e4"), { manager: "kubelet", now });
  assert.is(again[0]!.fieldsV1, first[0]!.fieldsV1);
});

test.run();
