import { cloneJson, cloneSharing, reshared, withMember } from "../api/clone.js";
import { formatApiVersion, type KubeObject } from "../api/object.js";
import type { ResourceDescriptor } from "../api/resource.js";
import type { JsonObject } from "../api/patch/json-value.js";
import { asGoJson } from "../api/patch/go-json.js";
import { zeroShapeFor } from "../api/patch/zero-shape.js";

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

/**
 * A private copy of `meta`, sharing its managedFields when they are the stored object's; with
 * `shareStored`, every member that is the stored metadata's own member (labels, annotations,
 * ownerReferences... of a status write that did not touch them) is shared too.
 */
function metaCopy(meta: KubeObject["metadata"], stored: KubeObject | undefined, shareStored = false): MutableMeta {
  const base = stored?.metadata as Record<string, unknown> | undefined;
  const managed = meta?.managedFields;
  if (!shareStored && (managed === undefined || managed !== base?.["managedFields"])) return cloneJson(meta) as MutableMeta;
  const out: Record<string, unknown> = {};
  for (const key in meta) {
    const value = (meta as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const own = base !== undefined && value === base[key] && (shareStored || key === "managedFields");
    out[key] = own ? value : cloneJson(value);
  }
  return out as MutableMeta;
}

/**
 * A draft sharing every field but `metadata` with `obj` (stored objects are immutable): for writes
 * that change only metadata and replace any other top-level field they touch wholesale, never
 * mutating inside it (binding, marking for deletion). No deep copy.
 */
export function shallowDraft(obj: KubeObject): Draft {
  return withMember(obj, "metadata", { ...obj.metadata }) as Draft;
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
 * The draft of a `/status` write (a PUT body or a patched object): its metadata copied, every
 * other field left shared (keepAllButStatus replaces them with the stored object's). Its status is
 * a fresh object whose members are copies of the body's, except where they equal the `stored`
 * status's (at any depth): those are the stored ones, so a status write costs what it changes in
 * the comparisons after it (field tracking, no-op detection, watchers). Its metadata is a fresh
 * object whose members that are the `stored` metadata's own (labels, annotations, ownerReferences,
 * finalizers, managedFields a status write left alone) are shared, the others copied. Status hooks
 * (prepareForStatusUpdate, subresource prepares) and admission replace members of `status` and of
 * `metadata` at most, never write below them (test/apiserver/shared-drafts.test.ts freezes stored
 * objects to hold them to it).
 */
export function statusDraftOf(body: KubeObject, stored?: KubeObject): Draft {
  const b = body as KubeObject & { status?: unknown };
  const draft = withMember(body, "metadata", metaCopy(body.metadata ?? {}, stored, true)) as Draft & { status?: unknown };
  if (b.status !== undefined) {
    const base = (stored as { status?: unknown } | undefined)?.status;
    const status = cloneSharing(b.status, base);
    draft.status = status === base && isObject(status) ? { ...status } : status;
  }
  return draft;
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `/status` writes change status (and labels/annotations) only: everything else comes from the current object. */
export function keepAllButStatus(draft: Draft, current: KubeObject): void {
  const d = draft as Draft & Record<string, unknown>;
  const c = current as KubeObject & Record<string, unknown>;
  // for-in loops (deleting a member not yet visited is allowed): no key or entry arrays per write.
  for (const k in d) if (k !== "metadata" && k !== "status" && !(k in c)) delete d[k];
  // Shared with the stored (immutable) object, not copied: a status write never changes them.
  for (const k in c) if (k !== "metadata" && k !== "status") d[k] = c[k];
  const cur = current.metadata ?? {};
  const meta = draft.metadata;
  if (cur.finalizers) meta.finalizers = cur.finalizers;
  else delete meta.finalizers;
  if (cur.ownerReferences) meta.ownerReferences = cur.ownerReferences;
  else delete meta.ownerReferences;
}

/**
 * After an update's hooks (defaults, mutating admission, prepareForUpdate) have written the draft:
 * every field (and metadata member but managedFields) deep-equal to the stored object's is made
 * the stored one, at any depth (see {@link reshared}), so what follows costs what the write
 * changed: generation and no-op checks, field tracking, update validation, watchers comparing
 * versions — and the stored versions share the unchanged parts. Nothing may write into the draft
 * below its top-level fields and metadata's members afterwards.
 */
export function reshareWithStored(draft: Draft, current: KubeObject): void {
  reshareMembers(draft as Record<string, unknown>, current as Record<string, unknown>, "metadata");
  reshareMembers(draft.metadata as Record<string, unknown>, (current.metadata ?? {}) as Record<string, unknown>, "managedFields");
}

/** Replaces each object member of `obj` (but `skip`) by {@link reshared} with `base`'s member of that name. */
function reshareMembers(obj: Record<string, unknown>, base: Record<string, unknown>, skip: string): void {
  for (const key in obj) {
    if (key === skip) continue;
    const value = obj[key];
    if (typeof value !== "object" || value === null) continue;
    const shared = reshared(value, base[key]);
    if (shared !== value) obj[key] = shared;
  }
}

/**
 * Puts a draft of a built-in kind in the form its Go type gives it back, as kube-apiserver stores
 * it (core/api/patch/go-json.ts: `resources: {}`, a template's `creationTimestamp: null`, no
 * `unavailableReplicas: 0`). The type is the endpoint's (`d`), whatever the body says. Subtrees
 * that are `old`'s own (the stored object's) are not walked.
 */
export function toGoForm(draft: Draft, d: ResourceDescriptor, old?: KubeObject): void {
  const out = inGoForm(draft, d, old);
  if (out === draft) return;
  for (const k of Object.keys(draft)) if (!(k in out)) delete draft[k];
  for (const k in out) draft[k] = out[k];
}

/**
 * As {@link toGoForm}, returning the draft in Go form instead of writing it back: the draft itself
 * when it already is in that form, else a new draft (members in the same order the write-back
 * leaves them) sharing what did not change. For a writer that can take the result in place of
 * its draft, such as a create (an Event's `eventTime: null`, dropped when its body was decoded,
 * comes back here), which then pays no copy back.
 */
export function inGoForm(draft: Draft, d: ResourceDescriptor, old?: KubeObject): Draft {
  const shape = zeroShapeFor(formatApiVersion(d.group, d.version), d.kind);
  return shape === undefined ? draft : (asGoJson(draft as JsonObject, shape, old) as Draft);
}
