/**
 * The time of a manager's entry says when its write last changed the object (apimachinery's
 * managedFieldsUpdater): an update sets it only when the writer took fields (added or changed a
 * value); an apply only when the merged object differs from the live one — a no-op apply keeps the
 * applier's time (none for a new applier) even when its set changes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import { applyServerSide, updateManagedFields } from "../../core/api/patch/index.js";
import type { KubeObject } from "../../core/api/object.js";
import { deepFreeze } from "./freeze.js";

const t0 = new Date("2025-01-02T03:04:05Z");
const t1 = new Date("2025-01-02T03:05:00Z");
const t2 = new Date("2025-01-02T03:06:00Z");

const config = (data: Record<string, string>, labels?: Record<string, string>) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "d", ...(labels ? { labels } : {}) }, data }) as KubeObject;
const entryOf = (o: KubeObject, manager: string): ManagedFieldsEntry | undefined => o.metadata?.managedFields?.find((e) => e.manager === manager);

test("apply: a changing apply sets the time, a no-op apply keeps it", () => {
  const created = deepFreeze(applyServerSide(undefined, config({ a: "1" }), { manager: "ctl", now: t0 }).object);
  assert.is(entryOf(created, "ctl")!.time, "2025-01-02T03:04:05Z");
  const again = applyServerSide(created, config({ a: "1" }), { manager: "ctl", now: t1 }).object;
  assert.is(entryOf(again, "ctl")!.time, "2025-01-02T03:04:05Z");
  assert.is(again.metadata!.managedFields, created.metadata!.managedFields, "nothing changed: the same entries");
  const changed = applyServerSide(created, config({ a: "2" }), { manager: "ctl", now: t2 }).object;
  assert.is(entryOf(changed, "ctl")!.time, "2025-01-02T03:06:00Z");
  // Applying less prunes what it no longer applies: the object changes, the time moves on.
  const two = deepFreeze(applyServerSide(created, config({ a: "1", b: "2" }), { manager: "ctl", now: t1 }).object);
  const pruned = applyServerSide(two, config({ a: "1" }), { manager: "ctl", now: t2 }).object;
  assert.equal((pruned as { data?: object }).data, { a: "1" });
  assert.is(entryOf(pruned, "ctl")!.time, "2025-01-02T03:06:00Z");
});

test("apply: a second applier of the same values shares the fields and gets no time", () => {
  const created = deepFreeze(applyServerSide(undefined, config({ a: "1" }), { manager: "ctl", now: t0 }).object);
  const shared = deepFreeze(applyServerSide(created, config({ a: "1" }), { manager: "other", now: t1 }).object);
  const other = entryOf(shared, "other")!;
  assert.is(other.time, undefined);
  assert.equal(other.fieldsV1, { "f:data": { "f:a": {} } });
  assert.is(entryOf(shared, "ctl")!.time, "2025-01-02T03:04:05Z");
  // Upstream sorts entries by operation, then time (none as zero seconds), then manager.
  assert.equal(shared.metadata!.managedFields!.map((e) => e.manager), ["other", "ctl"]);
  // Its first apply that changes something stamps it.
  const changed = applyServerSide(shared, config({ a: "1" }, { x: "y" }), { manager: "other", now: t2 }).object;
  assert.is(entryOf(changed, "other")!.time, "2025-01-02T03:06:00Z");
});

test("apply: a no-op apply that drops a field another applier still owns keeps the time", () => {
  const created = deepFreeze(applyServerSide(undefined, config({ a: "1", b: "2" }), { manager: "ctl", now: t0 }).object);
  const shared = deepFreeze(applyServerSide(created, config({ a: "1", b: "2" }), { manager: "other", now: t1 }).object);
  // ctl stops applying b; other still owns it, so nothing is pruned: the object stays, ctl's set shrinks.
  const after = applyServerSide(shared, config({ a: "1" }), { manager: "ctl", now: t2 }).object;
  assert.equal((after as { data?: object }).data, { a: "1", b: "2" });
  assert.equal(entryOf(after, "ctl")!.fieldsV1, { "f:data": { "f:a": {} } });
  assert.is(entryOf(after, "ctl")!.time, "2025-01-02T03:04:05Z");
});

test("update: a write that takes fields sets the writer's time; a no-op or removal-only write keeps it", () => {
  const created = deepFreeze(updateManagedFields(undefined, config({ a: "1", b: "2" }), { manager: "ctl", now: t0 }));
  assert.is(entryOf(created, "ctl")!.time, "2025-01-02T03:04:05Z");
  const same = updateManagedFields(created, { ...created, metadata: { ...created.metadata } }, { manager: "ctl", now: t1 });
  assert.is(same.metadata!.managedFields, created.metadata!.managedFields);
  const removed = deepFreeze(updateManagedFields(created, { ...created, data: { a: "1" } } as KubeObject, { manager: "ctl", now: t1 }));
  // The create added the data map: the writer keeps owning the map itself.
  assert.equal(entryOf(removed, "ctl")!.fieldsV1, { "f:data": { ".": {}, "f:a": {} } });
  assert.is(entryOf(removed, "ctl")!.time, "2025-01-02T03:04:05Z");
  const changed = updateManagedFields(removed, { ...removed, data: { a: "3" } } as KubeObject, { manager: "ctl", now: t2 });
  assert.is(entryOf(changed, "ctl")!.time, "2025-01-02T03:06:00Z");
  // Another manager writing the same values takes nothing: no entry for it.
  const sameValues = updateManagedFields(created, { ...created, data: { a: "1", b: "2" } } as KubeObject, { manager: "other", now: t1 });
  assert.is(entryOf(sameValues, "other"), undefined);
});

test.run();
