import { rfc3339 } from "../../../../core/api/time.js";

/** RFC 3339 seconds, as Kubernetes writes metav1.Time (`2026-01-01T00:00:00Z`): the core's formatter, cached per second. */
export function rfc3339Of(ms: number): string {
  return rfc3339(ms);
}
