import { cloneJson } from "../api/clone.js";
import type { KubeObject } from "../api/object.js";

/** ObjectMeta without kubernetes-types' readonly markers: the server writes the system fields. */
export type MutableMeta = { -readonly [K in keyof NonNullable<KubeObject["metadata"]>]: NonNullable<KubeObject["metadata"]>[K] };

/** The API server's private, mutable copy of an object being written. */
export interface Draft extends KubeObject {
  metadata: MutableMeta;
}

/**
 * A private, mutable copy of an object (inputs from callers and the store are never mutated).
 * `metadata.managedFields` that are the `stored` object's own are shared, not copied: entries are
 * never changed in place (the field manager replaces the list), and the stored ones are immutable.
 */
export function draftOf(obj: KubeObject, stored?: KubeObject): Draft {
  const copy = {} as Draft;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) continue;
    copy[key] = key === "metadata" ? metaCopy(value as KubeObject["metadata"], stored) : cloneJson(value);
  }
  if (!copy.metadata) copy.metadata = {};
  return copy;
}

/** A private copy of `meta`, sharing its managedFields when they are the stored object's. */
function metaCopy(meta: KubeObject["metadata"], stored: KubeObject | undefined): MutableMeta {
  const managed = meta?.managedFields;
  if (managed === undefined || managed !== stored?.metadata?.managedFields) return cloneJson(meta) as MutableMeta;
  const out: Record<string, unknown> = {};
  for (const key in meta) {
    const value = (meta as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = key === "managedFields" ? value : cloneJson(value);
  }
  return out as MutableMeta;
}

/**
 * A draft sharing every field but `metadata` with `obj` (stored objects are immutable): for writes
 * that change only metadata and replace any other top-level field they touch wholesale, never
 * mutating inside it (binding, marking for deletion). No deep copy.
 */
export function shallowDraft(obj: KubeObject): Draft {
  return { ...obj, metadata: { ...obj.metadata } } as Draft;
}

/** The resourceVersion a write pinned (a precondition), if any. */
export function pinnedVersion(obj: KubeObject): string | undefined {
  const rv = obj.metadata?.resourceVersion;
  return rv ? rv : undefined;
}

/** Fields of metadata the server owns: a write may not change them. */
export function keepSystemMeta(draft: Draft, current: KubeObject): void {
  const cur = current.metadata ?? {};
  const m = draft.metadata;
  m.uid = cur.uid;
  m.creationTimestamp = cur.creationTimestamp;
  m.resourceVersion = cur.resourceVersion;
  if (cur.generation !== undefined) m.generation = cur.generation;
  else delete m.generation;
  if (cur.deletionTimestamp) m.deletionTimestamp = cur.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (cur.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (cur.generateName !== undefined && m.generateName === undefined) m.generateName = cur.generateName;
  // Shared: entries are never changed in place (the field manager replaces the list).
  if (m.managedFields === undefined && cur.managedFields) m.managedFields = cur.managedFields;
}

/**
 * The draft of a `/status` write (a PUT body or a patched object): its metadata and status
 * copied, every other field left shared (keepAllButStatus replaces them with the stored object's).
 * ManagedFields that are the `stored` object's are shared (see draftOf).
 */
export function statusDraftOf(body: KubeObject, stored?: KubeObject): Draft {
  const b = body as KubeObject & { status?: unknown };
  const draft = { ...body, metadata: metaCopy(body.metadata ?? {}, stored) } as Draft & { status?: unknown };
  if (b.status !== undefined) draft.status = cloneJson(b.status);
  return draft;
}

/** `/status` writes change status (and labels/annotations) only: everything else comes from the current object. */
export function keepAllButStatus(draft: Draft, current: KubeObject): void {
  const d = draft as Draft & Record<string, unknown>;
  const c = current as KubeObject & Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== "metadata" && k !== "status" && !(k in c)) delete d[k];
  // Shared with the stored (immutable) object, not copied: a status write never changes them.
  for (const [k, v] of Object.entries(c)) if (k !== "metadata" && k !== "status") d[k] = v;
  const cur = current.metadata ?? {};
  const meta = draft.metadata;
  if (cur.finalizers) meta.finalizers = cur.finalizers;
  else delete meta.finalizers;
  if (cur.ownerReferences) meta.ownerReferences = cur.ownerReferences;
  else delete meta.ownerReferences;
}
