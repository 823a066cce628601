import { isPlainObject, jsonEqual, type JsonObject } from "./json-value.js";
import type { FieldMeta, TypeMeta } from "./patch-meta.js";
import { EMPTY_SET, fieldElement, isAtomicField, isEmptySet, itemPathElement, listTypeOf, type FieldSet, type ListType } from "./field-set.js";
import { presentInGo, shapeAt, ZERO_STRUCT, type ZeroShape } from "./zero-shape.js";

/** What changed between two versions of an object, as field sets. */
export interface FieldChanges {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * Compares two objects field by field (structured-merge-diff's Compare). Subtrees that are the same
 * reference are skipped, so the cost is proportional to the changed paths when the new object was
 * made by copying the old one along the changed paths. With the type's `shape`, both are compared
 * as their Go values (see zero-shape.ts): a field the JSON leaves out but the Go value has (a
 * non-pointer struct, a field without `omitempty`) is there as its zero, an empty map or list
 * behind `omitempty` is not there. A map, struct or list that is there on one side only is a
 * member itself (`.`) along with what it holds; scalars are members when they differ.
 */
export function compareObjects(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta | undefined, skip?: (key: string) => boolean, shape?: ZeroShape): FieldChanges {
  const changes = new Sink(false);
  compareObjectInto(oldObj, newObj, fieldsOf(meta, shape), changes, skip);
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
export function compareTakes(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta | undefined, skip?: (key: string) => boolean, shape?: ZeroShape): FieldTakes {
  const changes = new Sink(true);
  compareObjectInto(oldObj, newObj, fieldsOf(meta, shape), changes, skip);
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

/**
 * One field of a struct (or key of a map) as the comparisons look it up, for one type meta and Go
 * shape of its parent: its path element, its meta and shape, its Go zero — what `fieldElement`,
 * `meta.fields[key]`, `shapeAt` and `shape.zero[key]` give, found with one lookup per key instead
 * of four — and whether a value is in the Go value (`presentInGo`, the one statement of that rule).
 */
class Field {
  readonly pe: string;
  readonly fm: FieldMeta | undefined;
  /** The field's own shape (of its struct, its list's items, its map's values). */
  readonly shape: ZeroShape | undefined;
  /** The field's value in its struct's Go zero value (undefined: none). */
  readonly zero: unknown;
  private table: Fields | undefined = undefined;

  constructor(
    private readonly key: string,
    meta: TypeMeta | undefined,
    private readonly parent: ZeroShape | undefined,
  ) {
    this.pe = fieldElement(key);
    this.fm = meta?.fields?.[key];
    this.shape = shapeAt(parent, key);
    this.zero = parent?.zero?.[key];
  }

  /** The fields of the struct (or map, or list items) the field holds. */
  get fields(): Fields {
    return (this.table ??= fieldsOf(this.fm?.type, this.shape));
  }

  /** Whether a JSON value of the field is in the Go value. */
  present(value: unknown): boolean {
    return presentInGo(value, this.key, this.parent);
  }
}

/** The fields of one struct type (type meta and Go shape), by key, each made once (map keys: up to a bound). */
class Fields {
  private readonly byKey = new Map<string, Field>();
  constructor(
    readonly meta: TypeMeta | undefined,
    readonly shape: ZeroShape | undefined,
  ) {}

  get(key: string): Field {
    let f = this.byKey.get(key);
    if (f === undefined) {
      f = new Field(key, this.meta, this.shape);
      // Map keys (labels, data) are unbounded: past the bound a field is made per lookup.
      if (this.byKey.size < FIELDS_KEPT) this.byKey.set(key, f);
    }
    return f;
  }
}

/** What {@link lookupField} gives: one field of a struct as the comparisons see it. */
export interface FieldLookup {
  readonly pe: string;
  readonly fm: FieldMeta | undefined;
  readonly shape: ZeroShape | undefined;
  readonly zero: unknown;
  present(value: unknown): boolean;
}

/** The field `key` of a struct with type meta `meta` and Go shape `shape`, as the comparisons look it up (its differential test checks it against the lookups it stands for). */
export function lookupField(meta: TypeMeta | undefined, shape: ZeroShape | undefined, key: string): FieldLookup {
  return fieldsOf(meta, shape).get(key);
}

const FIELDS_KEPT = 1024;
/** Stands for an absent meta or shape in the tables below. */
const NONE = Object.freeze({});
/** The {@link Fields} of each shape (or NONE), then meta (or NONE). */
const fieldTables = new WeakMap<object, WeakMap<object, Fields>>();

/** The fields of a struct with type meta `meta` and Go shape `shape` (either may be absent). */
function fieldsOf(meta: TypeMeta | undefined, shape: ZeroShape | undefined): Fields {
  let byMeta = fieldTables.get(shape ?? NONE);
  if (byMeta === undefined) fieldTables.set(shape ?? NONE, (byMeta = new WeakMap()));
  let fields = byMeta.get(meta ?? NONE);
  if (fields === undefined) byMeta.set(meta ?? NONE, (fields = new Fields(meta, shape)));
  return fields;
}

function compareObjectInto(oldObj: JsonObject, newObj: JsonObject, fields: Fields, sink: Sink, skip?: (key: string) => boolean): void {
  // for-in, not Object.keys: plain JSON objects have no inherited members, and no key array is made per node.
  for (const key in oldObj) {
    if (skip?.(key)) continue;
    const ov = oldObj[key];
    const nv = newObj[key];
    // The same value is there on both sides or on neither.
    if (ov === undefined || ov === nv) continue;
    const f = fields.get(key);
    if (!f.present(ov) || (nv !== undefined && f.present(nv))) continue;
    // Gone from the JSON but not from the Go value: compared with its zero.
    if (f.zero !== undefined) compareValueInto(f.pe, ov, f.zero, f, sink);
    else removeFrom(sink, f.pe, markedFieldSet(ov, f));
  }
  for (const key in newObj) {
    if (skip?.(key)) continue;
    const nv = newObj[key];
    let ov = oldObj[key];
    if (nv === ov || nv === undefined) continue;
    const f = fields.get(key);
    if (!f.present(nv)) continue;
    if (ov === undefined || !f.present(ov)) {
      if (f.zero === undefined) {
        addTo(sink, f.pe, markedFieldSet(nv, f));
        continue;
      }
      ov = f.zero;
    }
    compareValueInto(f.pe, ov, nv, f, sink);
  }
}

function compareValueInto(pe: string, ov: unknown, nv: unknown, f: Field, sink: Sink): void {
  const fm = f.fm;
  // null is the zero of a map or list: compared as an empty one (the node itself stays).
  if (isPlainObject(nv) && (ov === null || isPlainObject(ov)) && !isAtomicField(fm)) {
    const sub = new Sink(sink.merged);
    compareObjectInto(ov === null ? ZERO_STRUCT : (ov as JsonObject), nv, f.fields, sub);
    attach(sink, pe, sub);
    return;
  }
  if (isPlainObject(ov) && nv === null && !isAtomicField(fm)) {
    const sub = new Sink(sink.merged);
    compareObjectInto(ov, ZERO_STRUCT, f.fields, sub);
    attach(sink, pe, sub);
    return;
  }
  if ((Array.isArray(nv) || nv === null) && (Array.isArray(ov) || ov === null) && (nv !== null || ov !== null) && listTypeOf(fm).type !== "atomic") {
    const sub = new Sink(sink.merged);
    compareListInto((ov ?? NO_ITEMS) as unknown[], (nv ?? NO_ITEMS) as unknown[], f, sub);
    attach(sink, pe, sub);
    return;
  }
  if (!jsonEqual(ov, nv)) {
    // A kind change (e.g. object → scalar) or a changed leaf.
    const oldNode = markedFieldSet(ov, f);
    const newNode = markedFieldSet(nv, f);
    if (isEmptySet(oldNode) && isEmptySet(newNode)) modifyIn(sink, pe, EMPTY_SET);
    else {
      removeFrom(sink, pe, oldNode);
      addTo(sink, pe, newNode);
    }
  }
}

const NO_ITEMS: readonly unknown[] = Object.freeze([]);
/** The member key of a node that is itself in the set. */
const SELF = ".";

function compareListInto(ov: readonly unknown[], nv: readonly unknown[], f: Field, sink: Sink): void {
  const list = listTypeOf(f.fm);
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
        compareObjectInto(old, item, f.fields, sub);
        if (sub.added || sub.modified || sub.removed) attach(sink, itemPathElement(item, list, i), sub);
      } else if (!jsonEqual(old, item)) modifyIn(sink, itemPathElement(item, list, i), EMPTY_SET);
    }
    return;
  }
  const before = new KeyedItems(ov, list);
  const after = new KeyedItems(nv, list);
  // Indexed loops over the items' arrays: no Maps, no entry arrays per item (most lists are short).
  for (let i = 0; i < before.pes.length; i++) {
    const pe = before.pes[i]!;
    if (after.find(pe) < 0) removeFrom(sink, pe, itemNode(before.items[i], f, list.type === "map"));
  }
  for (let i = 0; i < after.pes.length; i++) {
    const pe = after.pes[i]!;
    const item = after.items[i];
    const at = before.find(pe);
    if (at < 0) {
      addTo(sink, pe, itemNode(item, f, list.type === "map"));
      continue;
    }
    const old = before.items[at];
    if (old === item || list.type !== "map") continue;
    if (isPlainObject(old) && isPlainObject(item)) {
      const sub = new Sink(sink.merged);
      compareObjectInto(old, item, f.fields, sub);
      attach(sink, pe, sub);
    } else if (!jsonEqual(old, item)) modifyIn(sink, pe, EMPTY_SET);
  }
}

/**
 * A list's items by path element, as a Map filled item by item holds them: each element once, in
 * the order first seen, with the last item that has it. Short lists are searched in place.
 */
class KeyedItems {
  readonly pes: string[] = [];
  /** The items by position in {@link pes}: the list itself unless an element repeats. */
  readonly items: readonly unknown[];
  private readonly index: Map<string, number> | undefined;

