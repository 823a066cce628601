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
