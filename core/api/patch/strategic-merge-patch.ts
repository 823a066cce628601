import { badRequest, unsupportedMediaType } from "../status.js";
import { unprocessablePatch } from "./patch-errors.js";
import { applyMergePatch } from "./merge-patch.js";
import { shallowCopy } from "../clone.js";
import { firstNonNull, isPlainObject, withoutNullMembers, type JsonObject } from "./json-value.js";
import { patchStructFor, type PatchField, type PatchStruct } from "./patch-strategy.js";
import { goKind, goValue } from "./go-format.js";
import { elementKey, normalizeElementOrder, partition } from "./element-order.js";

import { DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, RETAIN_KEYS, SET_ELEMENT_ORDER } from "./patch-directives.js";

/** The media types kube-apiserver accepts for PATCH of custom resources. */
const CUSTOM_RESOURCE_PATCH_TYPES = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

export interface StrategicMergePatchOptions {
  /**
   * Refuse kinds without patch meta (custom resources) with 415 UnsupportedMediaType, as
   * kube-apiserver does, instead of falling back to JSON merge patch semantics.
   */
  refuseUnknownKinds?: boolean;
}

/**
 * Applies a strategic merge patch to a built-in object, honouring the patch strategies and merge
 * keys of its Go type (see patch-meta.ts) and the directives `$patch` (replace/delete on maps and
 * list items), `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, and
 * null deleting a field. Returns a new object sharing every subtree the patch leaves alone; the
 * inputs are never mutated. Nulls for fields the object does not have are ignored, at any depth
 * (kube-apiserver's IgnoreUnmatchedNulls). Kinds without patch meta get JSON merge patch
 * semantics, or 415 with `refuseUnknownKinds`. Errors: malformed directives and patches that do
 * not fit the object's shape → 400 BadRequest with the upstream library's message (upstream
 * answers 500 for some of them: a request error is never a server error here); lists of lists
 * and patch content outside `$retainKeys` → 422, as kube-apiserver reports them.
 */
export function applyStrategicMergePatch<T>(obj: T, patch: unknown, kind: string, options: StrategicMergePatchOptions = {}): T {
  const meta = patchStructFor(kind);
  if (!meta) {
    if (options.refuseUnknownKinds) throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES}`);
    return applyMergePatch(obj, patch);
  }
  if (!isPlainObject(patch)) throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? "array" : typeof patch} into Go value of type map[string]interface {}`);
  return mergeMap(isPlainObject(obj) ? obj : {}, patch, meta, "root") as T;
}

/**
 * Merges a patch map into an original map (both unmodified); returns the merged map: `original`
 * itself when the patch changes nothing in it (a precondition such as `metadata.uid`, members set
 * to the values they have), else a fresh map sharing every member the patch leaves as it was.
 */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchStruct | undefined, name: string): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === "replace") return stripDirectives(withoutKey(patch, DIRECTIVE)) as JsonObject;
    if (directive === "delete") return {};
    if (directive !== "merge") throw badRequest(`unknown patch type: ${String(directive)} in map: ${goValue(patch)}`);
    patch = withoutKey(patch, DIRECTIVE);
  }
  // One pass for what needs the copy up front: members the patch deletes (null) are left out of
  // it rather than deleted from it (`delete` would leave the merged map, a stored object's read by
  // everyone after, in V8's slow dictionary mode); directives write into it.
  let drops = false;
  let directives = false;
  for (const key in patch) {
    if (!drops && patch[key] === null && key in original) drops = true;
    if (key.charCodeAt(0) === 36 /* $ */) directives = true;
  }
  // Otherwise the copy is made at the first member that changes: none, and `original` is the result.
  let out: JsonObject | undefined;
  if (drops) {
    out = {};
    for (const key in original) if (patch[key] !== null) out[key] = original[key];
  } else if (directives) out = shallowCopy(original);
  const handled = directives ? applyDirectives(out!, patch, meta) : undefined;

  for (const key in patch) {
    if (handled?.has(key)) continue;
    const patchValue = patch[key];
    if (patchValue === null) {
      if (out && key in out) delete out[key];
      continue;
    }
    const current = out ? out[key] : original[key];
    let merged: unknown;
    if (current === undefined || current === null || typeof current !== typeof patchValue || Array.isArray(current) !== Array.isArray(patchValue)) {
      merged = stripDirectives(withoutNullMembers(patchValue));
      if (merged === DROP) {
        if (key in (out ?? original)) delete (out ??= shallowCopy(original))[key];
        continue;
      }
    } else if (isPlainObject(current)) {
      // The field's patch meta is looked up for maps and lists only (scalars, most members, need none).
      const fm = meta?.fields.get(key);
      merged = fm?.replace ? patchValue : mergeMap(current, patchValue as JsonObject, fm?.type, key);
    } else if (Array.isArray(current)) {
      const fm = meta?.fields.get(key);
      merged = fm?.merge ? mergeList(current, patchValue as unknown[], fm, key) : patchValue;
    } else {
      merged = patchValue;
    }
    if (out) out[key] = merged;
    else if (merged !== current || !(key in original)) (out = shallowCopy(original))[key] = merged;
  }
  return out ?? original;
}

