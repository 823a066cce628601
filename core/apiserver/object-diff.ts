import type { KubeObject } from "../api/object.js";
import { jsonEqual } from "../api/patch/json-value.js";

/**
 * True when anything but `metadata` and `status` differs: what makes the API server bump
 * `metadata.generation` (the strategies' "spec changed" check, generalised to every top-level
 * field so that kinds keeping desired state outside `spec` — ConfigMap data, RBAC rules — count too).
 */
export function desiredStateChanged(a: KubeObject, b: KubeObject): boolean {
  for (const k in a) if (!notDesiredState(k) && !jsonEqual(a[k], b[k])) return true;
  // Members only `b` has (an undefined one is absent, as above).
  for (const k in b) if (!notDesiredState(k) && b[k] !== undefined && !Object.prototype.hasOwnProperty.call(a, k)) return true;
  return false;
}

function notDesiredState(key: string): boolean {
  return key === "metadata" || key === "status" || key === "apiVersion" || key === "kind";
}

/** True when the two objects differ in anything but resourceVersion and managedFields timestamps. */
export function objectChanged(a: KubeObject, b: KubeObject): boolean {
  const ma = (a.metadata ?? {}) as Record<string, unknown>;
  const mb = (b.metadata ?? {}) as Record<string, unknown>;
  if (ma !== mb) {
    if (metadataChanged(ma, mb) || metadataChanged(mb, ma)) return true;
    if (managedFieldsChanged(a.metadata?.managedFields, b.metadata?.managedFields)) return true;
  }
  for (const k in a) if (k !== "metadata" && !jsonEqual(a[k], b[k])) return true;
  for (const k in b) if (k !== "metadata" && !(k in a) && b[k] !== undefined) return true;
  return false;
}

/** Whether a member of `x` (but resourceVersion and managedFields) is absent from or different in `y`. */
function metadataChanged(x: Record<string, unknown>, y: Record<string, unknown>): boolean {
  for (const k in x) {
    if (k === "resourceVersion" || k === "managedFields") continue;
    const v = x[k];
    if (v === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !jsonEqual(v, y[k])) return true;
  }
  return false;
}

type Entries = NonNullable<KubeObject["metadata"]>["managedFields"];

/** Whether two managedFields lists differ in anything but their entries' times. */
function managedFieldsChanged(a: Entries, b: Entries): boolean {
  if (a === b) return false;
  if (!a || !b || a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) {
    const ea = a[i] as Record<string, unknown>;
    const eb = b[i] as Record<string, unknown>;
    if (ea === eb) continue;
    for (const k in ea) if (k !== "time" && ea[k] !== undefined && (!Object.prototype.hasOwnProperty.call(eb, k) || !jsonEqual(ea[k], eb[k]))) return true;
    for (const k in eb) if (k !== "time" && eb[k] !== undefined && !Object.prototype.hasOwnProperty.call(ea, k)) return true;
  }
  return false;
}
