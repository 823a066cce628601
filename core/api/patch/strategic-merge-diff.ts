import { badRequest } from "../status.js";
import { firstNonNull, isPlainObject, jsonEqual, jsonEqualIgnoringNulls, type JsonObject } from "./json-value.js";
import { patchStructFor, type PatchField, type PatchStruct } from "./patch-strategy.js";
import { unprocessablePatch } from "./patch-errors.js";
import { DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, RETAIN_KEYS, SET_ELEMENT_ORDER } from "./patch-directives.js";

/** The annotation kubectl apply keeps the last applied configuration in. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** Options of {@link createStrategicMergePatch}. */
export interface TwoWayPatchOptions {
  /**
   * Both documents are typed objects as `json.Marshal` of one Go type would make them: a null
   * member and a missing one are the same (a stored object has its nulls dropped; one built
   * afresh may carry Go's null for an unset always-present field, such as a condition's
   * `lastProbeTime`). Set it to diff an object read back from the API against a new version of it.
   */
  nullIsUnset?: boolean;
}

interface DiffOptions extends TwoWayPatchOptions {
  ignoreDeletions?: boolean;
  ignoreChangesAndAdditions?: boolean;
  setElementOrder?: boolean;
  buildRetainKeys?: boolean;
}

/**
 * The two-way strategic merge patch from `original` to `modified` (apimachinery's
 * CreateTwoWayMergePatch): changed fields, null for removed fields, merge lists as additions plus
 * `$patch: delete` items / `$deleteFromPrimitiveList`, and `$setElementOrder` when order or
 * content changed. Kinds without patch meta get a JSON merge patch (lists replaced whole).
 */
export function createStrategicMergePatch(original: unknown, modified: unknown, kind: string, options: TwoWayPatchOptions = {}): JsonObject {
  return diffMaps(asObject(original), asObject(modified), patchStructFor(kind), { setElementOrder: true, nullIsUnset: options.nullIsUnset });
}

/**
 * The three-way patch kubectl apply sends (CreateThreeWayMergePatch with overwrite): additions and
 * changes from `current` to `modified`, plus deletions of what `lastApplied` had and `modified`
 * no longer has — fields set by others since are left alone.
 */
