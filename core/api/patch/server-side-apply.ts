import type { ManagedFieldsEntry, StatusCause } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../object.js";
import { badRequest, StatusError } from "../status.js";
import { isPlainObject, jsonEqual, type JsonObject } from "./json-value.js";
import type { FieldMeta, TypeMeta } from "./patch-meta.js";
import { difference, fieldSetOfObject, intersection, isAtomicField, isEmptySet, isMember, itemPathElement, listTypeOf, members, nodeAt, pathString, union, type FieldSet } from "./field-set.js";
import { decodeManagedFields, encodeManagedFields, formatTime, managerKey, stripUntracked, trackedTakes, trackingMetaFor, trackingShapeFor, untrackedRootKey, withManagedFields, type ManagerFields } from "./managed-fields.js";

export interface ServerSideApplyOptions {
  /** The field manager (`fieldManager` query parameter); required for apply. */
  manager: string;
  /** Take ownership of conflicting fields instead of failing. */
  force?: boolean;
  /** Kind for the patch meta (list-map keys, atomic types); defaults to applied.kind. */
  kind?: string;
  /** The patch meta itself (a custom resource's, from its schema); wins over `kind`. */
  meta?: TypeMeta;
  subresource?: string;
  now: Date;
}

export interface ServerSideApplyResult<T> {
  /** The merged object, with `metadata.managedFields` set. */
  object: T;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply (structured-merge-diff's Updater.Apply behind apiserver's FieldManager):
 * merges the applied configuration into the live object (or an empty one: apply creates),
 * makes the applier own exactly the fields of its configuration, removes fields it applied before
 * and no longer applies unless another manager owns them, and fails with 409 Conflict when the
 * apply would change a field another manager owns — unless `force`, which takes the fields over.
 * Equal values set by several appliers are shared. The applier's entry gets `now` as its time
 * only when the apply changes the object. Inputs are never mutated.
 */
export function applyServerSide<T extends KubeObject>(live: T | undefined, applied: unknown, options: ServerSideApplyOptions): ServerSideApplyResult<T> {
  if (!isPlainObject(applied)) throw badRequest("error decoding patch: json: cannot unmarshal into Go value of type map[string]interface {}");
  const config = applied as KubeObject;
  if (live?.apiVersion && config.apiVersion !== live.apiVersion) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion ?? ""}, expected: ${live.apiVersion}`);
  }
  if (config.metadata?.managedFields !== undefined) throw badRequest("metadata.managedFields must be nil");
  const meta = options.meta ?? trackingMetaFor(options.kind ?? config.kind ?? live?.kind ?? "");
  const base = (live ?? {}) as JsonObject;
  const managers = decodeManagedFields(live?.metadata?.managedFields);
  const self: ManagerFields = { manager: options.manager, operation: "Apply", apiVersion: config.apiVersion ?? live?.apiVersion ?? "", fields: configFieldSet(config as JsonObject, meta, options.subresource) };
  if (options.subresource) self.subresource = options.subresource;
  const key = managerKey(self);
  const previous = managers.get(key);
  const last = previous?.fields;
  managers.delete(key);

  let merged = mergeObject(base, config as JsonObject, meta);
  if (last) {
    let stillOwned: FieldSet = self.fields;
    for (const m of managers.values()) stillOwned = union(stillOwned, m.fields);
    merged = prune(merged, difference(last, self.fields), stillOwned, meta, []);
  }

  const changes = trackedTakes(base, merged, meta, options.subresource, trackingShapeFor(config.kind ? config : live, options.meta));
  const changed = changes.taken;
  const conflicts: { manager: ManagerFields; path: string[] }[] = [];
  for (const m of managers.values()) {
    for (const path of members(intersection(m.fields, changed))) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !options.force) throw applyConflict(conflicts);
  for (const [k, m] of managers) {
    const fields = difference(m.fields, changed, changes.removed);
    if (fields !== m.fields) managers.set(k, { ...m, fields });
  }
  // The applier's time says when its apply last changed the object (managedFieldsUpdater): a no-op
  // apply keeps the time it had (none for a new applier) even when its fields change.
  if (!jsonEqual(base, merged)) self.time = formatTime(options.now);
  else if (previous?.time) self.time = previous.time;
  managers.set(key, self);
  const managedFields = encodeManagedFields(managers.values());
  const object = withManagedFields(merged as T, managedFields, live?.metadata?.managedFields);
  return { object, managedFields };
}

function configFieldSet(config: JsonObject, meta: TypeMeta, subresource: string | undefined): FieldSet {
  const skip = untrackedRootKey(subresource);
  const tracked: JsonObject = {};
  for (const [k, v] of Object.entries(config)) if (!skip(k)) tracked[k] = v;
  return stripUntracked(fieldSetOfObject(tracked, meta));
}

/** structured-merge-diff's merge: maps field by field, list-maps by key, sets by value, atomics replaced. */
function mergeObject(live: JsonObject, config: JsonObject, meta: TypeMeta | undefined): JsonObject {
  const out: JsonObject = { ...live };
  for (const [key, value] of Object.entries(config)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    out[key] = mergeValue(live[key], value, meta?.fields?.[key]);
  }
  return out;
}

function mergeValue(live: unknown, config: unknown, fm: FieldMeta | undefined): unknown {
  if (isPlainObject(live) && isPlainObject(config) && !isAtomicField(fm)) return mergeObject(live, config, fm?.type);
  if (Array.isArray(live) && Array.isArray(config) && listTypeOf(fm).type !== "atomic") return mergeList(live, config, fm);
  return config;
}

/** Merges list items in structured-merge-diff's order: live order, config-only items placed where the config has them. */
function mergeList(live: unknown[], config: unknown[], fm: FieldMeta | undefined): unknown[] {
  const list = listTypeOf(fm);
  const lhs = live.map((item, i) => itemPathElement(item, list, i));
  const rhs = config.map((item, i) => itemPathElement(item, list, i));
  const lhsItems = new Map(lhs.map((pe, i) => [pe, live[i]]));
  const rhsItems = new Map(rhs.map((pe, i) => [pe, config[i]]));
  const shared = rhs.filter((pe) => lhsItems.has(pe));
  let nextShared = 0;
  const mergedRhs = new Set<string>();
  const out: unknown[] = [];
  const mergeItem = (pe: string) => {
    const l = lhsItems.get(pe);
    const r = rhsItems.get(pe);
    if (r === undefined) return l;
    return list.type === "map" && l !== undefined ? mergeValue(l, r, { type: fm?.type }) : r;
  };
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    if (li < lhs.length && ri < rhs.length) {
      const pe = lhs[li]!;
      if (pe === rhs[ri]) {
        mergedRhs.add(pe);
        out.push(mergeItem(pe));
        li++;
        ri++;
        nextShared++;
        continue;
      }
      if (rhsItems.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) {
        li++;
        continue;
      }
    }
    if (li < lhs.length) {
      const pe = lhs[li]!;
      if (!rhsItems.has(pe)) {
        out.push(lhsItems.get(pe));
        li++;
        continue;
      } else if (mergedRhs.has(pe)) li++;
    }
    if (ri < rhs.length) {
      const pe = rhs[ri]!;
      mergedRhs.add(pe);
      out.push(mergeItem(pe));
      ri++;
      if (nextShared < shared.length && shared[nextShared] === pe) nextShared++;
    }
  }
  return out;
}

/** Removes the fields in `toRemove` (applied before, no longer applied) that nobody else owns. */
function prune(obj: JsonObject, toRemove: FieldSet, owned: FieldSet, meta: TypeMeta | undefined, path: string[]): JsonObject {
  let out: JsonObject | undefined;
  for (const [pe, node] of Object.entries(toRemove)) {
    if (pe === "." || !pe.startsWith("f:")) continue;
    const field = pe.slice(2);
    if (!(field in obj)) continue;
    const here = [...path, pe];
    const fm = meta?.fields?.[field];
    const ownedHere = nodeAt(owned, here);
    if (isMember(node) && !ownedHere) {
      out ??= { ...obj };
      delete out[field];
      continue;
    }
    const value = obj[field];
    let next: unknown = value;
    if (isPlainObject(value)) {
      next = prune(value, node, owned, fm?.type, here);
      // A field left empty by pruning goes with its last member unless someone owns it: structured-
      // merge-diff prunes named fields as members (no `labels: {}` or `finalizers: []` is left
      // behind); map items that are members were removed above.
      if (next !== value && Object.keys(next as JsonObject).length === 0 && !ownedHere) {
        out ??= { ...obj };
        delete out[field];
        continue;
      }
    } else if (Array.isArray(value)) {
      next = pruneList(value, node, owned, fm, here);
      if (next !== value && (next as unknown[]).length === 0 && !ownedHere) {
        out ??= { ...obj };
        delete out[field];
        continue;
      }
    }
    if (next !== value) {
      out ??= { ...obj };
      out[field] = next;
    }
  }
  return out ?? obj;
}

function pruneList(items: unknown[], toRemove: FieldSet, owned: FieldSet, fm: FieldMeta | undefined, path: string[]): unknown[] {
  const list = listTypeOf(fm);
  let changed = false;
  const out: unknown[] = [];
  items.forEach((item, i) => {
    const pe = itemPathElement(item, list, i);
    const node = toRemove[pe];
    if (!node) return out.push(item);
    const here = [...path, pe];
    const ownedHere = nodeAt(owned, here);
    if (isMember(node) && !ownedHere) {
      changed = true;
      return;
    }
    const next = isPlainObject(item) ? prune(item, node, owned, fm?.type, here) : item;
    if (next !== item) changed = true;
    out.push(next);
  });
  return changed ? out : items;
}

/** How apiserver names a manager in conflict messages. */
function printManager(m: ManagerFields): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === "Update") s += ` using ${m.apiVersion}`;
  return s;
}

/** 409 Conflict exactly as apiserver's NewConflictError builds it. */
function applyConflict(conflicts: { manager: ManagerFields; path: string[] }[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (a.manager.manager < b.manager.manager ? -1 : a.manager.manager > b.manager.manager ? 1 : 0));
  const causes: StatusCause[] = sorted.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0]!.manager)}: ${pathString(sorted[0]!.path)}`;
  } else {
    const byManager = new Map<string, { label: string; paths: string[] }>();
    for (const c of sorted) {
      const label = printManager(c.manager);
      const group = byManager.get(label) ?? { label, paths: [] };
      group.paths.push(pathString(c.path));
      byManager.set(label, group);
    }
    const lines: string[] = [];
    for (const group of [...byManager.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))) {
      lines.push(`conflicts with ${group.label}:`, ...group.paths.map((p) => `- ${p}`));
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Conflict", code: 409, details: { causes } });
}
