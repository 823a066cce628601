import { shallowCopy } from "../clone.js";
import { isPlainObject, type JsonObject } from "./json-value.js";
import { presentInGo, shapeAt, ZERO_STRUCT, type ZeroShape } from "./zero-shape.js";

/**
 * `obj` as kube-apiserver stores and serves it: decoded into its Go struct and encoded again (see
 * zero-shape.ts). Non-pointer structs are there (`resources: {}`, a Service's `loadBalancer: {}`,
 * an object's `status: {}`), fields without `omitempty` are there as null or their zero (a pod
 * template's `creationTimestamp: null`, a condition's `lastProbeTime: null`), and `omitempty`
 * drops empty maps and lists and scalars at their zero (`unavailableReplicas: 0`); null becomes
 * the field's zero or nothing. Fields the shape does not know (other versions' fields, custom
 * resources) are kept as they are. `obj` itself when it already is in that form; otherwise a copy
 * along the changed paths (inputs are never mutated). Subtrees that are `old`'s own (the stored
 * object's, already in that form) are not walked.
 */
export function asGoJson(obj: JsonObject, shape: ZeroShape | undefined, old?: unknown): JsonObject {
  return shape === undefined ? obj : goObject(obj, shape, old);
}

function goObject(obj: JsonObject, shape: ZeroShape, old: unknown): JsonObject {
  if (obj === old) return obj;
  const before = isPlainObject(old) ? old : undefined;
  let out: JsonObject | undefined;
  for (const key in obj) {
    const v = obj[key];
    if (v === undefined) continue;
    const nv = goField(v, key, shape, before?.[key]);
    if (nv === v) continue;
    out ??= shallowCopy(obj);
    if (nv === undefined) delete out[key];
    else out[key] = nv;
  }
  const zero = shape.zero;
  if (zero !== undefined) {
    for (const key in zero) {
      if ((out ?? obj)[key] !== undefined) continue;
      out ??= shallowCopy(obj);
      out[key] = zeroJson(zero[key], shapeAt(shape, key));
    }
  }
  return out ?? obj;
}

/** A field's value as Go gives it back (undefined: not there). */
function goField(v: unknown, key: string, shape: ZeroShape, old: unknown): unknown {
  if (v === old) return v;
  if (v === null) {
    // null decodes to the field's zero: there as it when the field has no omitempty, else gone.
    const zero = shape.zero?.[key];
    return zero === undefined ? undefined : zeroJson(zero, shapeAt(shape, key));
  }
  if (!presentInGo(v, key, shape)) return undefined;
  if (typeof v !== "object") return v;
  const child = shapeAt(shape, key);
  if (child === undefined) return v;
  if (Array.isArray(v)) {
    const before = Array.isArray(old) ? old : undefined;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (!isPlainObject(item)) continue;
      const ni = goObject(item, child, before?.[i]);
      if (ni === item) continue;
      out ??= v.slice();
      out[i] = ni;
    }
    return out ?? v;
  }
  if (!isPlainObject(v)) return v;
  if (child.each !== undefined) {
    const before = isPlainObject(old) ? old : undefined;
    let out: JsonObject | undefined;
    for (const k in v) {
      const value = v[k];
      if (!isPlainObject(value)) continue;
      const nv = goObject(value, child.each, before?.[k]);
      if (nv === value) continue;
      out ??= shallowCopy(v);
      out[k] = nv;
    }
    return out ?? v;
  }
  return goObject(v, child, old);
}

/** A zero value as JSON: a struct is a fresh `{}` with its own zero fields. */
function zeroJson(zero: unknown, shape: ZeroShape | undefined): unknown {
  if (zero !== ZERO_STRUCT) return zero;
  const obj: JsonObject = {};
  return shape === undefined ? obj : goObject(obj, shape, undefined);
}
