import { isPlainObject, jsonEqual, type JsonObject } from "./json-value.js";
import type { FieldMeta, TypeMeta } from "./patch-meta.js";
import { EMPTY_SET, fieldElement, fieldSetOfValue, isAtomicField, isEmptySet, itemPathElement, keyedItemFieldSet, listTypeOf, type FieldSet, type ListType } from "./field-set.js";

/** What changed between two versions of an object, as field sets. */
export interface FieldChanges {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * Compares two objects field by field (structured-merge-diff's Compare). Subtrees that are the same
 * reference are skipped, so the cost is proportional to the changed paths when the new object was
 * made by copying the old one along the changed paths.
 */
export function compareObjects(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta | undefined, skip?: (key: string) => boolean): FieldChanges {
  const changes = new Sink(false);
  compareObjectInto(oldObj, newObj, meta, changes, skip);
  return { added: changes.added ?? {}, modified: changes.modified ?? {}, removed: changes.removed ?? {} };
}

/** What a write takes (the fields it added or changed, as one set) and the fields it removed: what field ownership needs. */
export interface FieldTakes {
  taken: FieldSet;
  removed: FieldSet;
}

/**
 * {@link compareObjects} with the added and modified fields found into one set: the set equals
 * union(added, modified) (key order aside), without building the two and merging them. A path
 * is found added, modified or below a compared node, never two of these, so nothing is merged.
 */
export function compareTakes(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta | undefined, skip?: (key: string) => boolean): FieldTakes {
  const changes = new Sink(true);
  compareObjectInto(oldObj, newObj, meta, changes, skip);
  return { taken: changes.added ?? {}, removed: changes.removed ?? {} };
}

/**
 * The changes found below one node; each set is made when its first member is found (most nodes
 * compared change little). A class with all three members from the start: every sink has one
 * shape, so reading and setting them stays monomorphic (plain objects gaining them one by one had
 * up to eight shapes).
 */
class Sink {
  added: Record<string, FieldSet> | undefined = undefined;
  modified: Record<string, FieldSet> | undefined = undefined;
  removed: Record<string, FieldSet> | undefined = undefined;
  /** Modified fields go into `added` (see {@link compareTakes}); the sinks below this one's nodes do the same. */
  constructor(readonly merged: boolean) {}
}

function addTo(sink: Sink, pe: string, node: FieldSet): void {
  (sink.added ??= {})[pe] = node;
}

function modifyIn(sink: Sink, pe: string, node: FieldSet): void {
  if (sink.merged) (sink.added ??= {})[pe] = node;
  else (sink.modified ??= {})[pe] = node;
}

function removeFrom(sink: Sink, pe: string, node: FieldSet): void {
  (sink.removed ??= {})[pe] = node;
}

function compareObjectInto(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta | undefined, sink: Sink, skip?: (key: string) => boolean): void {
  // for-in, not Object.keys: plain JSON objects have no inherited members, and no key array is made per node.
  for (const key in oldObj) {
    if (skip?.(key)) continue;
    if (!(key in newObj) || newObj[key] === undefined) {
      const node = fieldSetOfValue(oldObj[key], meta?.fields?.[key]);
      if (node && oldObj[key] !== undefined) removeFrom(sink, fieldElement(key), node);
    }
  }
  for (const key in newObj) {
    if (skip?.(key)) continue;
    const nv = newObj[key];
    const ov = oldObj[key];
    if (nv === ov || nv === undefined) continue;
    const pe = fieldElement(key);
    const fm = meta?.fields?.[key];
    if (ov === undefined) {
      const node = fieldSetOfValue(nv, fm);
      if (node) addTo(sink, pe, node);
      continue;
    }
    compareValueInto(pe, ov, nv, fm, sink);
  }
}

function compareValueInto(pe: string, ov: unknown, nv: unknown, fm: FieldMeta | undefined, sink: Sink): void {
  if (isPlainObject(ov) && isPlainObject(nv) && !isAtomicField(fm) && !isEmptyObject(ov) && !isEmptyObject(nv)) {
    const sub = new Sink(sink.merged);
    compareObjectInto(ov, nv, fm?.type, sub);
    attach(sink, pe, sub);
    return;
  }
  if (Array.isArray(ov) && Array.isArray(nv) && listTypeOf(fm).type !== "atomic") {
    const sub = new Sink(sink.merged);
    compareListInto(ov, nv, fm, sub);
    attach(sink, pe, sub);
    return;
  }
  if (!jsonEqual(ov, nv)) {
    // A kind change (e.g. object → scalar) or a changed leaf.
    const oldNode = fieldSetOfValue(ov, fm);
    const newNode = fieldSetOfValue(nv, fm);
    if (oldNode && newNode && isEmptySet(oldNode) && isEmptySet(newNode)) modifyIn(sink, pe, EMPTY_SET);
    else {
      if (oldNode) removeFrom(sink, pe, oldNode);
      if (newNode) addTo(sink, pe, newNode);
    }
  }
}

function compareListInto(ov: unknown[], nv: unknown[], fm: FieldMeta | undefined, sink: Sink): void {
  const list = listTypeOf(fm);
  if (aligned(ov, nv, list)) {
    // Item i of each list has the same key, and no key repeats: nothing added or removed, and items
    // pair up in order — what the keyed comparison below finds, without building every key.
    if (list.type !== "map") return;
    for (let i = 0; i < nv.length; i++) {
      const old = ov[i];
      const item = nv[i];
      if (old === item) continue;
      if (isPlainObject(old) && isPlainObject(item)) {
        const sub = new Sink(sink.merged);
        compareObjectInto(old, item, fm?.type, sub);
        if (sub.added || sub.modified || sub.removed) attach(sink, itemPathElement(item, list, i), sub);
      } else if (!jsonEqual(old, item)) modifyIn(sink, itemPathElement(item, list, i), EMPTY_SET);
    }
    return;
  }
  const before = new Map<string, unknown>();
  ov.forEach((item, i) => before.set(itemPathElement(item, list, i), item));
  const after = new Map<string, unknown>();
  nv.forEach((item, i) => after.set(itemPathElement(item, list, i), item));
  for (const [pe, item] of before) {
    if (!after.has(pe)) removeFrom(sink, pe, itemNode(item, fm, list.type === "map"));
  }
  for (const [pe, item] of after) {
    if (!before.has(pe)) {
      addTo(sink, pe, itemNode(item, fm, list.type === "map"));
      continue;
    }
    const old = before.get(pe);
    if (old === item || list.type !== "map") continue;
    if (isPlainObject(old) && isPlainObject(item)) {
      const sub = new Sink(sink.merged);
      compareObjectInto(old, item, fm?.type, sub);
      attach(sink, pe, sub);
    } else if (!jsonEqual(old, item)) modifyIn(sink, pe, EMPTY_SET);
  }
}

/** Lists this short are checked for repeated keys pairwise. */
const ALIGNED_MAX = 16;

/**
 * True when both lists have the same length, item i of each has the same path element (list-map
 * items with scalar keys, set items that are scalars), and no path element repeats.
 */
function aligned(ov: unknown[], nv: unknown[], list: ListType): boolean {
  const n = ov.length;
  if (n !== nv.length || n > ALIGNED_MAX || list.type === "atomic") return false;
  if (list.type === "set") {
    for (let i = 0; i < n; i++) {
      const a = ov[i];
      if (a !== nv[i] || (typeof a === "object" && a !== null)) return false;
      for (let j = 0; j < i; j++) if (ov[j] === a) return false;
    }
    return true;
  }
  const keys = list.keys;
  const defaults = list.defaults;
  for (let i = 0; i < n; i++) {
    const a = ov[i];
    const b = nv[i];
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    for (const k of keys) {
      const av = a[k] ?? defaults?.[k];
      if (av !== (b[k] ?? defaults?.[k]) || (typeof av === "object" && av !== null)) return false;
    }
    for (let j = 0; j < i; j++) {
      const c = ov[j] as JsonObject;
      let same = true;
      for (const k of keys) {
        if ((c[k] ?? defaults?.[k]) !== (a[k] ?? defaults?.[k])) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
  }
  return true;
}

function isEmptyObject(obj: object): boolean {
  for (const _ in obj) return false;
  return true;
}

function itemNode(item: unknown, fm: FieldMeta | undefined, withFields: boolean): FieldSet {
  // An atomic item type owns the item as a whole.
  if (!withFields || !isPlainObject(item) || fm?.type?.atomic === true) return EMPTY_SET;
  return keyedItemFieldSet(item, fm?.type);
}

function attach(sink: Sink, pe: string, sub: Sink): void {
  if (sub.added) addTo(sink, pe, sub.added);
  if (sub.modified) modifyIn(sink, pe, sub.modified);
  if (sub.removed) removeFrom(sink, pe, sub.removed);
}
