import type { KubeObject } from "../api/object.js";
import { jsonEqual } from "../api/patch/json-value.js";

/**
 * True when anything but `metadata` and `status` differs: what makes the API server bump
 * `metadata.generation` (the strategies' "spec changed" check, generalised to every top-level
 * field so that kinds keeping desired state outside `spec` — ConfigMap data, RBAC rules — count too).
 */
export function desiredStateChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === "metadata" || k === "status" || k === "apiVersion" || k === "kind") continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}

/** True when the two objects differ in anything but resourceVersion and managedFields timestamps. */
export function objectChanged(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _ra, managedFields: mfa, ...ma } = a.metadata ?? {};
  const { resourceVersion: _rb, managedFields: mfb, ...mb } = b.metadata ?? {};
  if (!jsonEqual(ma, mb)) return true;
  const strip = (m: typeof mfa): unknown => m?.map(({ time: _t, ...rest }) => rest);
  if (!jsonEqual(strip(mfa), strip(mfb))) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (k !== "metadata" && !jsonEqual(a[k], b[k])) return true;
  return false;
}
