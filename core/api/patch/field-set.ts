import { isPlainObject, jsonEqual, type JsonObject } from "./json-value.js";
import type { FieldMeta, TypeMeta } from "./patch-meta.js";
import { comparePathElements, isKnownPathElement } from "./path-element-order.js";

/**
 * A set of field paths in Kubernetes' FieldsV1 format: `{"f:spec":{"f:replicas":{}}}`. Each key is
 * a path element — `f:<field>`, `k:<json of list-map keys>`, `v:<json value>` (set item), `i:<n>` —
 * and a node is itself a member of the set when it is empty or has a `"."` key; otherwise it only
 * holds members below it. Sets are immutable: operations return new sets sharing unchanged nodes.
 * In memory a node's keys come in any order (the order of the object they were taken from, or of
 * the operands); {@link fieldsV1Node} puts a node in the order upstream serialises it, which the
 * sets stored in `managedFields` have (see managed-fields.ts).
 */
export type FieldSet = { readonly [pathElement: string]: FieldSet };

const SELF = ".";

/** `f:<name>` path elements, built once per field name: the same few hundred names recur in every object. */
const fieldElements = new Map<string, string>();

/** The path element of a struct field or map key: `f:<name>`. */
export function fieldElement(name: string): string {
  let pe = fieldElements.get(name);
  if (pe === undefined) {
    pe = `f:${name}`;
    if (fieldElements.size < 65_536) fieldElements.set(name, pe); // map keys (labels) are unbounded
  }
  return pe;
}
const EMPTY: FieldSet = Object.freeze({});
/** The empty set (a leaf member below its parent), shared: sets are immutable. */
export const EMPTY_SET: FieldSet = EMPTY;

export function isMember(node: FieldSet): boolean {
  return SELF in node || isEmptySet(node);
}

export function isEmptySet(set: FieldSet): boolean {
  for (const _ in set) return false;
  return true;
}

function childKeys(node: FieldSet): string[] {
  return Object.keys(node).filter((k) => k !== SELF);
}

/** Builds a node from membership and children (`.` first, then the children in order); undefined when it holds nothing. */
function makeNode(member: boolean, children: Record<string, FieldSet>): FieldSet | undefined {
  if (isEmptySet(children)) return member ? EMPTY : undefined;
  if (!member) return children;
  // Copy loops, not spreads or rest patterns: those take V8's slow runtime path.
  const out: Record<string, FieldSet> = { [SELF]: EMPTY };
  for (const k in children) out[k] = children[k]!;
  return out;
}

/** a ∪ b; `a` itself when it already holds b (a manager rewriting fields it owns: its interned set stays shared). */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  if (a === b || isEmptySet(b)) return a;
  if (isEmptySet(a)) return b;
  if (!(SELF in a) && covers(a, b)) return a;
  return unionChildren({}, a, b);
}

/** Adds to `out` the children of `a` in order, then those of `b` it lacks, merging the ones both have; returns `out`. */
function unionChildren(out: Record<string, FieldSet>, a: FieldSet, b: FieldSet): Record<string, FieldSet> {
  // Loops over the members in place: no key arrays, no copies of the children without `.`.
  for (const k in a) if (k !== SELF) out[k] = a[k]!;
  for (const k in b) {
    if (k === SELF) continue;
    const an = out[k];
    out[k] = an === undefined ? b[k]! : unionNode(an, b[k]!);
  }
  return out;
}

/**
 * True when the children of `a` already hold those of `b` in the exact shape {@link union} would
 * build (a member with children has `.` first, a leaf is `{}`): union(a, b) would equal `a`, key
 * order included. Allocation-free.
 */
function covers(a: FieldSet, b: FieldSet): boolean {
  for (const k in b) {
    if (k === SELF) continue;
    const an = a[k];
    if (an === undefined) return false;
    const bn = b[k]!;
    if (an !== bn && !coversNode(an, bn)) return false;
  }
  return true;
}

function coversNode(an: FieldSet, bn: FieldSet): boolean {
  return hasUnionShape(an, bn) && covers(an, bn);
}

/**
 * Whether `an`, its children holding those of `bn`, is the node {@link unionNode} would build:
 * one of the normalized shapes makeNode builds (`{}`, or `.` (an empty set) first and children
 * after it), and a member when `bn` is one.
 */
