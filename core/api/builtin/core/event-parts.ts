import type { Event, EventSource, ObjectReference } from "kubernetes-types/core/v1.js";

/**
 * Equal `source` and `involvedObject` members of created Events, shared between them. Stored
 * objects are immutable, so one copy can stand for all equal ones (as managedFields entries are
 * shared): a component's Events repeat its source, and the Events about one object (a pod's
 * Scheduled, Pulled, Created, Started) mostly repeat its reference. Equal means the same members
 * with the same values in the same order (the JSON served is unchanged). Bounded: each table is
 * dropped when it grows past its limit.
 */
const SOURCE_LIMIT = 4096;
const REFERENCE_LIMIT = 16_384;

/** component → host ("" for none) → the shared source. */
let sources = new Map<string, Map<string, Readonly<EventSource>>>();
let sourceCount = 0;
/** uid → the latest shared reference to the object with that uid, with its member names in order. */
let references = new Map<string, { ref: Readonly<ObjectReference>; order: KeyOrder }>();

/** Replaces `ev.source` and `ev.involvedObject` (a draft's own copies) by shared equal ones, or makes them the shared ones. */
export function shareEventParts(ev: Event): void {
  const source = ev.source;
  if (source) {
    const shared = sharedSource(source);
    if (shared !== source) ev.source = shared;
  }
  const ref = ev.involvedObject;
  if (ref) {
    const shared = sharedReference(ref);
    if (shared !== ref) ev.involvedObject = shared;
  }
}

const SOURCE_KEYS: readonly string[] = ["component"];
const SOURCE_WITH_HOST_KEYS: readonly string[] = ["component", "host"];

function sharedSource(source: EventSource): EventSource {
  const { component, host } = source;
  if (typeof component !== "string" || (host !== undefined && typeof host !== "string")) return source;
  if (!hasKeys(source, host === undefined ? SOURCE_KEYS : SOURCE_WITH_HOST_KEYS)) return source;
  let byHost = sources.get(component);
  const known = byHost?.get(host ?? "");
  if (known) return known.host === host ? known : source;
  if (sourceCount >= SOURCE_LIMIT) {
    sources = new Map();
    sourceCount = 0;
    byHost = undefined;
  }
  if (!byHost) sources.set(component, (byHost = new Map()));
  byHost.set(host ?? "", source);
  sourceCount++;
  return source;
}

function sharedReference(ref: ObjectReference): ObjectReference {
  const uid = ref.uid;
  if (typeof uid !== "string" || uid === "") return ref;
  const known = references.get(uid);
  if (known && sameMembers(ref, known.ref, known.order)) return known.ref;
  for (const k in ref) if (typeof (ref as Record<string, unknown>)[k] !== "string") return ref;
  if (!known && references.size >= REFERENCE_LIMIT) references = new Map();
  references.set(uid, { ref, order: keyOrder(ref) });
  return ref;
}

/** Member names in one order, and whether all are ObjectReference's own (then compared by name, not by a keyed loop). */
interface KeyOrder {
  readonly keys: readonly string[];
  readonly standard: boolean;
}

/** ObjectReference's members (core/v1). */
const REFERENCE_MEMBERS: ReadonlySet<string> = new Set(["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]);

/** Member names in the orders seen (references are built by a few writers, each always in one order). */
let keyOrders: KeyOrder[] = [];
const KEY_ORDER_LIMIT = 64;

/** `obj`'s member names, shared with earlier objects of that order. */
function keyOrder(obj: object): KeyOrder {
  for (const order of keyOrders) if (hasKeys(obj, order.keys)) return order;
  if (keyOrders.length >= KEY_ORDER_LIMIT) keyOrders = [];
  const keys = Object.keys(obj);
  const order = { keys, standard: keys.every((k) => REFERENCE_MEMBERS.has(k)) };
  keyOrders.push(order);
  return order;
}

/** Whether `obj` has exactly `keys` as members, in that order. */
function hasKeys(obj: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in obj) if (k !== keys[i++]) return false;
  return i === keys.length;
}

/**
 * Whether `a` has exactly `b`'s members (`order`), in that order, with the values `b` has. When
 * they are all ObjectReference's own, the values are compared member by member by name: a member
 * neither has is undefined in both.
 */
function sameMembers(a: ObjectReference, b: ObjectReference, order: KeyOrder): boolean {
  if (!hasKeys(a, order.keys)) return false;
  if (order.standard) {
    return a.uid === b.uid && a.name === b.name && a.resourceVersion === b.resourceVersion && a.fieldPath === b.fieldPath && a.namespace === b.namespace && a.kind === b.kind && a.apiVersion === b.apiVersion;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k of order.keys) if (x[k] !== y[k]) return false;
  return true;
}
