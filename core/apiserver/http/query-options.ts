import { badRequest } from "../../api/status.js";
import type { DeleteOptions, ListOptions, WatchOptions, WriteOptions } from "../../client/client.js";
import { validateListQuery } from "./list-options-validation.js";

/** Query parameters of a request, read once. */
export type Query = URLSearchParams;

/** A boolean parameter as Go's strconv.ParseBool reads it (`1`, `t`, `true`, `True`, `TRUE`; Python sends `True`); empty counts as true. */
function flag(value: string | null): boolean | undefined {
  if (value === null) return undefined;
  return value === "" || TRUE_VALUES.has(value);
}

const TRUE_VALUES = new Set(["1", "t", "T", "true", "True", "TRUE"]);

function integer(query: Query, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name} ${JSON.stringify(v)}: must be an integer`);
  return n;
}

/** `?watch=true` / `?watch=1` (or the legacy `/watch/` path prefix). */
export function isWatchRequest(query: Query): boolean {
  return flag(query.get("watch")) === true;
}

/** labelSelector, fieldSelector, limit, continue, resourceVersion, resourceVersionMatch, validated as kube-apiserver does for a list (or, with `watch`, a watch). */
export function listOptionsOf(query: Query, watch = false): ListOptions {
  validateListQuery(query, watch, flag(query.get("sendInitialEvents")));
  const o: ListOptions = {};
  const label = query.get("labelSelector");
  if (label) o.labelSelector = label;
  const field = query.get("fieldSelector");
  if (field) o.fieldSelector = field;
  const limit = integer(query, "limit");
  if (limit !== undefined && limit > 0) o.limit = limit;
  const cont = query.get("continue");
  if (cont) o.continue = cont;
  const rv = query.get("resourceVersion");
  if (rv !== null) o.resourceVersion = rv;
  const match = query.get("resourceVersionMatch");
  if (match) o.resourceVersionMatch = match as NonNullable<ListOptions["resourceVersionMatch"]>;
  return o;
}

/** The list options plus allowWatchBookmarks, sendInitialEvents and timeoutSeconds (undefined when not given). */
export function watchOptionsOf(query: Query): WatchOptions {
  const list = listOptionsOf(query, true);
  const o: WatchOptions = {};
  if (list.labelSelector) o.labelSelector = list.labelSelector;
  if (list.fieldSelector) o.fieldSelector = list.fieldSelector;
  if (list.resourceVersion !== undefined) o.resourceVersion = list.resourceVersion;
  if (flag(query.get("allowWatchBookmarks"))) o.allowWatchBookmarks = true;
  const initial = flag(query.get("sendInitialEvents"));
  if (initial !== undefined) o.sendInitialEvents = initial;
  const timeout = integer(query, "timeoutSeconds");
  if (timeout !== undefined && timeout > 0) o.timeoutSeconds = timeout;
  return o;
}

const FIELD_VALIDATION = ["Ignore", "Warn", "Strict"] as const;

/** dryRun, fieldManager, fieldValidation (default `Warn`, as kube-apiserver). */
export function writeOptionsOf(query: Query): WriteOptions & { fieldValidation: "Strict" | "Warn" | "Ignore" } {
  const o: WriteOptions & { fieldValidation: "Strict" | "Warn" | "Ignore" } = { fieldValidation: "Warn" };
  const dryRun = query.getAll("dryRun");
  if (dryRun.length) {
    for (const d of dryRun) if (d !== "All") throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
    o.dryRun = ["All"];
  }
  const manager = query.get("fieldManager");
  if (manager) {
    if (manager.length > 128) throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    o.fieldManager = manager;
  }
  const validation = query.get("fieldValidation");
  if (validation) {
    if (!(FIELD_VALIDATION as readonly string[]).includes(validation)) throw badRequest(`fieldValidation: Unsupported value: "${validation}": supported values: "Ignore", "Strict", "Warn"`);
    o.fieldValidation = validation as (typeof FIELD_VALIDATION)[number];
  }
  return o;
}

/** `?force=true` of apply patches. */
export function forceOf(query: Query): boolean {
  return flag(query.get("force")) === true;
}

interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: DeleteOptions["propagationPolicy"];
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * DeleteOptions from the query (gracePeriodSeconds, propagationPolicy, orphanDependents, dryRun)
 * and the request body (a `DeleteOptions` object, which wins where both say something).
 * `orphanDependents` maps to propagationPolicy Orphan / Background; both at once is a 422 in
 * Kubernetes and a 400 here.
 */
export function deleteOptionsOf(query: Query, body: unknown): DeleteOptions {
  const o: DeleteOptions = {};
  const b = (body && typeof body === "object" ? body : {}) as DeleteOptionsBody;
  const grace = b.gracePeriodSeconds ?? integer(query, "gracePeriodSeconds");
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const policy = b.propagationPolicy ?? (query.get("propagationPolicy") as DeleteOptions["propagationPolicy"] | null) ?? undefined;
  const orphan = b.orphanDependents ?? flag(query.get("orphanDependents"));
  if (policy && orphan !== undefined) throw badRequest("orphanDependents and deletionPropagation cannot be both set");
  if (policy) {
    if (!["Orphan", "Background", "Foreground"].includes(policy)) throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`);
    o.propagationPolicy = policy;
  } else if (orphan !== undefined) o.propagationPolicy = orphan ? "Orphan" : "Background";
  if (b.preconditions && (b.preconditions.uid || b.preconditions.resourceVersion)) o.preconditions = b.preconditions;
  const dryRun = b.dryRun ?? query.getAll("dryRun");
  if (dryRun.length) o.dryRun = ["All"];
  return o;
}