function hasUnionShape(an: FieldSet, bn: FieldSet): boolean {
  let first: string | undefined;
  let count = 0;
  for (const k in an) {
    if (count++ === 0) first = k;
    else break;
  }
  const aDot = SELF in an;
  if (aDot && (first !== SELF || count < 2 || !isEmptySet(an[SELF]!))) return false;
  return aDot || count === 0 || !isMember(bn);
}

/**
 * makeNode(isMember(a) || isMember(b), union(childrenOf(a), childrenOf(b))), built as one object
 * (`.` first when a member, then the children): `a` itself when it holds b in that shape, and
 * a's children as they are when they hold b's, as union keeps them.
 */
function unionNode(a: FieldSet, b: FieldSet): FieldSet {
  const held = covers(a, b);
  if (held && hasUnionShape(a, b)) return a;
  const member = isMember(a) || isMember(b);
  const out: Record<string, FieldSet> = member ? { [SELF]: EMPTY } : {};
  if (held) {
    for (const k in a) if (k !== SELF) out[k] = a[k]!;
  } else {
    unionChildren(out, a, b);
  }
  // A member with no children is the leaf.
  return member && isEmptyChildren(out) ? EMPTY : out;
}

/** Whether `node` has no member but `.`. */
function isEmptyChildren(node: FieldSet): boolean {
  for (const k in node) if (k !== SELF) return false;
  return true;
}

function childrenOf(node: FieldSet): FieldSet {
  if (!(SELF in node)) return node;
  const rest: Record<string, FieldSet> = {};
  for (const k in node) if (k !== SELF) rest[k] = node[k]!;
  return rest;
}

/**
 * a − b − c (c optional: a − b), as difference(difference(a, b), c) gives it in one walk; walks
 * only the paths of b and c, so it costs O(|b| + |c|) beyond copying along those paths. Nodes of
 * `a` that lose nothing are `a`'s own (shared, not rebuilt) when rebuilding would give the same
 * node, key order included (`.` first with an empty set, as {@link makeNode} builds it).
 */
export function difference(a: FieldSet, b: FieldSet, c?: FieldSet): FieldSet {
  const bn = isEmptySet(b) ? undefined : b;
  const cn = c === undefined || isEmptySet(c) ? undefined : c;
  if ((bn === undefined && cn === undefined) || isEmptySet(a)) return a;
  const changed = changedChildren(a, bn, cn);
  return changed ? withChanges(a, changed, true, {}) : a;
}

/**
 * The children of `a` that the children of `b` or `c` take something from, each with what is left
 * (undefined: nothing), as a flat list of key and node pairs (a few per node: a list, not a map);
 * undefined when none.
 */
function changedChildren(a: FieldSet, b: FieldSet | undefined, c: FieldSet | undefined): (string | FieldSet | undefined)[] | undefined {
  let changed: (string | FieldSet | undefined)[] | undefined;
  for (const k in b ?? EMPTY) {
    if (k === SELF) continue;
    const an = a[k];
    if (!an) continue;
    const node = differenceNode(an, b![k], c?.[k]);
    if (node === an) continue;
    if (changed) changed.push(k, node);
    else changed = [k, node];
  }
  for (const k in c ?? EMPTY) {
    // Path elements never name an Object.prototype member (they start with "f:", "k:", "v:" or "i:").
    if (k === SELF || (b !== undefined && k in b)) continue;
    const an = a[k];
    if (!an) continue;
    const node = differenceNode(an, undefined, c![k]);
    if (node === an) continue;
    if (changed) changed.push(k, node);
    else changed = [k, node];
  }
  return changed;
}

/** Adds `node`'s members (but `.` unless `keepSelf`) in order to `out`, with `changed` applied; returns `out`. */
function withChanges(node: FieldSet, changed: readonly (string | FieldSet | undefined)[], keepSelf: boolean, out: Record<string, FieldSet>): Record<string, FieldSet> {
  for (const k in node) {
    if (k === SELF && !keepSelf) continue;
    let n: FieldSet | undefined = node[k];
    for (let i = 0; i < changed.length; i += 2) {
      if (changed[i] === k) {
        n = changed[i + 1] as FieldSet | undefined;
        break;
      }
    }
    if (n) out[k] = n;
  }
  return out;
}

