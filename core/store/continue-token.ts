import { posix } from "node:path";
import { StoreError } from "./store.js";

/**
 * List continuation tokens in Kubernetes' encoding: unpadded base64url of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key, relative to the list prefix>"}`.
 * `rv` is the revision the paged list is consistent at; -1 means "continue at the latest state"
 * (what the server hands out when the original revision has been compacted).
 */

const TOKEN_VERSION = "meta.k8s.io/v1";

export interface ContinuePosition {
  /** Full key to resume from (inclusive). */
  fromKey: string;
  /** Revision the list is consistent at, or -1 for the latest. */
  revision: number;
}

/** The smallest key after `key`: where a page that ended at `key` resumes. */
export function keyAfter(key: string): string {
  return key + "\u0000";
}

/** Token resuming at `nextKey` (inclusive) within a list of `prefix`. */
export function encodeContinue(nextKey: string, prefix: string, revision: number): string {
  if (!nextKey.startsWith(prefix) || nextKey === prefix) throw new Error(`unable to encode next field: the key ${nextKey} and key prefix ${prefix} do not match`);
  const start = nextKey.slice(prefix.length);
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: revision, start }), "utf8").toString("base64url");
}

/** Decodes and validates a token for a list of `prefix`; invalid tokens throw `InvalidContinue`. */
export function decodeContinue(token: string, prefix: string): ContinuePosition {
  const invalid = (why: string) => new StoreError("InvalidContinue", prefix, `continue key is not valid: ${why}`);
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw invalid("illegal base64 data");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid("not a continue token");
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== TOKEN_VERSION) throw new StoreError("InvalidContinue", prefix, `continue key is not valid: server does not recognize this encoded version ${String(v ?? "")}`);
  if (typeof rv !== "number" || !Number.isInteger(rv) || rv === 0) throw invalid(`incorrect encoded start resourceVersion (version ${TOKEN_VERSION})`);
  if (typeof start !== "string" || start.length === 0) throw invalid(`encoded start key empty (version ${TOKEN_VERSION})`);
  // As the real server does, refuse keys that path-clean to something else, so a token can never
  // range outside the prefix it was issued for.
  const rooted = start.startsWith("/") ? start : `/${start}`;
  if (cleanPath(rooted) !== rooted) throw invalid(start);
  return { fromKey: prefix + rooted.slice(1), revision: rv };
}

/** Go's `path.Clean` for rooted paths: no `.`/`..`/empty segments and no trailing slash. */
function cleanPath(p: string): string {
  const normal = posix.normalize(p);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/**
 * The paged list's revision has been compacted away: 410, with a fresh token (revision -1) that
 * continues at the latest state, as kube-apiserver offers.
 */
export class ContinueExpiredError extends StoreError {
  constructor(prefix: string, readonly continueToken: string) {
    super(
      "Gone",
      prefix,
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
  }
}
