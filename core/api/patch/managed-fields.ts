import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../object.js";
import { rfc3339 } from "../time.js";
import { isPlainObject, jsonEqual, type JsonObject } from "./json-value.js";
import { patchMetaFor, UNKNOWN_KIND_META, type TypeMeta } from "./patch-meta.js";
import { difference, fieldsV1Node, isEmptySet, isFieldsV1Node, union, type FieldSet } from "./field-set.js";
import { compareObjects, compareTakes, createdFieldsMatch, type FieldChanges, type FieldTakes } from "./field-compare.js";
import { zeroShapeFor, type ZeroShape } from "./zero-shape.js";

/** One manager's fields: the decoded form of a managedFields entry. */
export interface ManagerFields {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  fields: FieldSet;
}

/** The metadata fields no manager ever owns (stripMeta in apiserver's fieldmanager). */
const UNTRACKED_METADATA = new Set(["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]);

/**
 * The root fields tracked for a write through `subresource`: the main resource ignores `status`
 * (its strategy resets it), the status subresource tracks only `status`. apiVersion, kind and
 * the server-set metadata are never tracked.
 */
export function untrackedRootKey(subresource: string | undefined): (key: string) => boolean {
  return subresource === "status" ? untrackedByStatus : untrackedByMain;
}

/** Root keys a status write does not track: all but `status`. */
function untrackedByStatus(key: string): boolean {
  return key !== "status";
}

/** Root keys a write to the main resource does not track. */
function untrackedByMain(key: string): boolean {
  return key === "apiVersion" || key === "kind" || key === "status";
}

/** Removes the untracked metadata fields from a field set. */
export function stripUntracked(set: FieldSet): FieldSet {
  const meta = set["f:metadata"];
  if (!meta) return set;
  const keep: Record<string, FieldSet> = {};
  let kept = false;
  for (const k in meta) {
    if (k !== "." && !UNTRACKED_METADATA.has(k.slice(2))) {
      keep[k] = meta[k]!;
      kept = true;
    }
  }
  // f:metadata goes last, as before.
  const out: Record<string, FieldSet> = {};
  for (const k in set) if (k !== "f:metadata") out[k] = set[k]!;
  if (kept) out["f:metadata"] = keep;
  return out;
}

/** The object a create compares with: with a shape, the kind's zero value. */
const NO_OBJECT: JsonObject = Object.freeze({});

function isUntrackedMetadata(key: string): boolean {
  return UNTRACKED_METADATA.has(key);
}

/** The tracked fields a create sets: what differs from the kind's zero value (with a shape; else from nothing). */
export function createdFieldSet(obj: JsonObject, meta: TypeMeta, shape: ZeroShape | undefined): FieldSet {
  // Added and modified (zero scalars, null maps, lists and pointers the object sets) as one set.
  return trackedTakes(NO_OBJECT, obj, meta, undefined, shape).taken;
}

/**
 * Compares two objects over the tracked fields only, as their Go values when the kind's `shape`
 * is known (built-in kinds; see zero-shape.ts). A create compares the new object with `{}`,
 * which with a shape is the kind's zero value.
 */
export function trackedChanges(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta, subresource: string | undefined, shape?: ZeroShape): FieldChanges {
  const skipRoot = untrackedRootKey(subresource);
  // metadata (and its managedFields) is compared only when the write tracks it.
  const tracksMeta = !skipRoot("metadata");
  const changes = tracksMeta ? compareObjects(withoutManagedFields(oldObj), withoutManagedFields(newObj), meta, skipRoot, shape) : compareObjects(oldObj, newObj, meta, skipRoot, shape);
  if (!tracksMeta) return changes;
  return { added: stripUntracked(changes.added), modified: stripUntracked(changes.modified), removed: stripUntracked(changes.removed) };
}

/** {@link trackedChanges} as what the write takes (its added and modified fields, as one set) and removes. */
export function trackedTakes(oldObj: JsonObject, newObj: JsonObject, meta: TypeMeta, subresource: string | undefined, shape?: ZeroShape): FieldTakes {
  const skipRoot = untrackedRootKey(subresource);
  const tracksMeta = !skipRoot("metadata");
  if (!tracksMeta) return compareTakes(oldObj, newObj, meta, skipRoot, shape);
  const takes = compareTakes(withoutManagedFields(oldObj), withoutManagedFields(newObj), meta, skipRoot, shape);
  return { taken: stripUntracked(takes.taken), removed: stripUntracked(takes.removed) };
}

/** The patch meta used for field tracking of a kind (custom resources: ObjectMeta's only). */
export function trackingMetaFor(kind: string): TypeMeta {
  return patchMetaFor(kind) ?? UNKNOWN_KIND_META;
}

/** The Go shape a write of `obj` is compared with: its built-in kind's, none for custom resources (their own `meta`). */
export function trackingShapeFor(obj: KubeObject | undefined, ownMeta: TypeMeta | undefined): ZeroShape | undefined {
  return ownMeta || !obj?.kind ? undefined : zeroShapeFor(obj.apiVersion ?? "", obj.kind);
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const metadata = obj.metadata;
  if (!isPlainObject(metadata) || !("managedFields" in metadata)) return obj;
  // Plain copy loops: object rest/spread goes through a slow runtime path.
  const rest: JsonObject = {};
  for (const key in metadata) if (key !== "managedFields") rest[key] = metadata[key];
  const out: JsonObject = {};
  for (const key in obj) out[key] = key === "metadata" ? rest : obj[key];
  return out;
}

/** The identity of a manager entry: Apply entries ignore apiVersion, Update entries include it. */
export function managerKey(m: Pick<ManagerFields, "manager" | "operation" | "subresource" | "apiVersion">): string {
  // NUL never occurs in these names: the joined string identifies the tuple.
  return `${m.manager}\u0000${m.operation}\u0000${m.subresource ?? ""}\u0000${m.operation === "Update" ? m.apiVersion : ""}`;
}

/** {@link managerKey}s of Update entries by manager, subresource ("" for none), then apiVersion: a write builds no key string. */
const updateKeys = new Map<string, Map<string, Map<string, string>>>();
/** Managers (and subresources, versions per manager) kept before the table starts over: a few components write. */
const UPDATE_KEYS = 256;

/** The {@link managerKey} of `manager`'s Update entry through `subresource` in `apiVersion`. */
function updateKeyOf(manager: string, subresource: string | undefined, apiVersion: string): string {
  let bySubresource = updateKeys.get(manager);
  if (bySubresource === undefined) {
    if (updateKeys.size >= UPDATE_KEYS) updateKeys.clear();
    updateKeys.set(manager, (bySubresource = new Map()));
  }
  let byVersion = bySubresource.get(subresource ?? "");
  if (byVersion === undefined) bySubresource.set(subresource ?? "", (byVersion = new Map()));
  let key = byVersion.get(apiVersion);
  if (key === undefined) {
    key = managerKey({ manager, operation: "Update", subresource, apiVersion });
    if (byVersion.size >= UPDATE_KEYS) byVersion.clear();
    byVersion.set(apiVersion, key);
  }
  return key;
}

/** Decodes `metadata.managedFields`; invalid entries are dropped as upstream does on decode errors. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, ManagerFields> {
  const out = new Map<string, ManagerFields>();
  const n = entries?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const e = entries![i]!;
    const known = decodedEntries.get(e);
    if (known) {
      out.set(known.key, known.fields);
      continue;
    }
    const m = decodeEntry(e);
    if (m === undefined) return new Map();
    const key = managerKey(m);
    // An interned entry decoded for the first time: its decoded form is kept for the next writes.
    if (known === null) rememberDecoded(e, m, key);
    out.set(key, m);
  }
  return out;
}

/** One entry's manager fields; undefined when the entry is invalid. */
function decodeEntry(e: ManagedFieldsEntry): ManagerFields | undefined {
  if ((e.operation !== "Apply" && e.operation !== "Update") || !e.apiVersion || e.fieldsType !== "FieldsV1") return undefined;
  const m: ManagerFields = { manager: e.manager ?? "", operation: e.operation, apiVersion: e.apiVersion, fields: (e.fieldsV1 as FieldSet | undefined) ?? {} };
  if (e.subresource) m.subresource = e.subresource;
  if (e.time) m.time = e.time;
  return m;
}

/** An interned entry decoded: its manager fields (frozen: shared by every decode of the entry) and their key. */
interface DecodedEntry {
  readonly key: string;
  readonly fields: ManagerFields;
}

/**
 * The decoded form of each entry {@link sharedEntry} built (null until it is first decoded; entries
 * of other origins are absent): decoding a stored object's entries again (every write to it)
 * builds no manager fields and no key strings.
 */
const decodedEntries = new WeakMap<ManagedFieldsEntry, DecodedEntry | null>();
/**
 * The interned entry of each such decoded form: a manager the write leaves as it was is encoded
 * as that entry again, which is what {@link sharedEntry} would find or build for it (equal members).
 */
const entriesOfDecoded = new WeakMap<ManagerFields, ManagedFieldsEntry>();

/** Remembers `m` (frozen), keyed `key`, as the decoded form of `e`, an entry built by {@link sharedEntry}. */
function rememberDecoded(e: ManagedFieldsEntry, m: ManagerFields, key: string): void {
  Object.freeze(m);
  decodedEntries.set(e, { key, fields: m });
  entriesOfDecoded.set(m, e);
}

/** Encodes manager sets as `metadata.managedFields`, sorted as apiserver sorts them. */
export function encodeManagedFields(managers: Iterable<ManagerFields>): ManagedFieldsEntry[] {
  const entries = sortingEntries;
  let n = 0;
  for (const m of managers) {
    if (isEmptySet(m.fields)) continue;
    entries[n++] = entriesOfDecoded.get(m) ?? sharedEntry(m.manager, m.operation, m.apiVersion, m.time, m.subresource, m.fields);
  }
  // Insertion sort, stable as Array.prototype.sort (whose work array was a measurable part of every write's garbage): a few entries.
  for (let i = 1; i < n; i++) {
    const e = entries[i]!;
    let j = i;
    for (; j > 0 && compareEntries(entries[j - 1]!, e) > 0; j--) entries[j] = entries[j - 1]!;
    entries[j] = e;
  }
  // A copy of exactly its entries; the work list lets go of them.
  const out = entries.slice(0, n) as ManagedFieldsEntry[];
  for (let i = 0; i < n; i++) entries[i] = undefined;
  return out;
}

/** The list {@link encodeManagedFields} sorts in, reused (it keeps its room; what it returns is an exact copy). */
const sortingEntries: (ManagedFieldsEntry | undefined)[] = [];

/** apiserver's order of managedFields entries: operation, time (seconds), manager, apiVersion, subresource. */
function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return cmp(p.operation, q.operation) || compareTimes(p.time, q.time) || cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource);
}