  constructor(list: readonly unknown[], type: ListType) {
    this.index = list.length > ALIGNED_MAX ? new Map() : undefined;
    // Copied at the first repeated element (until then item i is the list's item i).
    let items: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const pe = itemPathElement(item, type, i);
      const at = this.find(pe);
      if (at >= 0) {
        (items ??= list.slice(0, i))[at] = item;
        continue;
      }
      this.index?.set(pe, this.pes.length);
      this.pes.push(pe);
      items?.push(item);
    }
    this.items = items ?? list;
  }

  /** The position of `pe` in {@link pes}, or -1. */
  find(pe: string): number {
    return this.index !== undefined ? (this.index.get(pe) ?? -1) : this.pes.indexOf(pe);
  }
}

/** Lists this short are checked for repeated keys pairwise. */
const ALIGNED_MAX = 16;

/**
 * True when both lists have the same length, item i of each has the same path element (list-map
 * items with scalar keys, set items that are scalars), and no path element repeats.
 */
function aligned(ov: readonly unknown[], nv: readonly unknown[], list: ListType): boolean {
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

/** A list item there on one side only: a member with all it holds (as {@link markedFieldSet}); set and atomic items are leaves. */
function itemNode(item: unknown, f: Field, withFields: boolean): FieldSet {
  // An atomic item type owns the item as a whole.
  if (!withFields || !isPlainObject(item) || f.fm?.type?.atomic === true) return EMPTY_SET;
  return markedObject(item, f.fields);
}

/**
 * The set of a value there on one side of a comparison only (callers leave out what the Go value
 * would not have: an empty map or list behind `omitempty`): every map, struct and list in it is a
 * member itself, marked `.` when it holds members too, as structured-merge-diff's Compare records
 * each path it finds on one side. Atomic values and scalars are leaves.
 */
function markedFieldSet(value: unknown, f: Field): FieldSet {
  const fm = f.fm;
  if (Array.isArray(value)) {
    const list = listTypeOf(fm);
    if (list.type === "atomic" || value.length === 0) return EMPTY_SET;
    const out: Record<string, FieldSet> = { [SELF]: EMPTY_SET };
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const pe = itemPathElement(item, list, i);
      // Duplicate items: owned as a whole.
      out[pe] = pe in out ? EMPTY_SET : itemNode(item, f, list.type === "map");
    }
    return out;
  }
  if (isPlainObject(value) && !isAtomicField(fm)) return markedObject(value, f.fields);
  return EMPTY_SET;
}