/**
 * makeNode(isMember(an) && !isMember(bn) && !isMember(cn), difference(childrenOf(an), childrenOf(bn), childrenOf(cn)))
 * (an absent bn or cn takes nothing), `an` itself when that equals it, else built as one object
 * (`.` first when a member, then the children).
 */
function differenceNode(an: FieldSet, bn: FieldSet | undefined, cn: FieldSet | undefined): FieldSet | undefined {
  const member = isMember(an);
  const keep = member && (bn === undefined || !isMember(bn)) && (cn === undefined || !isMember(cn));
  const changed = changedChildren(an, bn, cn);
  if (!changed && keep === member && isNormalNode(an)) return an;
  const out: Record<string, FieldSet> = keep ? { [SELF]: EMPTY } : {};
  if (changed) withChanges(an, changed, false, out);
  else for (const k in an) if (k !== SELF) out[k] = an[k]!;
  if (!isEmptyChildren(out)) return out;
  return keep ? EMPTY : undefined;
}

/** Whether makeNode(isMember(node), childrenOf(node)) equals `node`, key order included. */
function isNormalNode(node: FieldSet): boolean {
  let first = true;
  for (const k in node) {
    // A parent without `.` stays as it is; one with `.` later would be reordered.
    if (first && k !== SELF) return !(SELF in node);
    if (first) {
      if (!isEmptySet(node[SELF]!)) return false;
      first = false;
      continue;
    }
    return true; // `.` first with an empty set, then children
  }
  // `{}` (the leaf) stays; `{".": {}}` alone becomes `{}`.
  return first;
}

/** a ∩ b. */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  if (isEmptySet(a) || isEmptySet(b)) return EMPTY;
  const [small, large] = Object.keys(a).length <= Object.keys(b).length ? [a, b] : [b, a];
  const out: Record<string, FieldSet> = {};
  for (const k of childKeys(small)) {
    const ln = large[k];
    if (!ln) continue;
    const sn = small[k]!;
    const node = makeNode(isMember(sn) && isMember(ln), intersection(childrenOf(sn), childrenOf(ln)) as Record<string, FieldSet>);
    if (node) out[k] = node;
  }
  return out;
}

/**
 * Every member of the set as a list of path elements, in structured-merge-diff's Set.Iterate
 * order: a node's members first, in path element order, then the members below each of its
 * children, child by child in that order.
 */
export function members(set: FieldSet, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  const keys = childKeys(set).sort(comparePathElements);
  for (const k of keys) if (isMember(set[k]!)) out.push([...prefix, k]);
  for (const k of keys) out.push(...members(childrenOf(set[k]!), [...prefix, k]));
  return out;
}

/**
 * Whether `node` is in FieldsV1 form, as upstream serialises a set: `.` (an empty set) first only
 * on a member that has children, then the children in path element order, each a key of a
 * known kind. Its children are not looked at. Allocation-free.
 */
export function isFieldsV1Node(node: FieldSet): boolean {
  let prev: string | undefined;
  let count = 0;
  for (const k in node) {
    if (k === SELF) {
      if (count !== 0 || !isEmptySet(node[SELF]!)) return false;
    } else {
      if (!isKnownPathElement(k) || (prev !== undefined && comparePathElements(prev, k) >= 0)) return false;
      prev = k;
    }
    count++;
  }
  return count !== 1 || prev !== undefined;
}

/**
 * `node` in FieldsV1 form (its children as they are): `.` first on a member with children, the
 * children in path element order, keys of no known kind dropped (as upstream drops them when it
 * reads a set); the leaf `{}` when no child is left.
 */
export function fieldsV1Node(node: FieldSet): FieldSet {
  const keys: string[] = [];
  for (const k in node) if (k !== SELF && isKnownPathElement(k)) keys.push(k);
  if (keys.length === 0) return EMPTY;
  keys.sort(comparePathElements);
  const out: Record<string, FieldSet> = SELF in node ? { [SELF]: EMPTY } : {};
  for (const k of keys) out[k] = node[k]!;
  return out;
}

/** The node at a path, if any. */
export function nodeAt(set: FieldSet, path: readonly string[]): FieldSet | undefined {
  let node: FieldSet | undefined = set;
  for (const pe of path) {
    node = node[pe];
    if (!node) return undefined;
  }
  return node;
}