/** Whole seconds of two entry times compared; the server's own `YYYY-MM-DDTHH:MM:SSZ` strings compare as text. */
function compareTimes(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a?.length === 20 && b?.length === 20 && a.charCodeAt(19) === 90 && b.charCodeAt(19) === 90) return a < b ? -1 : 1;
  return entrySeconds(a) - entrySeconds(b);
}

function entrySeconds(t: string | undefined): number {
  return t ? Math.floor(Date.parse(t) / 1000) : 0;
}

/**
 * Interned managed fields. Objects from the store are immutable, so equal field sets and equal
 * entries are shared between objects instead of copied into each: every pod of a ReplicaSet, every
 * status a kubelet writes and every event of one kind carries the same sets, and entries written
 * in the same second by the same manager are equal too (memory per pod is a target). Bounded:
 * the tables start over when full.
 */
const INTERN_LIMIT = 2048;
/**
 * Field sets by a 32-bit hash of their members (key order aside), each with a small id. Interned
 * sets are in FieldsV1 order, as upstream serialises them (every node as {@link fieldsV1Node}
 * makes it), whatever order the set they were made from had: they are what `managedFields`
 * entries hold. Their FieldsV1 JSON is neither built nor kept (a kubelet's status set names the
 * pod's IP, so each pod has its own, ~1 KB of JSON beside the set); a hit is confirmed by
 * comparing the sets, and a colliding set replaces the one it collided with.
 */
