import { test } from "uvu";
import * as assert from "uvu/assert";
import { updateManagedFields } from "../../core/api/patch/index.js";
import { decodeManagedFields, encodeManagedFields } from "../../core/api/patch/managed-fields.js";

type WithFields = { metadata?: { managedFields?: { time?: string; fieldsV1?: unknown }[] } };
const pod = (name: string, ip: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "d", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "1", controller: true }] }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: ip } });
const fieldsOf = (o: unknown) => (o as WithFields).metadata!.managedFields!;

test("equal managed fields are shared between objects, equal to what each would get alone", () => {
  const now = new Date(Date.UTC(2026, 0, 1, 10, 0, 0, 100));
  const a = updateManagedFields(undefined, pod("a", "10.0.0.1") as never, { manager: "m", now });
  const b = updateManagedFields(undefined, pod("b", "10.0.0.1") as never, { manager: "m", now: new Date(now.getTime() + 500) });
  assert.is(fieldsOf(a), fieldsOf(b), "same manager, second and fields: one list");
  assert.equal(JSON.parse(JSON.stringify(fieldsOf(b))), JSON.parse(JSON.stringify(fieldsOf(a))));
  // Another second: a list of its own (its time differs) but the same field set.
  const c = updateManagedFields(undefined, pod("c", "10.0.0.1") as never, { manager: "m", now: new Date(now.getTime() + 2000) });
  assert.is.not(fieldsOf(c), fieldsOf(a));
  assert.is.not(fieldsOf(c)[0]!.time, fieldsOf(a)[0]!.time);
  assert.is(fieldsOf(c)[0]!.fieldsV1, fieldsOf(a)[0]!.fieldsV1);
  // Another manager's update of the status: each object's list differs, the first entry is still shared.
  const a2 = updateManagedFields(a, { ...(a as object), status: { podIP: "10.0.0.9", phase: "Running" } } as never, { manager: "kubelet", subresource: "status", now });
  const b2 = updateManagedFields(b, { ...(b as object), status: { podIP: "10.0.0.8", phase: "Running" } } as never, { manager: "kubelet", subresource: "status", now });
  assert.is(fieldsOf(a2).length, 2);
  assert.is(fieldsOf(a2).find((e) => e.fieldsV1 === fieldsOf(a)[0]!.fieldsV1), fieldsOf(a)[0]);
  assert.is(fieldsOf(a2)[1], fieldsOf(b2)[1], "the kubelet's equal status entries are one object");
});

test("an interned entry decodes to the same frozen manager fields every time; left unchanged, they encode to that entry", () => {
  const now = new Date(Date.UTC(2026, 0, 1, 10, 0, 0));
  const [entry] = fieldsOf(updateManagedFields(undefined, pod("a", "10.0.0.1") as never, { manager: "m", now })) as never[];
  const [m] = decodeManagedFields([entry]).values();
  const [again] = decodeManagedFields([entry]).values();
  assert.is(again, m);
  assert.ok(Object.isFrozen(m));
  assert.is(encodeManagedFields([m!])[0], entry);
  // A copy (a client's, a file's) decodes to fields of its own, encoded as equal to the interned entry.
  const copy = JSON.parse(JSON.stringify(entry));
  const [mine] = decodeManagedFields([copy]).values();
  assert.is.not(mine, m);
  assert.ok(!Object.isFrozen(mine));
  assert.is(JSON.stringify(encodeManagedFields([mine!])[0]), JSON.stringify(entry));
});

test("different field sets are not merged", () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const a = updateManagedFields(undefined, pod("a", "10.0.0.1") as never, { manager: "m", now });
  const other = { ...pod("x", "10.0.0.1"), metadata: { name: "x", namespace: "d", labels: { app: "web", tier: "db" } } };
  const x = updateManagedFields(undefined, other as never, { manager: "m", now });
  assert.is.not(fieldsOf(x)[0]!.fieldsV1, fieldsOf(a)[0]!.fieldsV1);
  assert.ok(JSON.stringify(fieldsOf(x)[0]!.fieldsV1).includes("f:tier"));
});

