/**
 * A deep copy of a JSON value (plain objects, arrays, primitives): how a writer gets a private,
 * mutable draft of an immutable object. About five times faster than `structuredClone` or a JSON
 * round trip for Kubernetes-sized objects; `undefined` members are dropped as JSON would.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = cloneJson(v);
  }
  return out as T;
}

/**
 * A private copy of `value` made to be written next to `base` (an immutable value, e.g. the
 * stored object's field at the same path): every subtree deep-equal to `base`'s at the same path,
 * key order included, is `base`'s own (shared, not copied); only what differs is copied. Returns
 * `base` itself when the whole value equals it. Callers may write into what differs only — a
 * writer that may write anywhere needs {@link cloneJson}.
 */
export function cloneSharing<T>(value: T, base: unknown): T {
  return share(value, base, true) as T;
}

/**
 * `value` with every subtree deep-equal to `base`'s at the same path (key order included)
 * replaced by `base`'s: identity with the stored object restored after a draft was copied and
 * edited, so comparisons of the two (field tracking, generation, no-op detection, watchers)
 * stop at shared subtrees, and the stored versions share what did not change. Non-mutating:
 * containers along changed paths are new only where a child was replaced; `value` itself when
 * nothing is shared, `base` when everything is.
 */
export function reshared<T>(value: T, base: unknown): T {
  return share(value, base, false) as T;
}

function share(value: unknown, base: unknown, copy: boolean): unknown {
  if (value === base || typeof value !== "object" || value === null) return value;
  if (typeof base !== "object" || base === null || Array.isArray(value) !== Array.isArray(base)) return copy ? cloneJson(value) : value;
  if (Array.isArray(value)) {
    const b = base as unknown[];
    let out: unknown[] | undefined = copy ? new Array(value.length) : undefined;
    let all = value.length === b.length;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const s = share(v, b[i], copy);
      if (s !== b[i]) all = false;
      if (!out && s !== v) out = value.slice();
      if (out) out[i] = s;
    }
    return all ? base : (out ?? value);
  }
  const v = value as Record<string, unknown>;
  const b = base as Record<string, unknown>;
  let out: Record<string, unknown> | undefined = copy ? {} : undefined;
  let all = true;
  let count = 0;
  for (const key in v) {
    const member = v[key];
    if (member === undefined) {
      // Dropped from a copy (as JSON drops it); kept in a value returned as it is.
      if (!copy && !out) continue;
      if (!copy) out![key] = undefined;
      continue;
    }
    count++;
    const s = share(member, b[key], copy);
    if (s !== b[key]) all = false;
    if (!out && s !== member) out = copyUpTo(v, key);
    if (out) out[key] = s;
  }
  if (all && sameKeys(v, b, count)) return base;
  return out ?? value;
}

/**
 * A shallow copy of `obj`'s members, in order: a loop, since an object spread takes V8's slow path
 * for objects of many shapes (patches, Go forms).
 */
export function shallowCopy(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in obj) out[key] = obj[key];
  return out;
}

/** The members of `obj` before `stop`, in order (undefined ones too: `obj` is returned otherwise as it is). */
export function copyUpTo(obj: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in obj) {
    if (key === stop) break;
    out[key] = obj[key];
  }
  return out;
}

/** Whether `base`'s defined members are exactly `count` and named as `value`'s defined members, in the same order. */
function sameKeys(value: Record<string, unknown>, base: Record<string, unknown>, count: number): boolean {
  const keys = Object.keys(base);
  let i = 0;
  for (const key of keys) if (base[key] !== undefined) i++;
  if (i !== count) return false;
  i = 0;
  for (const key in value) {
    if (value[key] === undefined) continue;
    while (i < keys.length && base[keys[i]!] === undefined) i++;
    if (keys[i++] !== key) return false;
  }
  return true;
}

/**
 * A shallow copy of `obj` with member `key` set to `value`: in its place when `obj` has it, else
 * last (what `{ ...obj, [key]: value }` makes). Built by a copy loop into a fresh object: objects
 * reach the API server and the store in many shapes, where spreads are megamorphic and slow.
 */
export function withMember(obj: object, key: string, value: unknown): Record<string, unknown> {
  const src = obj as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const k in src) {
    if (k === key) {
      out[k] = value;
      placed = true;
    } else if (k === "__proto__") {
      // A member named so (JSON.parse makes one) stays a member, as a spread keeps it.
      Object.defineProperty(out, k, { value: src[k], enumerable: true, writable: true, configurable: true });
    } else {
      out[k] = src[k];
    }
  }
  if (!placed) out[key] = value;
  return out;
}