const setsByHash = new Map<number, SharedSet>();
/** An interned set (in FieldsV1 order) and its id. */
interface SharedSet {
  readonly set: FieldSet;
  readonly id: number;
}
/** The interned set of a set already interned or seen (itself, or an equal set in another order), so it is not hashed again. */
const sharedSets = new WeakMap<FieldSet, SharedSet>();
let nextSetId = 1;
/** Interned entries by their set's id (few per set: its managers and the seconds they wrote in). */
let entriesBySet = new Map<number, ManagedFieldsEntry[]>();
let internedEntries = 0;
/** Entries kept per set: one per manager and second written in, the oldest dropped first. */
const ENTRIES_PER_SET = 8;
/** The single-entry list of a create, by its (interned) entry. */
let createLists = new WeakMap<ManagedFieldsEntry, ManagedFieldsEntry[]>();

/**
 * Nodes of interned sets by their hash: a new set is rebuilt from shared equal subtrees, so the
 * parts every pod's status set has alike (its conditions, its containers' statuses) are one object
 * and only what names the pod (its IPs) is its own. Bounded like the tables above.
 */
const nodesByHash = new Map<number, FieldSet>();
/**
 * The hash of each node {@link sharedNode} returned (interned nodes), cleared with the table above:
 * a set derived from interned sets (a manager losing a change's fields, the writer taking them)
 * shares all but the paths that changed, so hashing and interning it walks those paths only.
 */