/** A path as structured-merge-diff prints it: `.spec.containers[name="nginx"].image`. */
export function pathString(path: readonly string[]): string {
  return path.map(pathElementString).join("");
}

function pathElementString(pe: string): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case "f":
      return `.${body}`;
    case "k": {
      const keys = JSON.parse(body) as JsonObject;
      return `[${Object.keys(keys).map((k) => `${k}=${JSON.stringify(keys[k])}`).join(",")}]`;
    }
    case "v":
      return `[=${body}]`;
    default:
      return `[${body}]`;
  }
}

/** How server-side apply treats a list field: atomic, a set of scalars, or a map keyed by fields. */
export type ListType = { type: "atomic" } | { type: "set" } | { type: "map"; keys: readonly string[]; defaults?: Readonly<Record<string, unknown>> };

/** The SSA list type of a field: its `+listType`, else derived from its patch strategy as the OpenAPI converter does. Cached per field (keys sorted). */
export function listTypeOf(fm: FieldMeta | undefined): ListType {
  if (!fm) return ATOMIC_LIST;
  let cached = listTypes.get(fm);
  if (!cached) {
    cached = computeListType(fm);
    listTypes.set(fm, cached);
  }
  return cached;
}

const ATOMIC_LIST: ListType = Object.freeze({ type: "atomic" });
const listTypes = new WeakMap<FieldMeta, ListType>();

function computeListType(fm: FieldMeta): ListType {
  const list = fm.list ?? (fm.patch?.startsWith("merge") ? (fm.mergeKey ? "map" : "set") : "atomic");
  if (list === "map") {
    const keys = fm.keys ?? (fm.mergeKey ? [fm.mergeKey] : []);
    return keys.length > 0 ? { type: "map", keys: [...keys].sort(), ...(fm.keyDefaults ? { defaults: fm.keyDefaults } : {}) } : ATOMIC_LIST;
  }
  return list === "atomic" ? ATOMIC_LIST : { type: list };
}

/** True when SSA owns the value of this field as one unit. */
export function isAtomicField(fm: FieldMeta | undefined): boolean {
  return fm?.atomic === true || fm?.type?.atomic === true;
}

/** The path element of a list item: `k:{...}` for list-maps (keys sorted), `v:<json>` for sets. */
export function itemPathElement(item: unknown, list: ListType, index: number): string {
  if (list.type === "set") return `v:${pathElementJson(item)}`;
  if (list.type === "map" && isPlainObject(item)) {
    const keys = list.keys; // sorted by listTypeOf
    if (keys.length === 1) {
      const k = keys[0]!;
      const v = item[k] ?? list.defaults?.[k];
      return typeof v === "string" ? keyedByString(k, v) : `k:{${JSON.stringify(k)}:${pathElementJson(v)}}`;
    }
    return keyedByValues(item, list);
  }
  return `i:${index}`;
}

/**
 * `k:{...}` path elements of list-maps with several keys (a container's ports by port and protocol),
 * built once per list type and key values when the values are scalars: every create of a
 * ReplicaSet's pods names the same ports. Objects as key values are serialised each time. Bounded.
 */
let multiKeyElements = new WeakMap<ListType, Map<unknown, unknown>>();
let multiKeyCount = 0;
const MULTI_KEY_ELEMENTS = 4096;

function keyedByValues(item: JsonObject, list: ListType & { type: "map" }): string {
  const keys = list.keys;
  let level = multiKeyElements.get(list);
  if (level === undefined) multiKeyElements.set(list, (level = new Map()));
  for (let i = 0; i < keys.length; i++) {
    const v = item[keys[i]!] ?? list.defaults?.[keys[i]!];
    if (typeof v === "object" && v !== null) return `k:${pathElementJson(keyObject(item, list))}`;
    let next = level.get(v);
    if (next === undefined) {
      if (multiKeyCount >= MULTI_KEY_ELEMENTS) {
        // Full: every list's table starts over.
        multiKeyElements = new WeakMap();
        multiKeyCount = 0;
        return `k:${pathElementJson(keyObject(item, list))}`;
      }
      next = i === keys.length - 1 ? `k:${pathElementJson(keyObject(item, list))}` : new Map();
      level.set(v, next);
      multiKeyCount++;
    }
    if (i === keys.length - 1) return next as string;
    level = next as Map<unknown, unknown>;
  }
  return `k:${pathElementJson(keyObject(item, list))}`;
}