function markedObject(obj: JsonObject, fields: Fields): FieldSet {
  let out: Record<string, FieldSet> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) continue;
    const f = fields.get(key);
    if (f.present(value)) (out ??= { [SELF]: EMPTY_SET })[f.pe] = markedFieldSet(value, f);
  }
  // The Go value has its zero fields too (a container's `resources: {}`, a condition's null `lastProbeTime`).
  const zero = fields.shape?.zero;
  if (zero !== undefined) {
    for (const key in zero) {
      if (obj[key] !== undefined) continue;
      const f = fields.get(key);
      (out ??= { [SELF]: EMPTY_SET })[f.pe] = markedFieldSet(zero[key], f);
    }
  }
  return out ?? EMPTY_SET;
}

function attach(sink: Sink, pe: string, sub: Sink): void {
  if (sub.added) addTo(sink, pe, sub.added);
  if (sub.modified) modifyIn(sink, pe, sub.modified);
  if (sub.removed) removeFrom(sink, pe, sub.removed);
}

/**
 * Whether comparing `obj` with its zero value (`{}` with `shape`: what a create compares) finds
 * exactly `set` as its added and modified fields, key order aside, found by walking the two side
 * by side without building the set: creates come in streams of one shape (a ReplicaSet's pods, a
 * component's events), so a recent create's set usually is the new object's. `skip` leaves out
 * root keys; `skipMetadata` leaves out metadata keys no manager owns. Mirrors
 * {@link compareObjectInto} from an empty object, {@link compareValueInto} from a zero value and
 * {@link markedFieldSet}.
 */
