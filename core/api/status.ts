import type { Status, StatusCause } from "kubernetes-types/meta/v1.js";
import { qualifiedResource, type ResourceDescriptor } from "./resource.js";

/** The `reason` values of metav1.Status that kubesim sends. */
export type StatusReason =
  | "NotFound" | "AlreadyExists" | "Conflict" | "Invalid" | "BadRequest" | "Gone" | "Expired"
  | "Forbidden" | "Unauthorized" | "MethodNotAllowed" | "RequestEntityTooLarge" | "TooManyRequests"
  | "NotAcceptable" | "UnsupportedMediaType" | "Timeout" | "ServiceUnavailable" | "InternalError" | "";

/** The resource an error is about, as Status details name it. */
export type ErrorResource = Pick<ResourceDescriptor, "group" | "plural" | "kind">;

const DEBUG_STACKS = !!process.env["KUBESIM_DEBUG"];

/**
 * An API error carrying the exact `Status` Kubernetes would send. Thrown by the API server and
 * the clients alike; `status` is what goes on the wire.
 */
export class StatusError extends Error {
  override readonly name = "StatusError";
  /**
   * Status errors are answers, not bugs: they are thrown on hot paths (NotFound lookups,
   * conflicts) and sent to clients, so no stack trace is captured unless `KUBESIM_DEBUG` is set.
   */
  constructor(readonly status: Status & { code: number; reason: StatusReason; message: string }) {
    const limit = Error.stackTraceLimit;
    if (!DEBUG_STACKS) Error.stackTraceLimit = 0;
    super(status.message);
    Error.stackTraceLimit = limit;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason {
    return this.status.reason;
  }
  /** Builds the error from a Status received on the wire. */
  static fromStatus(status: Status): StatusError {
    return new StatusError({ ...status, code: status.code ?? 500, reason: (status.reason ?? "") as StatusReason, message: status.message ?? "" });
  }
}

function failure(code: number, reason: StatusReason, message: string, details?: Status["details"]): StatusError {
  const status: Status & { code: number; reason: StatusReason; message: string } = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

function resourceDetails(r: ErrorResource, name: string): NonNullable<Status["details"]> {
  return r.group ? { name, group: r.group, kind: r.plural } : { name, kind: r.plural };
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}

/** `pods "x" not found` (404). */
export function notFound(r: ErrorResource, name: string): StatusError {
  return failure(404, "NotFound", `${qualifiedResource(r)} "${name}" not found`, resourceDetails(r, name));
}

/** A path or subresource the server does not serve: 404 "the server could not find the requested resource". */
export function resourceNotServed(): StatusError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** `pods "x" already exists` (409). */
export function alreadyExists(r: ErrorResource, name: string): StatusError {
  return failure(409, "AlreadyExists", `${qualifiedResource(r)} "${name}" already exists`, resourceDetails(r, name));
}

/** `Operation cannot be fulfilled on pods "x": <why>` (409). */
export function conflict(r: ErrorResource, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): StatusError {
  return failure(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, resourceDetails(r, name));
}

/** `pods "x" is forbidden: <why>` (403). */
export function forbidden(r: ErrorResource, name: string, why: string): StatusError {
  // apierrors.NewForbidden: no resource (a non-resource URL) gives a bare `forbidden: ...`.
  if (!r.plural && !r.group) return failure(403, "Forbidden", `forbidden: ${why}`, resourceDetails(r, name));
  const subject = name ? `${qualifiedResource(r)} "${name}"` : qualifiedResource(r);
  return failure(403, "Forbidden", `${subject} is forbidden: ${why}`, resourceDetails(r, name));
}

export function badRequest(message: string): StatusError {
  return failure(400, "BadRequest", message);
}

export function unauthorized(message = "Unauthorized"): StatusError {
  return failure(401, "Unauthorized", message);
}

export function methodNotAllowed(message = "the server does not allow this method on the requested resource"): StatusError {
  return failure(405, "MethodNotAllowed", message);
}

/** A watch or list asked for a resourceVersion older than the retained history (410, reason Expired as the real watch cache sends). */
export function resourceExpired(message: string): StatusError {
  return failure(410, "Expired", message);
}

export function gone(message: string): StatusError {
  return failure(410, "Gone", message);
}

export function tooLarge(message = "the request is too large"): StatusError {
  return failure(413, "RequestEntityTooLarge", message);
}

export function tooManyRequests(message = "Too many requests, please try again later.", retryAfterSeconds = 1): StatusError {
  return failure(429, "TooManyRequests", message, { retryAfterSeconds });
}

export function notAcceptable(message: string): StatusError {
  return failure(406, "NotAcceptable", message);
}

export function unsupportedMediaType(message: string): StatusError {
  return failure(415, "UnsupportedMediaType", message);
}

export function internalError(message: string): StatusError {
  return failure(500, "InternalError", `Internal error occurred: ${message}`);
}

/** A field-level validation failure, as apimachinery's `field.Error`. */
export interface FieldError {
  type: "FieldValueRequired" | "FieldValueInvalid" | "FieldValueDuplicate" | "FieldValueNotSupported" | "FieldValueForbidden" | "FieldValueTooLong" | "FieldValueTooMany" | "FieldValueNotFound" | "FieldValueTypeInvalid" | "InternalError";
  field: string;
  /** The full message after the field path, e.g. `Invalid value: "Foo": must be lowercase`. */
  detail: string;
}

/** Builders mirroring `field.Required`, `field.Invalid`, ... with Kubernetes' message wording. */
export const fieldError = {
  required: (field: string, detail = ""): FieldError => ({ type: "FieldValueRequired", field, detail: detail ? `Required value: ${detail}` : "Required value" }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: "FieldValueInvalid", field, detail: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ""}` }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: "FieldValueDuplicate", field, detail: `Duplicate value: ${formatValue(value)}` }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: "FieldValueNotSupported",
    field,
    detail: `Unsupported value: ${formatValue(value)}${supported.length ? `: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}` : ""}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: "FieldValueForbidden", field, detail: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ type: "FieldValueTooLong", field, detail: `Too long: may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({ type: "FieldValueTooMany", field, detail: `Too many: ${actual}: must have at most ${max} items` }),
  notFound: (field: string, value: unknown): FieldError => ({ type: "FieldValueNotFound", field, detail: `Not found: ${formatValue(value)}` }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({ type: "FieldValueTypeInvalid", field, detail: `Invalid value: ${formatValue(value)}: ${detail}` }),
  immutable: (field: string, value: unknown): FieldError => ({ type: "FieldValueInvalid", field, detail: `Invalid value: ${formatValue(value)}: field is immutable` }),
};

/** How apimachinery prints a value inside a field error. */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/** `field: detail`, the text of one cause in an Invalid message. */
export function fieldErrorText(e: FieldError): string {
  return e.field ? `${e.field}: ${e.detail}` : e.detail;
}

/**
 * `Pod "x" is invalid: [a: ..., b: ...]` (422), with one `details.causes[]` entry per field error,
 * exactly as `apierrors.NewInvalid` builds it.
 */
export function invalid(kind: string, group: string, name: string, errors: readonly FieldError[]): StatusError {
  const texts = errors.map(fieldErrorText);
  const summary = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  const causes: StatusCause[] = errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field }));
  const details: NonNullable<Status["details"]> = group ? { name, group, kind, causes } : { name, kind, causes };
  const qualifiedKind = group ? `${kind}.${group}` : kind; // schema.GroupKind.String()
  return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}

/**
 * `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: ...` (422): request options the
 * handlers refuse (apimachinery's ValidateCreateOptions, ValidatePatchOptions, ValidateDeleteOptions...).
 */
export function invalidOptions(kind: "CreateOptions" | "UpdateOptions" | "PatchOptions" | "DeleteOptions" | "ListOptions", errors: readonly FieldError[]): StatusError {
  return invalid(kind, "meta.k8s.io", "", errors);
}