export function createThreeWayStrategicMergePatch(lastApplied: unknown, modified: unknown, current: unknown, kind: string): JsonObject {
  const meta = patchStructFor(kind);
  const delta = diffMaps(asObject(current), asObject(modified), meta, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffMaps(asObject(lastApplied), asObject(modified), meta, { ignoreChangesAndAdditions: true, setElementOrder: true });
  return mergePatches(deletions, delta, meta);
}

/**
 * `obj` with the last-applied-configuration annotation set to its own JSON (without that
 * annotation), as kubectl apply writes it on create and update.
 */
export function withLastAppliedAnnotation<T extends { metadata?: { annotations?: Record<string, string> } }>(obj: T): T {
  const annotations = { ...(obj.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const metadata = { ...(obj.metadata ?? {}) } as NonNullable<T["metadata"]>;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const config = JSON.stringify({ ...obj, metadata });
  return { ...obj, metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${config}\n` } } };
}

function asObject(v: unknown): JsonObject {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw badRequest("invalid JSON document");
  return v;
}

function diffMaps(original: JsonObject, modified: JsonObject, meta: PatchStruct | undefined, opts: DiffOptions): JsonObject {
  // for-in loops and flags, not entry/key arrays: this runs for every map of every diff (the kubelet diffs each status write).
  const patch: JsonObject = {};
  let changed = false;
  let added = false;
  let retainKeys: string[] | undefined;
  const originalIsObject = typeof original === "object";
  const modifiedIsObject = typeof modified === "object";
  for (const key in modified) {
    const mod = modified[key];
    if (opts.buildRetainKeys && mod !== null) (retainKeys ??= []).push(key);
    const orig = original[key];
    // A defined member of an object needs no `in` lookup to be known present (for other values, as a malformed list item may be, `in` throws as it did).
    const present = (orig !== undefined && originalIsObject) || key in original;
    if (opts.nullIsUnset) {
      const origUnset = orig === null || orig === undefined;
      const modUnset = mod === null || mod === undefined;
      if (origUnset || modUnset) {
        if (!present) added = true;
        if (!origUnset && !opts.ignoreDeletions) {
          patch[key] = null;
          changed = true;
        } else if (!modUnset && !opts.ignoreChangesAndAdditions) {
          patch[key] = mod;
          changed = true;
        }
        continue;
      }
    }
    if (!present) {
      added = true;
      if (!opts.ignoreChangesAndAdditions) {
        patch[key] = mod;
        changed = true;
      }
      continue;
    }
    if (key === DIRECTIVE) {
      if (orig !== mod) {
        patch[key] = mod;
        changed = true;
      }
      continue;
    }
    if (!sameKind(orig, mod)) {
      if (!opts.ignoreChangesAndAdditions) {
        patch[key] = mod;
        changed = true;
      }
      continue;
    }
    // The field's patch meta is looked up for maps and lists only (scalars, most members, need none).
    if (isPlainObject(orig)) {
      const fm = meta?.fields.get(key);
      if (fm?.replace) {
        if (!opts.ignoreChangesAndAdditions && !equal(orig, mod, opts)) {
          patch[key] = mod;
          changed = true;
        }
        continue;
      }
      const sub = diffMaps(orig, mod as JsonObject, fm?.type, optionsFor(fm, opts));
      if (!isEmpty(sub)) {
        patch[key] = sub;
        changed = true;
      }
    } else {
      const fm = Array.isArray(orig) ? meta?.fields.get(key) : undefined;
      if (fm?.merge) {
        if (diffListField(key, orig as unknown[], mod as unknown[], fm, patch, optionsFor(fm, opts))) changed = true;
      } else if (!opts.ignoreChangesAndAdditions && !equal(orig, mod, opts)) {
        patch[key] = mod;
        changed = true;
      }
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key in original) {
      if ((modifiedIsObject && modified[key] !== undefined) || key in modified) continue;
      if (opts.nullIsUnset && (original[key] === null || original[key] === undefined)) continue;
      patch[key] = null;
      changed = true;
    }
  }
  if (retainKeys && (changed || added)) patch[RETAIN_KEYS] = retainKeys.sort();
  return patch;
}

/** The options for a field's value: `opts` itself unless the field's `$retainKeys` setting differs (no copy per map). */
function optionsFor(fm: PatchField | undefined, opts: DiffOptions): DiffOptions {
  const retain = !!fm?.retainKeys;
  return retain === !!opts.buildRetainKeys ? opts : { ...opts, buildRetainKeys: retain };
}

function isEmpty(obj: JsonObject): boolean {
  for (const _ in obj) return false;
  return true;
}

/** Adds the list field's part of the patch to `patch`; true when it added anything. */
function diffListField(key: string, original: unknown[], modified: unknown[], fm: PatchField, patch: JsonObject, opts: DiffOptions): boolean {
  if (original.length === 0) {
    if (modified.length > 0 && !opts.ignoreChangesAndAdditions) {
      patch[key] = modified;
      return true;
    }
    return false;
  }
  const sample = firstNonNull(original) ?? firstNonNull(modified);
  if (Array.isArray(sample)) throw unprocessablePatch("lists of lists are not supported");
  let changed = false;
  if (isPlainObject(sample)) {
    const mergeKey = fm.mergeKey;
    const [changes, deletions] = diffListsOfMaps(original as JsonObject[], modified as JsonObject[], fm.type, mergeKey, opts);
    // Changes come in modified's order already; only repeated keys (the last one's place wins) can move them.
    if (changes.length > 1 && hasRepeatedKey(modified as JsonObject[], mergeKey)) {
      const order = new Map(modified.map((m, i) => [String((m as JsonObject)[mergeKey]), i]));
      changes.sort((a, b) => (order.get(String(a[mergeKey])) ?? 0) - (order.get(String(b[mergeKey])) ?? 0));
    }
    const list = deletions.length > 0 ? [...changes, ...deletions] : changes;
    let orderSame = original.length === modified.length;
    for (let i = 0; orderSame && i < original.length; i++) orderSame = (original[i] as JsonObject)[mergeKey] === (modified[i] as JsonObject)[mergeKey];
    if (list.length > 0) {
      patch[key] = list;
      changed = true;
    }
    if (opts.setElementOrder && ((!opts.ignoreChangesAndAdditions && (list.length > 0 || !orderSame)) || (!opts.ignoreDeletions && list.length > 0))) {
      patch[SET_ELEMENT_ORDER + key] = modified.map((m) => ({ [mergeKey]: (m as JsonObject)[mergeKey] }));
      changed = true;
    }
    return changed;
  }
  const before = new Set(original.map(String));
  const after = new Set(modified.map(String));
  const additions = opts.ignoreChangesAndAdditions ? [] : modified.filter((v, i) => !before.has(String(v)) && modified.findIndex((w) => String(w) === String(v)) === i);
  const deletions = opts.ignoreDeletions ? [] : [...new Map(original.filter((v) => !after.has(String(v))).map((v) => [String(v), v])).values()].sort(byString);
  if (additions.length > 0) {
    patch[key] = additions;
    changed = true;
  }
  if (deletions.length > 0) {
    patch[DELETE_FROM_PRIMITIVE_LIST + key] = deletions;
    changed = true;
  }
  if (opts.setElementOrder && ((!opts.ignoreDeletions && deletions.length > 0) || (!opts.ignoreChangesAndAdditions && !jsonEqual(original, modified)))) {
    patch[SET_ELEMENT_ORDER + key] = modified;
    changed = true;
  }
  return changed;
}

/** Lists up to this long are searched item by item for a merge key: cheaper than building maps of them. */
const SMALL_LIST = 16;

function diffListsOfMaps(original: JsonObject[], modified: JsonObject[], meta: PatchStruct | undefined, mergeKey: string, opts: DiffOptions): [JsonObject[], JsonObject[]] {
  const changes: JsonObject[] = [];
  const deletions: JsonObject[] = [];
  const small = original.length <= SMALL_LIST && modified.length <= SMALL_LIST;
  const before = small ? undefined : new Map(original.map((o) => [String(o[mergeKey]), o]));
  for (const mod of modified) {
    const orig = before ? before.get(String(mod[mergeKey])) : lastWithKey(original, mergeKey, String(mod[mergeKey]));
    if (!orig) {
      if (!opts.ignoreChangesAndAdditions) changes.push(mod);
      continue;
    }
    const sub = diffMaps(orig, mod, meta, opts);
    if (!isEmpty(sub)) {
      sub[mergeKey] = mod[mergeKey];
      changes.push(sub);
    }
  }
  if (!opts.ignoreDeletions) {
    const after = small ? undefined : new Set(modified.map((m) => String(m[mergeKey])));
    const gone = original.filter((o) => (after ? !after.has(String(o[mergeKey])) : !lastWithKey(modified, mergeKey, String(o[mergeKey]))));
    if (gone.length > 1) gone.sort((a, b) => byString(a[mergeKey], b[mergeKey]));
    for (const orig of gone) deletions.push({ [DIRECTIVE]: "delete", [mergeKey]: orig[mergeKey] });
  }
  return [changes, deletions];
}

/** The last item whose merge key reads `key` (as a map keyed by it would hold). */
function lastWithKey(list: JsonObject[], mergeKey: string, key: string): JsonObject | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (String(list[i]![mergeKey]) === key) return list[i];
  return undefined;
}

/** Merges the deletions patch and the additions/changes patch of a three-way diff. */
function mergePatches(deletions: JsonObject, delta: JsonObject, meta: PatchStruct | undefined): JsonObject {
  const out: JsonObject = { ...deletions };
  for (const [key, value] of Object.entries(delta)) {
    const prev = out[key];
    const fm = meta?.fields.get(key);
    if (isPlainObject(prev) && isPlainObject(value)) out[key] = mergePatches(prev, value, fm?.type);
    else if (Array.isArray(prev) && Array.isArray(value) && fm?.merge && fm.mergeKey) {
      const mergeKey = fm.mergeKey;
      const changed = new Set(value.map((v) => String((v as JsonObject)[mergeKey])));
      out[key] = [...value, ...prev.filter((p) => !changed.has(String((p as JsonObject)[mergeKey])))];
    } else out[key] = value;
  }
  return out;
}

function equal(a: unknown, b: unknown, opts: DiffOptions): boolean {
  return opts.nullIsUnset ? jsonEqualIgnoringNulls(a, b) : jsonEqual(a, b);
}

/** The same JSON kind (object, array, null, string, number, boolean), without naming it. */
function sameKind(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && (a === null) === (b === null) && Array.isArray(a) === Array.isArray(b);
}

/** Whether two items share a merge key (assumed for long lists, which the caller then sorts as before). */
function hasRepeatedKey(list: JsonObject[], mergeKey: string): boolean {
  if (list.length > SMALL_LIST) return true;
  for (let i = 1; i < list.length; i++) {
    const key = String(list[i]![mergeKey]);
    for (let j = 0; j < i; j++) if (String(list[j]![mergeKey]) === key) return true;
  }
  return false;
}

function byString(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