export function createdFieldsMatch(obj: JsonObject, meta: TypeMeta | undefined, shape: ZeroShape | undefined, set: FieldSet, skip?: (key: string) => boolean, skipMetadata?: (key: string) => boolean): boolean {
  return createdMatch(obj, fieldsOf(meta, shape), set, skip, skipMetadata);
}

function createdMatch(obj: JsonObject, fields: Fields, set: FieldSet, skip?: (key: string) => boolean, skipMetadata?: (key: string) => boolean): boolean {
  let count = 0;
  for (const key in obj) {
    if (skip?.(key)) continue;
    const nv = obj[key];
    if (nv === undefined) continue;
    const f = fields.get(key);
    if (!f.present(nv)) continue;
    const node = set[f.pe];
    if (key === "metadata" && skipMetadata && isPlainObject(nv)) {
      // Compared (or, without a shape, added whole) then stripped to the tracked fields: its own `.` goes too.
      if (node === undefined) {
        if (!createdMatch(nv, f.fields, NO_MEMBERS, skipMetadata)) return false;
        continue;
      }
      if (isEmptySet(node) || !createdMatch(nv, f.fields, node, skipMetadata)) return false;
      count++;
      continue;
    }
    const expect = f.zero === undefined ? MARKED : fromZero(f.zero, nv, f);
    if (expect === NOTHING) {
      if (node !== undefined) return false;
      continue;
    }
    if (node === undefined) {
      // Children compared with an empty zero may find nothing: no key then.
      if (expect === CHILDREN && createdMatch(nv as JsonObject, f.fields, NO_MEMBERS)) continue;
      if (expect === ITEMS && (nv as unknown[]).length === 0) continue;
      return false;
    }
    count++;
    if (!outcomeMatches(expect, nv, f, node)) return false;
  }
  for (const _ in set) if (--count < 0) return false;
  return count === 0;
}

/** Whether a field's node is what its outcome against the zero value ({@link fromZero}) builds. */
function outcomeMatches(outcome: number, nv: unknown, f: Field, node: FieldSet): boolean {
  switch (outcome) {
    case MARKED:
      return markedMatches(nv, f, node);
    case CHILDREN:
      return !isEmptySet(node) && createdMatch(nv as JsonObject, f.fields, node);
    case ITEMS:
      // No items, no key: a node there is not this object's.
      return (nv as unknown[]).length > 0 && itemsMatch(nv as unknown[], f, node, false);
    default:
      return isEmptySet(node);
  }
}

