import { badRequest } from "../status.js";
import { isPlainObject, jsonEqual, withoutNullMembers, type JsonObject } from "./json-value.js";

/**
 * Applies an RFC 7386 JSON merge patch. Returns a new object sharing every subtree the patch does
 * not touch; the inputs are never mutated. Nulls inside values that replace or add a field are
 * dropped from their objects (evanphx/json-patch's pruneNulls), so they never reach the object.
 * A patch that is not a JSON object → 400 BadRequest ("Invalid JSON Patch", as evanphx/json-patch's
 * MergePatch reports it).
 */
export function applyMergePatch<T>(obj: T, patch: unknown): T {
  if (!isPlainObject(patch)) throw badRequest("Invalid JSON Patch");
  return mergeValue(obj, patch) as T;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return withoutNullMembers(patch);
  const base: JsonObject = isPlainObject(target) ? target : {};
  let changes: Map<string, unknown> | undefined;
  let removed = false;
  for (const key in patch) {
    const value = patch[key];
    if (value === null) {
      if (key in base) {
        (changes ??= new Map()).set(key, undefined);
        removed = true;
      }
      continue;
    }
    const merged = mergeValue(base[key], value);
    if (merged !== base[key]) (changes ??= new Map()).set(key, merged);
  }
  return changes ? merged(base, changes, removed) : base === target ? target : {};
}

/**
 * `base` with `changes` applied: changed members keep their place, new ones follow in patch
 * order, and with `removed` every undefined member is dropped. Built by a copy loop into a fresh
 * object, not a spread of `base` and stores into it: stored objects reach here in many shapes,
 * and the spread copy's stores were the costliest part of a kubelet's status patch.
 */
function merged(base: JsonObject, changes: Map<string, unknown>, removed: boolean): JsonObject {
  const out: JsonObject = {};
  for (const key in base) {
    const value = changes.has(key) ? changes.get(key) : base[key];
    if (!removed || value !== undefined) out[key] = value;
  }
  for (const [key, value] of changes) if (value !== undefined && !Object.prototype.hasOwnProperty.call(base, key)) out[key] = value;
  return out;
}


/**
 * The JSON merge patch that turns `original` into `modified`: changed and added fields with their
 * new values, removed fields as null, lists replaced whole. Equal inputs give `{}`.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonObject {
  if (!isPlainObject(original) || !isPlainObject(modified)) throw badRequest("Invalid JSON Document");
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) if (!(key in modified)) patch[key] = null;
  for (const [key, value] of Object.entries(modified)) {
    const before = original[key];
    if (!(key in original)) patch[key] = value;
    else if (isPlainObject(before) && isPlainObject(value)) {
      const sub = diffObjects(before, value);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!jsonEqual(before, value)) patch[key] = value;
  }
  return patch;
}

