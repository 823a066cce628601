/** RFC 3339 seconds, as Kubernetes writes metav1.Time (`2026-01-01T00:00:00Z`). */
export function rfc3339Of(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