const NO_MEMBERS: FieldSet = EMPTY_SET;
/** What comparing a value with its zero finds: nothing, its children, its list's items, a changed leaf, or the value marked whole. */
const NOTHING = 0;
const CHILDREN = 1;
const ITEMS = 2;
const LEAF = 3;
const MARKED = 4;

/** {@link compareValueInto}'s outcome for `nv` against the zero value `zero` (as one of the constants above). */
function fromZero(zero: unknown, nv: unknown, f: Field): number {
  const fm = f.fm;
  if (isPlainObject(nv) && (zero === null || isPlainObject(zero)) && !isAtomicField(fm)) return CHILDREN;
  if ((Array.isArray(nv) || nv === null) && (Array.isArray(zero) || zero === null) && (nv !== null || zero !== null) && listTypeOf(fm).type !== "atomic") return nv === null ? NOTHING : ITEMS;
  if (jsonEqual(zero, nv)) return NOTHING;
  // A changed leaf, or a kind change: what the new value is marked as (a leaf unless it holds members).
  return isEmptySet(markedFieldSet(nv, f)) ? LEAF : MARKED;
}

/** Whether {@link markedFieldSet} gives `node` for `value` (key order aside). */
function markedMatches(value: unknown, f: Field, node: FieldSet): boolean {
  const fm = f.fm;
  if (Array.isArray(value)) {
    const list = listTypeOf(fm);
    if (list.type === "atomic" || value.length === 0) return isEmptySet(node);
    return itemsMatch(value, f, node, true);
  }
  if (isPlainObject(value) && !isAtomicField(fm)) return markedObjectMatches(value, f.fields, node);
  return isEmptySet(node);
}

function markedObjectMatches(obj: JsonObject, fields: Fields, node: FieldSet): boolean {
  let count = 0;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) continue;
    const f = fields.get(key);
    if (!f.present(value)) continue;
    const child = node[f.pe];
    if (child === undefined || !markedMatches(value, f, child)) return false;
    count++;
  }
  const zero = fields.shape?.zero;
  if (zero !== undefined) {
    for (const key in zero) {
      if (obj[key] !== undefined) continue;
      const f = fields.get(key);
      const child = node[f.pe];
      if (child === undefined || !markedMatches(zero[key], f, child)) return false;
      count++;
    }
  }
  // `.` and the children, or the leaf when there are none.
  if (count === 0) return isEmptySet(node);
  if (!(SELF in node) || !isEmptySet(node[SELF]!)) return false;
  count++;
  for (const _ in node) if (--count < 0) return false;
  return count === 0;
}

/** Whether a list's items, all added, make `node` (`.` first when `marked`); duplicate items never match. */
function itemsMatch(items: readonly unknown[], f: Field, node: FieldSet, marked: boolean): boolean {
  const fm = f.fm;
  const list = listTypeOf(fm);
  if (list.type === "atomic") return isEmptySet(node);
  let count = marked ? 1 : 0;
  if (marked && (!(SELF in node) || !isEmptySet(node[SELF]!))) return false;
  const withFields = list.type === "map";
  // Path elements seen, on a stack shared by the nested calls (each scans its own part, above `from`):
  // few items, and no list per call.
  const from = seenTop;
  try {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const pe = itemPathElement(item, list, i);
      for (let j = from; j < seenTop; j++) if (seenElements[j] === pe) return false;
      seenElements[seenTop++] = pe;
      const child = node[pe];
      if (child === undefined) return false;
      const owned = withFields && isPlainObject(item) && fm?.type?.atomic !== true;
      if (owned ? !markedObjectMatches(item, f.fields, child) : !isEmptySet(child)) return false;
      count++;
    }
  } finally {
    // The stack keeps its room (shrinking an array is a runtime call); what is above the top is not read.
    seenTop = from;
  }
  for (const _ in node) if (--count < 0) return false;
  return count === 0;
}

/** The path elements {@link itemsMatch} has seen, each call's above those of the calls it is nested in, up to {@link seenTop}. */
const seenElements: string[] = [];
let seenTop = 0;