const nodeHashes = new Map<FieldSet, number>();
const NODE_LIMIT = 8192;

/** The interned set equal to `set`, in FieldsV1 order (interned now when there is none). */
function sharedFieldSet(set: FieldSet): SharedSet {
  const seen = sharedSets.get(set);
  if (seen !== undefined) return seen;
  const hash = hashFieldSet(set);
  const known = setsByHash.get(hash);
  if (known && sameFieldSet(known.set, set)) return known;
  const shared = sharedNode(set);
  // An equal root interned before (the table above started over since) keeps its id.
  let fresh = sharedSets.get(shared);
  if (fresh === undefined) {
    fresh = { set: shared, id: nextSetId++ };
    sharedSets.set(shared, fresh);
  }
  if (setsByHash.size >= INTERN_LIMIT) setsByHash.clear();
  setsByHash.set(hash, fresh);
  if (shared !== set) sharedSets.set(set, fresh);
  return fresh;
}

/** A write's change to field ownership: the fields it took (added or modified) and those it removed. */
interface OwnershipChange {
  readonly taken: FieldSet;
  readonly removed: FieldSet;
  /** Memo keys: {@link hashFieldSet} of each set, computed once (a hit is confirmed by comparing the sets). */
  takenHash: number | undefined;
  removedHash: number | undefined;
}

/** How a derived set is made from its base: a manager losing the change's fields, or the writer losing then taking them. */
type Derive = (base: FieldSet, change: OwnershipChange) => FieldSet;

/** Another manager's fields after the write: the taken and the removed fields are no longer theirs. */
function lose(base: FieldSet, change: OwnershipChange): FieldSet {
  return difference(base, change.taken, change.removed);
}

/**
 * The writer's fields after the write: its previous fields lose the change's, then it takes the
 * taken ones. (base − taken − removed) ∪ taken is (base − removed) ∪ taken: what the writer takes
 * again it keeps, so those paths are neither taken away nor rebuilt (a kubelet rewriting its
 * conditions keeps its interned nodes for them).
 */
function loseAndTake(base: FieldSet, change: OwnershipChange): FieldSet {
  return union(difference(base, change.removed), change.taken);
}