/** `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` of `patch`, applied to `out`; returns the patch keys they handled. */
function applyDirectives(out: JsonObject, patch: JsonObject, meta: PatchStruct | undefined): Set<string> {
  const handled = new Set<string>();
  // The directive keys in patch order, gathered in one pass: retainKeys apply first, then every
  // setElementOrder, then every deleteFromPrimitiveList.
  let orders: string[] | undefined;
  let deletions: string[] | undefined;
  for (const key in patch) {
    if (key.charCodeAt(0) !== 36 /* $ */) continue;
    if (key.startsWith(SET_ELEMENT_ORDER)) (orders ??= []).push(key);
    else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) (deletions ??= []).push(key);
  }
  const retainKeys = patch[RETAIN_KEYS];
  if (retainKeys !== undefined) {
    handled.add(RETAIN_KEYS);
    if (!Array.isArray(retainKeys)) throw badRequest("invalid patch format of retainKeys");
    const keep = new Set(retainKeys);
    for (const k in patch) {
      if (patch[k] === null || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!keep.has(k)) throw badRequest("invalid patch format of retainKeys");
    }
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }

  if (orders) {
    for (let o = 0; o < orders.length; o++) {
      const key = orders[o]!;
      handled.add(key);
      const field = key.slice(SET_ELEMENT_ORDER.length);
      handled.add(field);
      applySetElementOrder(out, field, patch[key], patch, meta?.fields.get(field));
    }
  }

  if (deletions) {
    for (let d = 0; d < deletions.length; d++) {
      const key = deletions[d]!;
      handled.add(key);
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const current = out[field];
      if (!Array.isArray(current)) continue;
      const values = patch[key];
      if (!Array.isArray(values)) throw badRequest("invalid patch format of primitive list");
      const remove = new Set(values);
      out[field] = current.filter((v) => !remove.has(v));
    }
  }
  return handled;
}

/** `$setElementOrder/<field>`: merges the list (if patched) and orders it as the directive says. */
function applySetElementOrder(out: JsonObject, field: string, order: unknown, patch: JsonObject, fm: PatchField | undefined): void {
  if (!Array.isArray(order)) throw badRequest("invalid patch format of setElementOrder list");
  const original = out[field];
  const patched = patch[field];
  if (original !== undefined && !Array.isArray(original)) throw badRequest(`expected a slice, but received a ${goKind(original)}`);
  if (patched !== undefined && patched !== null && !Array.isArray(patched)) throw badRequest("invalid patch format of setElementOrder list");
  const mergeKey = fm?.mergeKey ?? "";
  validatePatchOrder((patched as unknown[] | undefined) ?? [], order, mergeKey);
  let merged: unknown[];
  if (original !== undefined && patched === undefined) merged = original as unknown[];
  else if (original === undefined && Array.isArray(patched)) merged = stripDirectives(patched) as unknown[];
  else if (Array.isArray(original) && Array.isArray(patched)) merged = fm?.merge ? mergeList(original, patched, fm, field) : patched;
  else return;
  // Already in the directive's order, item for item (a status rewritten in its own order): nothing to move.
  if (inSameOrder(merged, order, mergeKey)) {
    out[field] = merged;
    return;
  }
  const [inOrder, serverOnly] = partition(merged, order, mergeKey);
  out[field] = normalizeElementOrder(inOrder, serverOnly, order, (original as unknown[] | undefined) ?? [], mergeKey);
}

function validatePatchOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  // Items carrying a directive take no place in the order (with a merge key, `$patch: delete` items
  // are not even counted among those left over at the end).
  let p = 0;
  let o = 0;
  while (p < patchList.length && o < order.length) {
    const item = patchList[p];
    if (isPlainObject(item) && DIRECTIVE in item) {
      p++;
      continue;
    }
    if (sameElement(item, order[o], mergeKey)) p++;
    o++;
  }
  if (mergeKey) while (p < patchList.length && isDeleteItem(patchList[p])) p++;
  if (p < patchList.length && o >= order.length) {
    throw badRequest(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER.slice(0, -1)} list:\n${goValue(order)}\n`);
  }
}

function isDeleteItem(v: unknown): boolean {
  return isPlainObject(v) && v[DIRECTIVE] === "delete";
}

/** Merges two lists under the `merge` strategy: by merge key for maps, as a set for primitives. */
function mergeList(original: unknown[], patch: unknown[], fm: PatchField, name: string): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const sample = firstNonNull(original) ?? firstNonNull(patch);
  if (Array.isArray(sample)) throw unprocessablePatch("lists of lists are not supported");
  const mergeKey = fm.mergeKey;
  let merged: unknown[];
  if (!isPlainObject(sample)) {
    merged = dedupe([...original, ...patch]);
    const [inPatch, serverOnly] = partition(merged, patch, "");
    return normalizeElementOrder(inPatch, serverOnly, patch, original, "");
  }
  if (!mergeKey) throw badRequest(`cannot merge lists without merge key for ${name}`);
  const plain: JsonObject[] = [];
  let replace = false;
  let base = original as JsonObject[];
  // Indexed loops: an array iterator allocates a result per item until the code is optimized.
  for (let i = 0; i < patch.length; i++) {
    const item = patch[i];
    if (!isPlainObject(item)) throw badRequest(`expected a map, but received a ${goKind(item)}`);
    const directive = item[DIRECTIVE];
    if (directive === undefined) plain.push(item);
    else if (directive === "delete") {
      if (!(mergeKey in item)) throw badRequest(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
      base = base.filter((o) => !(isPlainObject(o) && o[mergeKey] === item[mergeKey]));
    } else if (directive === "replace") replace = true;
    else if (directive === "merge") throw badRequest("merging lists cannot yet be specified in the patch");
    else throw badRequest(`unknown patch type: ${String(directive)} in map: ${goValue(item)}`);
  }
  let patchItems = plain;
  if (replace) {
    base = plain;
    patchItems = [];
  }
  merged = base.slice();
  let same = base === original;
  for (let i = 0; i < patchItems.length; i++) {
    const item = patchItems[i]!;
    if (!(mergeKey in item)) throw badRequest(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
    const at = indexWithKey(merged, mergeKey, item[mergeKey]);
    if (at >= 0) {
      const prev = merged[at];
      if ((merged[at] = mergeMap(prev as JsonObject, item, fm.type, name)) !== prev) same = false;
    } else {
      merged.push(stripDirectives(item));
      same = false;
    }
  }
  // Patch items that were all in the list already, in its order: normalizing would keep the merged
  // order — and the original list itself when they changed nothing in it.
  if (!replace && keptOrder(merged, patchItems, mergeKey, base.length)) return same ? original : merged;
  const [inPatch, serverOnly] = partition(merged, patchItems, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patchItems, base, mergeKey);
}

/** The index of the first map in `list` whose merge key holds `key`, or -1. */
function indexWithKey(list: unknown[], mergeKey: string, key: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (isPlainObject(item) && item[mergeKey] === key) return i;
  }
  return -1;
}

/** `items` are `order`'s elements, one for one and in its order. */
function inSameOrder(items: unknown[], order: unknown[], mergeKey: string): boolean {
  if (items.length !== order.length) return false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isPlainObject(item) && DIRECTIVE in item) return false;
    if (elementKey(item, mergeKey) !== elementKey(order[i], mergeKey)) return false;
  }
  return true;
}

/**
 * Every patch item replaced an item of the first `baseLength` of `merged` (none was appended), in
 * increasing positions, and `merged` has no repeated keys: upstream's normalizeElementOrder would
 * return `merged` as it is.
 */
function keptOrder(merged: unknown[], patchItems: JsonObject[], mergeKey: string, baseLength: number): boolean {
  if (merged.length !== baseLength || merged.length > 16) return false;
  for (let i = 1; i < merged.length; i++) {
    const key = elementKey(merged[i], mergeKey);
    for (let j = 0; j < i; j++) if (elementKey(merged[j], mergeKey) === key) return false;
  }
  let last = -1;
  for (let p = 0; p < patchItems.length; p++) {
    const key = patchItems[p]![mergeKey];
    let at = -1;
    for (let i = 0; i < merged.length; i++) {
      if (elementKey(merged[i], mergeKey) !== key) continue;
      if (at >= 0) return false;
      at = i;
    }
    if (at <= last) return false;
    last = at;
  }
  return true;
}

function sameElement(a: unknown, b: unknown, mergeKey: string): boolean {
  return elementKey(a, mergeKey) === elementKey(b, mergeKey);
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return values.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
}

const DROP = Symbol("drop");

/** Upstream's removeDirectives: maps carrying `$patch` are dropped, other directive keys kept out of the result. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    let changed = false;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const s = stripDirectives(item);
      if (s === DROP) changed = true;
      else {
        if (s !== item) changed = true;
        out.push(s);
      }
    }
    return changed ? out : v;
  }
  if (!isPlainObject(v)) return v;
  if (DIRECTIVE in v) return DROP;
  let out: JsonObject | undefined;
  for (const k in v) {
    const item = v[k];
    if (k === RETAIN_KEYS || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      out ??= shallowCopy(v);
      delete out[k];
      continue;
    }
    const s = stripDirectives(item);
    if (s !== item) {
      out ??= shallowCopy(v);
      if (s === DROP) delete out[k];
      else out[k] = s;
    }
  }
  return out ?? v;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}
