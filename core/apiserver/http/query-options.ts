import { badRequest, fieldError, invalidOptions, type FieldError } from "../../api/status.js";
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
/** apimachinery's FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_BYTES = 128;

/** Which write: names the options kind in a 422 (`CreateOptions.meta.k8s.io "" is invalid: ...`). */
export type WriteOptionsKind = "CreateOptions" | "UpdateOptions" | "PatchOptions";

/** A Go `[]string` as `%#v` prints it in a field error: `[]string{"a", "b"}`. */
function goStrings(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

/** apimachinery's ValidateDryRun: only `All`, once. */
function dryRunErrors(values: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  if (values.some((v) => v !== "All")) errors.push({ type: "FieldValueNotSupported", field: "dryRun", detail: `Unsupported value: ${goStrings(values)}: supported values: "All"` });
  if (values.length > 1) errors.push({ type: "FieldValueInvalid", field: "dryRun", detail: `Invalid value: ${goStrings(values)}: multiple dryRun values are not supported` });
  return errors;
}

/** apimachinery's ValidateFieldManager: at most 128 bytes, printable characters only. */
function fieldManagerErrors(manager: string): FieldError[] {
  const errors: FieldError[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_BYTES) errors.push(fieldError.tooLong("fieldManager", FIELD_MANAGER_MAX_BYTES));
  let position = 0;
  for (const ch of manager) {
    if (!isPrintable(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      errors.push(fieldError.invalid("fieldManager", manager, `invalid character U+${code} (at position ${position})`));
    }
    position += Buffer.byteLength(ch);
  }
  return errors;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrintable(ch: string): boolean {
  return ch === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/**
 * The manager a write without `fieldManager` is recorded under: the User-Agent up to its first
 * `/`, printable characters only, at most 128 bytes (kube-apiserver's prefixFromUserAgent), so
 * `kubectl/v1.32.4 (linux/amd64) ...` records `kubectl`.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = "";
  for (const ch of (userAgent ?? "").split("/")[0]!) {
    if (!isPrintable(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_BYTES) break;
    out += ch;
  }
  return out;
}

/**
 * dryRun, fieldManager, fieldValidation (default `Warn`, as kube-apiserver), and for patches
 * `force` (apply only). Options upstream's ValidateCreate/Update/PatchOptions refuse are a 422
 * naming `kind`. A write without `fieldManager` gets the one derived from `userAgent`.
 */
export function writeOptionsOf(
  query: Query,
  kind: WriteOptionsKind = "CreateOptions",
  extra: { userAgent?: string; apply?: boolean } = {},
): WriteOptions & { fieldValidation: "Strict" | "Warn" | "Ignore"; force?: boolean } {
  const o: WriteOptions & { fieldValidation: "Strict" | "Warn" | "Ignore"; force?: boolean } = { fieldValidation: "Warn" };
  const errors: FieldError[] = [];
  const manager = query.get("fieldManager") ?? "";
  if (kind === "PatchOptions") {
    const force = query.get("force");
    if (!extra.apply && force !== null) errors.push(fieldError.forbidden("force", "may not be specified for non-apply patch"));
    if (extra.apply && !manager) errors.push(fieldError.required("fieldManager", "is required for apply patch"));
    if (extra.apply && flag(force)) o.force = true;
  }
  errors.push(...fieldManagerErrors(manager));
  const dryRun = query.getAll("dryRun");
  errors.push(...dryRunErrors(dryRun));
  const validation = query.get("fieldValidation") ?? "";
  if (validation && !(FIELD_VALIDATION as readonly string[]).includes(validation)) errors.push(fieldError.notSupported("fieldValidation", validation, ["", "Ignore", "Strict", "Warn"]));
  if (errors.length) throw invalidOptions(kind, errors);
  if (dryRun.length) o.dryRun = ["All"];
  const effectiveManager = manager || (extra.apply ? "" : managerFromUserAgent(extra.userAgent));
  if (effectiveManager) o.fieldManager = effectiveManager;
  if (validation) o.fieldValidation = validation as (typeof FIELD_VALIDATION)[number];
  return o;
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
 * `orphanDependents` maps to propagationPolicy Orphan / Background (and is kept: a pending delete
 * with `orphanDependents: false` answers 202); options ValidateDeleteOptions refuses are a 422.
 */
export function deleteOptionsOf(query: Query, body: unknown): DeleteOptions & { orphanDependents?: boolean } {
  const o: DeleteOptions & { orphanDependents?: boolean } = {};
  const b = (body && typeof body === "object" ? body : {}) as DeleteOptionsBody;
  const grace = b.gracePeriodSeconds ?? integer(query, "gracePeriodSeconds");
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const policy = b.propagationPolicy ?? (query.get("propagationPolicy") as DeleteOptions["propagationPolicy"] | null) ?? undefined;
  const orphan = b.orphanDependents ?? flag(query.get("orphanDependents"));
  const dryRun = Array.isArray(b.dryRun) ? b.dryRun.map(String) : query.getAll("dryRun");
  // apimachinery's ValidateDeleteOptions.
  const errors: FieldError[] = [];
  if (policy !== undefined && orphan !== undefined) errors.push(fieldError.invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set"));
  if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) errors.push(fieldError.notSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]));
  errors.push(...dryRunErrors(dryRun));
  if (errors.length) throw invalidOptions("DeleteOptions", errors);
  if (policy) o.propagationPolicy = policy;
  else if (orphan !== undefined) o.propagationPolicy = orphan ? "Orphan" : "Background";
  if (orphan !== undefined) o.orphanDependents = orphan;
  if (b.preconditions && (b.preconditions.uid || b.preconditions.resourceVersion)) o.preconditions = b.preconditions;
  if (dryRun.length) o.dryRun = ["All"];
  return o;
}