/** The item's key fields (defaults filled in), in the list type's (sorted) key order. */
function keyObject(item: JsonObject, list: ListType & { type: "map" }): JsonObject {
  const key: JsonObject = {};
  for (const k of list.keys) key[k] = item[k] ?? list.defaults?.[k];
  return key;
}

/**
 * A key's or set value's JSON as structured-merge-diff writes it in a path element (jsoniter,
 * compatible with encoding/json): `<`, `>`, `&`, U+2028 and U+2029 in strings escaped (`\u003c`).
 */
function pathElementJson(v: unknown): string {
  const text = JSON.stringify(v);
  return HTML_UNSAFE.test(text) ? text.replace(HTML_UNSAFE_ALL, escapeUnsafe) : text;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

function escapeUnsafe(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `k:{"<key>":"<value>"}` path elements of list-maps with one string key (containers by name,
 * conditions by type), built once per key and value: every write that tracks or compares such a
 * list names the same few items. Bounded per key (values such as IPs are unbounded).
 */
const stringKeyElements = new Map<string, Map<string, string>>();
const STRING_KEY_ELEMENTS = 4096;

function keyedByString(key: string, value: string): string {
  let byValue = stringKeyElements.get(key);
  if (!byValue) stringKeyElements.set(key, (byValue = new Map()));
  let pe = byValue.get(value);
  if (pe === undefined) {
    pe = `k:{${JSON.stringify(key)}:${pathElementJson(value)}}`;
    if (byValue.size >= STRING_KEY_ELEMENTS) byValue.clear();
    byValue.set(value, pe);
  }
  return pe;
}

/**
 * The set of fields a value sets, by structured-merge-diff's rules: every scalar, null, empty
 * object, atomic list or atomic struct is a member; list-map and set items are members with their
 * fields below them. Returns undefined for a value that sets nothing (an empty granular list).
 * Hot path (every create tracks its whole object): plain loops, one allocation per node.
 */
export function fieldSetOfValue(value: unknown, fm: FieldMeta | undefined): FieldSet | undefined {
  if (Array.isArray(value)) {
    const list = listTypeOf(fm);
    if (list.type === "atomic") return EMPTY;
    if (value.length === 0) return undefined;
    const out: Record<string, FieldSet> = {};
    const itemType = list.type === "map" ? fm?.type : undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const pe = itemPathElement(item, list, i);
      if (pe in out) {
        out[pe] = EMPTY; // duplicate items: owned as a whole
        continue;
      }
      if (list.type === "map" && isPlainObject(item)) {
        out[pe] = keyedItemFieldSet(item, itemType);
      } else {
        out[pe] = EMPTY;
      }
    }
    return out;
  }
  if (isPlainObject(value) && !isAtomicField(fm)) {
    const out: Record<string, FieldSet> = {};
    return addObjectFields(value, fm?.type, out) ? out : EMPTY;
  }
  return EMPTY;
}

/** The set of a list-map item: `.` (the item itself) first, then the fields it sets; the leaf `{}` when it sets none. */
export function keyedItemFieldSet(item: JsonObject, type: TypeMeta | undefined): FieldSet {
  const node: Record<string, FieldSet> = { [SELF]: EMPTY };
  return addObjectFields(item, type, node) ? node : EMPTY;
}

/** Adds the fields `obj` sets to `out`; returns whether it added any. */
function addObjectFields(obj: JsonObject, meta: TypeMeta | undefined, out: Record<string, FieldSet>): boolean {
  const fields = meta?.fields;
  let added = false;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) continue;
    const node = fieldSetOfValue(value, fields?.[key]);
    if (node) {
      out[fieldElement(key)] = node;
      added = true;
    }
  }
  return added;
}

/** The set of fields an object sets (its own node is not a member). */
export function fieldSetOfObject(obj: JsonObject, meta: TypeMeta | undefined): FieldSet {
  const out: Record<string, FieldSet> = {};
  addObjectFields(obj, meta, out);
  return out;
}
