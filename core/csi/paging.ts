import { CsiError } from "./errors.js";
import type { PagingRequest } from "./types.js";

/**
 * One page of `all` for ListVolumes/ListSnapshots: `startingToken` is the index to start at (as
 * the reference drivers encode it), `nextToken` is set while entries remain. A negative
 * `maxEntries` is INVALID_ARGUMENT; a token that is no index into `all` is ABORTED (the spec's
 * code for a stale token).
 */
export function pageOf<T>(all: readonly T[], req: PagingRequest): { entries: T[]; nextToken?: string } {
  const max = req.maxEntries ?? 0;
  if (max < 0) throw new CsiError("INVALID_ARGUMENT", `ListVolumes: max_entries cannot be negative: ${max}`);
  let start = 0;
  if (req.startingToken) {
    start = /^\d+$/.test(req.startingToken) ? Number(req.startingToken) : Number.NaN;
    if (!(start <= all.length)) throw new CsiError("ABORTED", `starting_token=${req.startingToken} is not valid`);
  }
  const end = max > 0 ? Math.min(all.length, start + max) : all.length;
  return { entries: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
}