/** A set derived from a base: by which derivation and which change (with its hashes), and the interned result. */
interface DerivedSet {
  readonly derive: Derive;
  /** The change's hashes, computed when a later change to the same base is looked up (most bases are derived once). */
  takenHash: number | undefined;
  removedHash: number | undefined;
  readonly taken: FieldSet;
  readonly removed: FieldSet;
  readonly result: FieldSet;
}

/**
 * Sets derived from an interned set by a write's change (a manager losing the changed fields, the
 * writer taking them), by the set's id, then the derivation and the change's hashes (a hit confirmed
 * by comparing the change's sets): the same change to the same set (every
 * pod's kubelet writing the same status fields) gives the interned result without serializing
 * the whole result set again. The change's hashes are computed only when its base is derived again
 * (a kubelet's status set names its pod's IP, so each is derived once: no hash, no JSON).
 * A few per set (newest last), no key string built per write; bounded like the tables above.
 */
let derivedSets = new Map<number, DerivedSet[]>();
let derivedCount = 0;
/** Derived sets kept per base set, the oldest dropped first. */
const DERIVED_PER_SET = 8;

function derivedSet(base: FieldSet, derive: Derive, change: OwnershipChange): FieldSet {
  const id = sharedSets.get(base)?.id;
  if (id === undefined) return derive(base, change);
  let known = derivedSets.get(id);
  if (known) {
    // Hashed only when the base was derived before: a base derived once (a kubelet's status set names its pod) costs no hash.
    const takenHash = (change.takenHash ??= hashFieldSet(change.taken));
    const removedHash = (change.removedHash ??= hashFieldSet(change.removed));
    for (let i = known.length - 1; i >= 0; i--) {
      const d = known[i]!;
      if (d.derive !== derive) continue;
      if ((d.takenHash ??= hashFieldSet(d.taken)) === takenHash && (d.removedHash ??= hashFieldSet(d.removed)) === removedHash && sameFieldSet(d.taken, change.taken) && sameFieldSet(d.removed, change.removed)) return d.result;
    }
  }
  const derived = derive(base, change);
  const result = derived === base ? base : sharedFieldSet(derived).set;
  if (derivedCount >= INTERN_LIMIT) {
    derivedSets = new Map();
    derivedCount = 0;
    known = undefined;
  }
  const d: DerivedSet = { derive, takenHash: change.takenHash, removedHash: change.removedHash, taken: change.taken, removed: change.removed, result };
  if (!known) derivedSets.set(id, [d]);
  else if (known.push(d) > DERIVED_PER_SET) known.shift();
  derivedCount++;
  return result;
}

/** Whether no member of `set` is below a root field the change takes or removes: losing them leaves it as it is. */
function untouchedBy(set: FieldSet, change: OwnershipChange): boolean {
  // Path elements never name an Object.prototype member (they start with "f:", "k:", "v:" or "i:").
  for (const k in set) if (k in change.taken || k in change.removed) return false;
  return true;
}

/** The hash of the node {@link sharedNode} returned last (its callers fold it into their own). */
let sharedNodeHash = 0;
/** The keys and interned children of the nodes {@link sharedNode} is interning, each call's above its callers', up to {@link sharedTop}. */
const sharedKeys: string[] = [];
const sharedChildren: (FieldSet | undefined)[] = [];
let sharedTop = 0;

/** Whether interned `known` has exactly the `count` keys on the stack from `from`, each with the very child there (interned): the node they make equals it. */
function holdsChildren(known: FieldSet, from: number, count: number): boolean {
  let n = 0;
  for (const _ in known) n++;
  if (n !== count) return false;
  for (let i = from; i < from + count; i++) if (known[sharedKeys[i]!] !== sharedChildren[i]) return false;
  return true;
}

/**
 * `node` built from interned subtrees and in FieldsV1 order (itself when it already is), interned;
 * hashes as {@link hashFieldSet}, bottom-up. The hash ignores key order, so a node equal to an
 * interned one is found as it is: only a node seen for the first time is put in order.
 */
