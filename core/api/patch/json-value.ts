/** A JSON object as the patch functions see it. */
export type JsonObject = { [key: string]: unknown };

/** True for a JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The first member of `list` that is not null (a list's sample item, as upstream takes it), or undefined. */
export function firstNonNull(list: readonly unknown[]): unknown {
  for (const v of list) if (v !== null) return v;
  return undefined;
}

/** Deep equality of two JSON values (object key order ignored). Identical references short-circuit. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // for-in loops, not Object.keys: nothing is allocated per object compared.
  let count = 0;
  for (const k in a) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual((a as JsonObject)[k], (b as JsonObject)[k])) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/**
 * As {@link jsonEqual}, with a null member of an object the same as a missing one (at any depth):
 * equality of two typed objects where one comes from the store (nulls dropped) and the other was
 * built with Go's null for an unset field, as `json.Marshal` of the same Go type would make them.
 */
export function jsonEqualIgnoringNulls(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqualIgnoringNulls(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as JsonObject;
  const y = b as JsonObject;
  for (const k in x) {
    const v = x[k];
    if (v === null || v === undefined) {
      if (y[k] !== null && y[k] !== undefined) return false;
    } else if (!jsonEqualIgnoringNulls(v, y[k])) return false;
  }
  for (const k in y) if (!(k in x) && y[k] !== null && y[k] !== undefined) return false;
  return true;
}

/**
 * The value with every null member of its objects removed, at any depth (array elements are
 * kept, null or not, and searched): what a patch value means where the target has nothing to
 * delete — evanphx/json-patch's pruneNulls and strategic merge's discardNullValuesFromPatch.
 * Returns `v` itself when nothing is removed (subtrees are shared, never mutated).
 */
export function withoutNullMembers(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = withoutNullMembers(v[i]);
      if (item !== v[i]) (out ??= v.slice())[i] = item;
    }
    return out ?? v;
  }
  if (!isPlainObject(v)) return v;
  let out: JsonObject | undefined;
  for (const key in v) {
    const item = v[key];
    const pruned = item === null ? undefined : withoutNullMembers(item);
    if (pruned === item && out === undefined) continue;
    // First difference: copy the members before it (a fresh object, never `delete`: that would
    // leave it in V8's slow dictionary mode for every later reader).
    if (out === undefined) {
      out = {};
      for (const k in v) {
        if (k === key) break;
        out[k] = v[k];
      }
    }
    if (item !== null) out[key] = pruned;
  }
  return out ?? v;
}

/** A copy of `obj` without its undefined members: how to drop members without `delete`, which leaves V8 objects in slow dictionary mode. */
export function withoutUndefined<T extends { [key: string]: unknown }>(obj: T): T {
  const out: { [key: string]: unknown } = {};
  for (const key in obj) if (obj[key] !== undefined) out[key] = obj[key];
  return out as T;
}