test("a manager rewriting fields it owns keeps its field set; the same change to equal sets gives one set", () => {
  const now = new Date(Date.UTC(2026, 0, 1, 10, 0, 0));
  const later = new Date(now.getTime() + 5000);
  const status = (ready: string, restarts: number) => ({ phase: "Running", conditions: [{ type: "Ready", status: ready }, { type: "Initialized", status: "True" }], containerStatuses: [{ name: "c", ready: ready === "True", restartCount: restarts }] });
  const a = updateManagedFields(undefined, pod("a", "10.0.0.1") as never, { manager: "m", now });
  const b = updateManagedFields(undefined, pod("b", "10.0.0.2") as never, { manager: "m", now });
  const a1 = updateManagedFields(a, { ...(a as object), status: status("True", 0) } as never, { manager: "kubelet", subresource: "status", now });
  const b1 = updateManagedFields(b, { ...(b as object), status: status("True", 0) } as never, { manager: "kubelet", subresource: "status", now });
  // Values change, fields do not: the kubelet's entry keeps its set (only its time moves on).
  const a2 = updateManagedFields(a1, { ...(a1 as object), status: status("False", 3) } as never, { manager: "kubelet", subresource: "status", now: later });
  const entry = (o: unknown) => fieldsOf(o).find((e) => JSON.stringify(e).includes("kubelet"))!;
  assert.is(entry(a2).fieldsV1, entry(a1).fieldsV1);
  assert.is.not(entry(a2).time, entry(a1).time);
  // A new field joins the set: both pods getting it end with one shared set holding it.
  const withIP = (o: unknown) => ({ ...(o as object), status: { ...status("True", 0), podIP: "10.0.0.5" } });
  const a3 = updateManagedFields(a2, withIP(a2) as never, { manager: "kubelet", subresource: "status", now: later });
  const b2 = updateManagedFields(b1, { ...(b1 as object), status: status("False", 3) } as never, { manager: "kubelet", subresource: "status", now: later });
  const b3 = updateManagedFields(b2, withIP(b2) as never, { manager: "kubelet", subresource: "status", now: later });
  assert.is.not(entry(a3).fieldsV1, entry(a2).fieldsV1);
  assert.is(entry(a3).fieldsV1, entry(b3).fieldsV1);
  assert.is(entry(a3), entry(b3), "same manager, second and fields: one entry");
  assert.is(JSON.stringify(entry(a3).fieldsV1), JSON.stringify(entry(a2).fieldsV1).replace('"f:phase":{}', '"f:phase":{},"f:podIP":{}'));
});

test("list items compared by key: reordered, repeated and changed keys", () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const base = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d" }, spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "1" }] } };
  const created = updateManagedFields(undefined, base as never, { manager: "m", now });
  const spec = (o: unknown) => JSON.stringify((fieldsOf(o).find((e) => JSON.stringify(e).includes('"manager":"n"'))?.fieldsV1 as Record<string, unknown> | undefined)?.["f:spec"]);
  // Same keys in the same order, one item changed: n takes that item's changed field only.
  const changed = updateManagedFields(created, { ...base, spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }] } } as never, { manager: "n", now });
  assert.is(spec(changed), '{"f:containers":{"k:{\\"name\\":\\"b\\"}":{"f:image":{}}}}');
  // Reordered: nothing changed field by field (list-map items are matched by key).
  const reordered = updateManagedFields(created, { ...base, spec: { containers: [{ name: "b", image: "1" }, { name: "a", image: "2" }] } } as never, { manager: "n", now });
  assert.is(spec(reordered), '{"f:containers":{"k:{\\"name\\":\\"a\\"}":{"f:image":{}}}}');
  // A key renamed at the same position: one item removed, one added with all its fields.
  const renamed = updateManagedFields(created, { ...base, spec: { containers: [{ name: "a", image: "1" }, { name: "c", image: "1" }] } } as never, { manager: "n", now });
  // A new item's Go value has its zero fields too (a container's `resources: {}`).
  assert.is(spec(renamed), '{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}');
  assert.not.ok(JSON.stringify(fieldsOf(renamed)).includes('\\"b\\"'), "nobody owns the removed item");
});

test("sets that differ only in part share their equal parts, and read as what each would get alone", () => {
  const now = new Date(Date.UTC(2026, 0, 2));
  const status = (ip: string) => ({ phase: "Running", podIPs: [{ ip }], conditions: [{ type: "Ready", status: "True" }] });
  const a = updateManagedFields(undefined, pod("a", "10.0.0.1") as never, { manager: "m", now });
  const b = updateManagedFields(undefined, pod("b", "10.0.0.1") as never, { manager: "m", now });
  const a2 = updateManagedFields(a, { ...(a as object), status: status("10.1.0.1") } as never, { manager: "kubelet", subresource: "status", now });
  const b2 = updateManagedFields(b, { ...(b as object), status: status("10.1.0.2") } as never, { manager: "kubelet", subresource: "status", now });
  type Node = Record<string, Record<string, Record<string, unknown>>>;
  const setOf = (o: unknown) => fieldsOf(o).find((e) => JSON.stringify(e.fieldsV1).includes("podIPs"))!.fieldsV1 as Node;
  const sa = setOf(a2);
  const sb = setOf(b2);
  assert.is.not(sa, sb, "the sets differ (each names its pod's IP)");
  assert.is(sa["f:status"]!["f:conditions"], sb["f:status"]!["f:conditions"], "their equal conditions are one object");
  assert.ok(JSON.stringify(sa).includes('10.1.0.1') && JSON.stringify(sb).includes('10.1.0.2'));
  assert.not.ok(JSON.stringify(sa).includes('10.1.0.2'));
  // Both in FieldsV1 order: the shared set serializes as an unshared one would.
  assert.equal(Object.keys(sa["f:status"]!), ["f:conditions", "f:phase", "f:podIPs"]);
  assert.equal(Object.keys(sb["f:status"]!), ["f:conditions", "f:phase", "f:podIPs"]);
});

test.run();