function sharedNode(node: FieldSet): FieldSet {
  const interned = nodeHashes.get(node);
  if (interned !== undefined) {
    sharedNodeHash = interned;
    return node;
  }
  // The children's interned nodes, on a stack shared by the nested calls (each above `from`): no copy of the node is built to find it interned.
  const from = sharedTop;
  let sum = 0;
  let replaced = false;
  for (const k in node) {
    const child = node[k]!;
    const shared = sharedNode(child);
    sum = (sum + memberHash(k, sharedNodeHash)) | 0;
    sharedKeys[sharedTop] = k;
    sharedChildren[sharedTop++] = shared;
    if (shared !== child) replaced = true;
  }
  const count = sharedTop - from;
  const hash = nodeHash(sum, count);
  const known = nodesByHash.get(hash);
  let built: FieldSet = node;
  if (known === undefined || !holdsChildren(known, from, count)) {
    if (replaced) {
      const out: Record<string, FieldSet> = {};
      for (let i = from; i < sharedTop; i++) out[sharedKeys[i]!] = sharedChildren[i]!;
      built = out;
    }
  } else built = known;
  for (let i = from; i < sharedTop; i++) sharedChildren[i] = undefined;
  sharedTop = from;
  sharedNodeHash = hash;
  if (known === built) return built;
  // Children are interned now, so comparing with an interned node stops at their identity.
  if (known && sameFieldSet(known, built)) return known;
  if (!isFieldsV1Node(built)) {
    const ordered = fieldsV1Node(built);
    // A lone `.` or keys of no known kind (a client's set) make another node: hashed as it is.
    if (!sameFieldSet(ordered, built)) return sharedNode(ordered);
    built = ordered;
  }
  if (nodesByHash.size >= NODE_LIMIT) {
    nodesByHash.clear();
    nodeHashes.clear();
  }
  nodesByHash.set(hash, built);
  nodeHashes.set(built, hash);
  return built;
}

/**
 * A hash of the set's members, whatever their key order: the sum of one mixed hash per key and
 * member (FNV-1a of the key, the member's own hash folded in), then the count (nothing allocated).
 */
function hashFieldSet(set: FieldSet): number {
  const interned = nodeHashes.get(set);
  if (interned !== undefined) return interned;
  let sum = 0;
  let count = 0;
  for (const k in set) {
    sum = (sum + memberHash(k, hashFieldSet(set[k]!))) | 0;
    count++;
  }
  return nodeHash(sum, count);
}

