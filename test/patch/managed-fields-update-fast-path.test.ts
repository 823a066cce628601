/**
 * Field tracking of updates takes short cuts (managers owning nothing under the changed root
 * fields are skipped, derived sets are memoized per interned set and change, the writer's entry
 * is derived in one step): differential check against the plain computation (decode, compare,
 * every manager loses the change's fields, the writer takes them, encode), key order included as
 * the FieldsV1 JSON shows it (upstream's order, whatever order the writes had), over random chains of writes by several managers to pods whose
 * versions share unchanged subtrees as the API server's do.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import { createdFieldSet, decodeManagedFields, encodeManagedFields, managedFieldsAfterUpdate, managerKey, trackedChanges, trackedTakes, formatTime, type ManagerFields } from "../../core/api/patch/managed-fields.js";
import { zeroShapeFor } from "../../core/api/patch/zero-shape.js";
import { difference, isEmptySet, union } from "../../core/api/patch/field-set.js";
import { patchMetaFor } from "../../core/api/patch/patch-meta.js";
import { jsonEqual } from "../../core/api/patch/json-value.js";
import type { KubeObject } from "../../core/api/object.js";
import { fieldsV1Json } from "./fields-v1-order.js";

const podMeta = patchMetaFor("Pod")!;
const podShape = zeroShapeFor("v1", "Pod");
type Obj = Record<string, unknown> & { metadata?: { managedFields?: ManagedFieldsEntry[] } & Record<string, unknown> };

/** The plain computation of an update's entries (no memo, no skips, no recent-create match). */
function plainAfterUpdate(old: Obj | undefined, obj: Obj, manager: string, subresource: string | undefined, now: Date): ManagedFieldsEntry[] {
  const oldEntries = old?.metadata?.managedFields;
  const managers = decodeManagedFields(oldEntries);
  const time = formatTime(now);
  if (!old && !subresource && managers.size === 0) {
    const fields = createdFieldSet(obj, podMeta, podShape);
    return isEmptySet(fields) ? [] : encodeManagedFields([{ manager, operation: "Update", apiVersion: "v1", time, fields }]);
  }
  const changes = trackedChanges(old ?? {}, obj, podMeta, subresource, podShape);
  const taken = union(changes.added, changes.modified);
  if (isEmptySet(taken) && isEmptySet(changes.removed)) return oldEntries ?? [];
  for (const [key, m] of managers) managers.set(key, { ...m, fields: difference(difference(m.fields, taken), changes.removed) });
  if (!isEmptySet(taken)) {
    const self: ManagerFields = { manager, operation: "Update", apiVersion: "v1", time, fields: taken };
    if (subresource) self.subresource = subresource;
    const previous = managers.get(managerKey(self));
    managers.set(managerKey(self), previous ? { ...self, fields: union(previous.fields, taken) } : self);
  }
  const entries = encodeManagedFields(managers.values());
  // Entries equal to the old ones (key order aside) stay the old ones.
  return oldEntries && jsonEqual(oldEntries, entries) ? oldEntries : entries;
}

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const small = fc.constantFrom("a", "b", "c");
const labels = maybe(fc.dictionary(fc.constantFrom("app", "tier", "x"), small, { maxKeys: 2 }));
const container = fc.record({ name: small, image: maybe(small), ports: maybe(fc.array(fc.record({ containerPort: fc.constantFrom(80, 81) }), { maxLength: 2 })) }, { requiredKeys: ["name"] });
const spec = maybe(fc.record({ containers: fc.array(container, { maxLength: 2 }), nodeName: maybe(small) }, { requiredKeys: ["containers"] }));
const condition = fc.record({ type: fc.constantFrom("Ready", "Initialized", "PodScheduled"), status: fc.constantFrom("True", "False"), reason: maybe(small), lastProbeTime: maybe(fc.constant(null)) }, { requiredKeys: ["type", "status"] });
const status = maybe(fc.record({
  phase: maybe(fc.constantFrom("Pending", "Running")), podIP: maybe(fc.constantFrom("10.0.0.1", "10.0.0.2")),
  podIPs: maybe(fc.array(fc.record({ ip: fc.constantFrom("10.0.0.1", "10.0.0.2") }), { maxLength: 2 })),
  conditions: maybe(fc.array(condition, { maxLength: 3 })),
  containerStatuses: maybe(fc.array(fc.record({ name: small, ready: fc.boolean() }), { maxLength: 2 })),
}, { requiredKeys: [] }));
/** One write: who writes through which endpoint, in which second, and which parts it replaces (the others stay the same objects). */
const write = fc.record({
  manager: fc.constantFrom("kcm", "kubelet", "ctl"), subresource: fc.constantFrom(undefined, "status"), second: fc.integer({ min: 0, max: 2 }),
  labels: maybe(labels), spec: maybe(spec), status: maybe(status),
});

