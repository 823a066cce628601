import type { ListMeta, Status, StatusCause, StatusDetails } from "kubernetes-types/meta/v1.js";

/** Copies the members of `from` named in `order`, in that order, leaving out absent and empty ("omitempty") ones. */
function ordered<T extends object>(from: T, order: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of order) {
    const v = from[key];
    if (v === undefined || v === "" || v === 0) continue;
    out[key] = v;
  }
  return out;
}

const CAUSE: readonly (keyof StatusCause)[] = ["reason", "message", "field"];
const LIST_META: readonly (keyof ListMeta)[] = ["selfLink", "resourceVersion", "continue", "remainingItemCount"];

function details(d: StatusDetails): StatusDetails {
  const out = ordered(d, ["name", "group", "kind", "uid"]);
  if (d.causes?.length) out.causes = d.causes.map((c) => ordered(c, CAUSE));
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

/**
 * A `Status` as kube-apiserver's JSON serializer writes it: Go field order (`kind, apiVersion,
 * metadata, status, message, reason, details, code`; within details `name, group, kind, uid,
 * causes, retryAfterSeconds`; causes `reason, message, field`), empty fields left out as Go's
 * `omitempty` does, and the trailing newline of Go's json.Encoder. Clients (the Python client's e2e
 * suite among them) compare this text byte for byte.
 */
export function statusJson(status: Status): string {
  const out: Record<string, unknown> = ordered(status, ["kind", "apiVersion"]);
  out["metadata"] = ordered(status.metadata ?? {}, LIST_META);
  Object.assign(out, ordered(status, ["status", "message", "reason"]));
  if (status.details) out["details"] = details(status.details);
  if (status.code) out["code"] = status.code;
  return JSON.stringify(out) + "\n";
}