/** One key and its member's hash, mixed (murmur3's finalizer) so that their sum over a node spreads well. */
function memberHash(key: string, child: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ child, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function nodeHash(sum: number, count: number): number {
  return (Math.imul(sum ^ count, 0x01000193) ^ 0x811c9dc5) >>> 0;
}

/** Equal sets: the same keys, each with an equal member (key order aside: interned sets are put in order). */
function sameFieldSet(a: FieldSet, b: FieldSet): boolean {
  if (a === b) return true;
  // Members first (b has each of a's, equal), then as many keys.
  let count = 0;
  for (const k in a) {
    const bn = b[k];
    if (bn === undefined || !sameFieldSet(a[k]!, bn)) return false;
    count++;
  }
  for (const _ in b) if (--count < 0) return false;
  return count === 0;
}

/**
 * One `managedFields` entry, shared with equal entries written before: found among its set's
 * entries by comparing the other members (no key string is built per write).
 */
function sharedEntry(manager: string, operation: "Apply" | "Update", apiVersion: string, time: string | undefined, subresource: string | undefined, fields: FieldSet): ManagedFieldsEntry {
  const shared = sharedFieldSet(fields);
  let known = entriesBySet.get(shared.id);
  if (known) {
    // Newest first: a set is mostly written again in the latest second.
    for (let i = known.length - 1; i >= 0; i--) {
      const e = known[i]!;
      // Interned entries leave out empty time and subresource, as built below.
      if (e.manager === manager && e.operation === operation && e.apiVersion === apiVersion && e.time === (time || undefined) && e.subresource === (subresource || undefined)) return e;
    }
  }
  const e: ManagedFieldsEntry = { manager, operation, apiVersion };
  if (time) e.time = time;
  e.fieldsType = "FieldsV1";
  e.fieldsV1 = shared.set as object;
  if (subresource) e.subresource = subresource;
  decodedEntries.set(e, null);
  if (internedEntries >= INTERN_LIMIT) {
    entriesBySet = new Map();
    createLists = new WeakMap();
    internedEntries = 0;
    known = undefined;
  }
  if (!known) entriesBySet.set(shared.id, [e]);
  else if (known.push(e) > ENTRIES_PER_SET) known.shift();
  internedEntries++;
  return e;
}

/**
 * The sets of a kind's latest creates (most recent first): creates come in streams of one shape
 * (a ReplicaSet's pods, a component's events), so a fresh set is usually equal to one of these —
 * found by walking both, which costs less than serializing the set to intern it.
 */
const recentCreateSets = new WeakMap<TypeMeta, FieldSet[]>();
const RECENT_CREATE_SETS = 4;

/** The set of a recent create of the kind that `obj` sets exactly (what {@link createdFieldSet} would build), if any. */
function recentCreateSetOf(meta: TypeMeta, shape: ZeroShape | undefined, obj: JsonObject): FieldSet | undefined {
  const recent = recentCreateSets.get(meta);
  if (recent) for (const known of recent) if (createdFieldsMatch(obj, meta, shape, known, untrackedByMain, isUntrackedMetadata)) return known;
  return undefined;
}

/**
 * Remembers `fields`, built from a create's object, as the kind's latest create set; the entries hold
 * its interned set, in FieldsV1 order.
 */
function rememberCreateSet(meta: TypeMeta, fields: FieldSet): void {
  let recent = recentCreateSets.get(meta);
  if (!recent) recentCreateSets.set(meta, (recent = []));
  const i = recent.indexOf(fields);
  if (i === 0) return;
  if (i > 0) recent.splice(i, 1);
  recent.unshift(fields);
  if (recent.length > RECENT_CREATE_SETS) recent.pop();
}

/** The single-entry list of a create, shared with equal lists (same manager, version, second and fields). */
function sharedCreateEntries(manager: string, apiVersion: string, time: string, fields: FieldSet, meta: TypeMeta): ManagedFieldsEntry[] {
  rememberCreateSet(meta, fields);
  const e = sharedEntry(manager, "Update", apiVersion, time, undefined, fields);
  let list = createLists.get(e);
  if (!list) createLists.set(e, (list = [e]));
  return list;
}

function cmp(a = "", b = ""): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kubernetes' timestamp format: RFC 3339, seconds precision, UTC. */
export function formatTime(now: Date): string {
  return rfc3339(now.getTime());
}

export interface UpdateManagedFieldsOptions {
  manager: string;
  operation?: "Update";
  subresource?: string;
  now: Date;
  /** Kind for the patch meta; defaults to newObj.kind. */
  kind?: string;
  /** The patch meta itself (a custom resource's, from its schema); wins over `kind`. */
  meta?: TypeMeta;
}

/**
 * Records an ordinary write (create/update/patch) in `metadata.managedFields`, as apiserver's
 * FieldManager.Update does: the fields this write added or changed become the manager's (its
 * entry's time is set), other managers lose them, and every manager loses removed fields.
 * Managed fields set by the client in `newObj` are honoured (an empty list resets them), except on
 * subresources. Returns `newObj` copied along `metadata` only; cost is proportional to the paths
 * that changed when `newObj` shares unchanged subtrees with `oldObj`.
 */
export function updateManagedFields<T extends KubeObject>(oldObj: T | undefined, newObj: T, options: UpdateManagedFieldsOptions): T {
  return withManagedFields(newObj, managedFieldsAfterUpdate(oldObj, newObj, options), oldObj?.metadata?.managedFields);
}

/**
 * The `metadata.managedFields` entries {@link updateManagedFields} would set, without copying the
 * object: for callers that own a draft and set the entries themselves (the API server). Unchanged
 * ownership returns the old entries themselves.
 */
export function managedFieldsAfterUpdate(oldObj: KubeObject | undefined, newObj: KubeObject, options: UpdateManagedFieldsOptions): ManagedFieldsEntry[] {
  const meta = options.meta ?? trackingMetaFor(options.kind ?? newObj.kind ?? "");
  const apiVersion = newObj.apiVersion ?? oldObj?.apiVersion ?? "";
  const oldEntries = oldObj?.metadata?.managedFields;
  const newEntries = newObj.metadata?.managedFields;
  const shape = trackingShapeFor(newObj, options.meta);
  if (!oldObj && !options.subresource && (newEntries === undefined || newEntries.length === 0)) return createEntries(newObj, options, meta, apiVersion, shape);
  let managers: Map<string, ManagerFields>;
  let managersFromOld = false;
  if (!options.subresource && newEntries !== oldEntries && newEntries !== undefined) {
    managers = newEntries.length === 0 ? new Map() : decodeManagedFields(newEntries);
    if (newEntries.length > 0 && managers.size === 0) managers = decodeManagedFields(oldEntries);
  } else {
    managers = decodeManagedFields(oldEntries);
    managersFromOld = true;
  }

  if (!oldObj && !options.subresource && managers.size === 0) return createEntries(newObj, options, meta, apiVersion, shape);
  const changes = trackedTakes((oldObj ?? NO_OBJECT) as JsonObject, newObj as JsonObject, meta, options.subresource, shape);
  const taken = changes.taken;
  if (isEmptySet(taken) && isEmptySet(changes.removed) && managersFromOld) {
    // Nothing tracked changed: keep the entries as they are (the common no-op / untracked write).
    return (oldEntries as ManagedFieldsEntry[] | undefined) ?? [];
  }
  const change: OwnershipChange = { taken, removed: changes.removed, takenHash: undefined, removedHash: undefined };
  const tookAny = !isEmptySet(taken);
  const selfKey = tookAny ? updateKeyOf(options.manager, options.subresource, apiVersion) : undefined;
  // forEach, not for-of: no entry array per manager.
  managers.forEach((m, key) => {
    // The writer's own entry is derived below, in one step; managers owning nothing under the changed root fields keep their sets.
    if (key === selfKey || untouchedBy(m.fields, change)) return;
    const fields = derivedSet(m.fields, lose, change);
    if (fields !== m.fields) managers.set(key, { ...m, fields });
  });
  if (selfKey !== undefined) {
    const previous = managers.get(selfKey);
    const self: ManagerFields = { manager: options.manager, operation: "Update", apiVersion, fields: previous ? derivedSet(previous.fields, loseAndTake, change) : taken, time: formatTime(options.now) };
    if (options.subresource) self.subresource = options.subresource;
    managers.set(selfKey, self);
  }
  const entries = encodeManagedFields(managers.values());
  return oldEntries && jsonEqual(oldEntries, entries) ? (oldEntries as ManagedFieldsEntry[]) : entries;
}

/** A create with no prior owners: the writer owns every tracked field it set. */
function createEntries(newObj: KubeObject, options: UpdateManagedFieldsOptions, meta: TypeMeta, apiVersion: string, shape: ZeroShape | undefined): ManagedFieldsEntry[] {
  const fields = recentCreateSetOf(meta, shape, newObj as JsonObject) ?? createdFieldSet(newObj as JsonObject, meta, shape);
  if (isEmptySet(fields)) return [];
  return sharedCreateEntries(options.manager, apiVersion, formatTime(options.now), fields, meta);
}

/** `obj` with `metadata.managedFields` set (reusing `previous` when equal, absent when empty). */
export function withManagedFields<T extends KubeObject>(obj: T, entries: ManagedFieldsEntry[], previous?: ManagedFieldsEntry[]): T {
  const value = previous && jsonEqual(previous, entries) ? previous : entries;
  if (obj.metadata?.managedFields === value) return obj;
  const metadata = { ...(obj.metadata ?? {}) };
  if (value.length > 0) metadata.managedFields = value;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}