test("property: chains of updates record what the plain computation gives, key order included", () => {
  let clock = Date.UTC(2026, 0, 1);
  fc.assert(fc.property(labels, spec, status, fc.array(write, { minLength: 1, maxLength: 8 }), (l, s, st, writes) => {
    const created: Obj = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", ...(l ? { labels: l } : {}) }, ...(s ? { spec: s } : {}), ...(st ? { status: st } : {}) };
    const now = new Date(clock);
    const first = managedFieldsAfterUpdate(undefined, created as KubeObject, { manager: "kcm", now });
    assert.is(JSON.stringify(first), JSON.stringify(plainAfterUpdate(undefined, created, "kcm", undefined, now)));
    let current: Obj = { ...created, metadata: { ...created.metadata, ...(first.length ? { managedFields: first } : {}) } };
    for (const w of writes) {
      clock += w.second * 1000;
      const at = new Date(clock);
      // A status write changes status only; a write to the main resource keeps the stored status.
      const next: Obj = { ...current };
      if (w.subresource === "status") {
        if (w.status !== undefined) next["status"] = w.status ?? undefined;
      } else {
        if (w.labels !== undefined) next.metadata = { ...current.metadata, labels: w.labels ?? undefined };
        if (w.spec !== undefined) next["spec"] = w.spec ?? undefined;
      }
      const fast = managedFieldsAfterUpdate(current as KubeObject, next as KubeObject, { manager: w.manager, now: at, ...(w.subresource ? { subresource: w.subresource } : {}) });
      const plain = plainAfterUpdate(current, next, w.manager, w.subresource, at);
      assert.is(JSON.stringify(fast), JSON.stringify(plain));
      for (const e of fast) assert.is(JSON.stringify(e.fieldsV1), fieldsV1Json(e.fieldsV1));
      current = { ...next, metadata: { ...next.metadata, managedFields: fast } };
    }
  }), { numRuns: 3000 });
});

test("property: what a write takes is the union of the fields it added and those it changed; it removes what the comparison removes", () => {
  fc.assert(fc.property(labels, spec, status, write, (l, s, st, w) => {
    const old: Obj = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", ...(l ? { labels: l } : {}) }, ...(s ? { spec: s } : {}), ...(st ? { status: st } : {}) };
    const next: Obj = { ...old, metadata: { ...old.metadata, labels: w.labels ?? undefined }, spec: w.spec ?? old["spec"], status: w.status ?? undefined };
    for (const subresource of [undefined, "status"]) {
      const changes = trackedChanges(old, next, podMeta, subresource, podShape);
      const takes = trackedTakes(old, next, podMeta, subresource, podShape);
      assert.is(fieldsV1Json(takes.taken), fieldsV1Json(union(changes.added, changes.modified)));
      assert.is(fieldsV1Json(takes.removed), fieldsV1Json(changes.removed));
    }
  }), { numRuns: 3000 });
});

test("a manager owning nothing the write changes keeps its entry; the writer's entry is its old set with the change", () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } } as Obj;
  const created = managedFieldsAfterUpdate(undefined, pod as KubeObject, { manager: "kcm", now });
  const withEntries = (o: Obj, entries: ManagedFieldsEntry[]): Obj => ({ ...o, metadata: { ...o.metadata, managedFields: entries } });
  const p1 = withEntries(pod, created);
  const s1 = { ...p1, status: { phase: "Pending", conditions: [{ type: "Ready", status: "False", reason: "r" }] } };
  const e1 = managedFieldsAfterUpdate(p1 as KubeObject, s1 as KubeObject, { manager: "kubelet", subresource: "status", now });
  assert.is(e1[0], created[0], "the creator's entry is the same object");
  const p2 = withEntries(s1, e1);
  const s2 = { ...p2, status: { phase: "Running", podIP: "10.0.0.1", conditions: [{ type: "Ready", status: "True" }] } };
  const e2 = managedFieldsAfterUpdate(p2 as KubeObject, s2 as KubeObject, { manager: "kubelet", subresource: "status", now: new Date(now.getTime() + 1000) });
  assert.is(e2[0], created[0]);
  // The kubelet added the conditions list in its first write: it owns the list itself too (`.`), and
  // the condition's null times (its Go value has them).
  assert.is(JSON.stringify(e2[1]!.fieldsV1), '{"f:status":{"f:conditions":{".":{},"k:{\\"type\\":\\"Ready\\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:phase":{},"f:podIP":{}}}');
  assert.is(e2[1]!.time, "2026-01-01T00:00:01Z");
});

test("items a write adds to a keyed list are members with their fields below them; items setting only their key too", () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d" }, spec: { containers: [{ name: "c" }] }, status: { conditions: [{ type: "PodScheduled", status: "True" }] } } as Obj;
  const next = { ...pod, status: { conditions: [{ type: "Initialized", status: "True", reason: "r" }, { type: "PodScheduled", status: "True" }], containerStatuses: [{ name: "c" }] } } as Obj;
  const entries = managedFieldsAfterUpdate(pod as KubeObject, next as KubeObject, { manager: "kubelet", subresource: "status", now });
  // The conditions list was there (no `.` on it); containerStatuses is atomic (a leaf).
  assert.is(JSON.stringify(entries.find((e) => e.manager === "kubelet")!.fieldsV1), '{"f:status":{"f:conditions":{"k:{\\"type\\":\\"Initialized\\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{}}}');
});

test.run();
