import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { cloneJson } from "../clone.js";
import { MAX_NESTING_DEPTH, valueTooDeep } from "../nesting-depth.js";
import { badRequest, tooLarge } from "../status.js";
import { unprocessablePatch } from "./patch-errors.js";

/** kube-apiserver refuses JSON patches with more operations than this (413). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** What `copy` operations may add to the object in all (kube-apiserver's JSONPatchMaxCopyBytes: 3 MiB). */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/**
 * Applies an RFC 6902 JSON patch, returning a new object (the input is never mutated).
 * Errors are those kube-apiserver sends: a body that is not an array of operations → 400
 * BadRequest; more than 10,000 operations → 413; an operation that does not apply (missing path,
 * failed `test`) → 422 Invalid "the server rejected our request due to an error in our request"
 * with the json-patch message as the cause, as `NewGenericServerResponse(422, ...)` builds it.
 * The work is bounded as upstream bounds it: `copy` operations may add 3 MiB in all, and the result
 * may not nest deeper than MAX_NESTING_DEPTH (`move` can nest what the body does not). A path
 * through `__proto__` is refused with 422 (upstream would write a field of that name).
 */
export function applyJsonPatch<T>(obj: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw badRequest(`json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) throw tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  for (const op of ops) {
    if (op === null || typeof op !== "object" || Array.isArray(op)) throw badRequest(`json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
  }
  const operations = ops as Operation[];
  for (const op of operations) {
    if (typeof op.op !== "string" || !["add", "remove", "replace", "move", "copy", "test"].includes(op.op)) throw unprocessablePatch(`Unexpected kind: ${String(op.op ?? "unknown")}`);
    if (typeof op.path !== "string") throw unprocessablePatch(`${op.op} operation failed to decode path: missing value`);
  }
  let doc = cloneJson(obj);
  let copied = 0;
  operations.forEach((op, index) => {
    try {
      if (op.op === "copy") {
        copied += copySize(doc, op.from);
        if (copied > MAX_JSON_PATCH_COPY_BYTES) throw unprocessablePatch(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
      }
      doc = fastJsonPatch.applyOperation(doc, op, true, true, true, index).newDocument;
    } catch (err) {
      if (err instanceof fastJsonPatch.JsonPatchError) throw unprocessablePatch(jsonPatchMessage(err, err.operation as Operation | undefined));
      if (err instanceof TypeError && /__proto__/.test(err.message)) throw unprocessablePatch(`${op.op} operation does not apply: ${op.path}: modifying __proto__ is not allowed`);
      throw err;
    }
  });
  if (valueTooDeep(doc)) throw unprocessablePatch(`the patched object nests deeper than ${MAX_NESTING_DEPTH} levels`);
  return doc;
}

/** The JSON size of what a `copy` would copy (0 when `from` does not resolve: the operation then fails). */
function copySize(doc: unknown, from: unknown): number {
  if (typeof from !== "string" || (from !== "" && !from.startsWith("/"))) return 0;
  try {
    return JSON.stringify(fastJsonPatch.getValueByPointer(doc, from))?.length ?? 0;
  } catch {
    return 0;
  }
}

/** The evanphx/json-patch wording of a failed operation. */
function jsonPatchMessage(err: InstanceType<typeof fastJsonPatch.JsonPatchError>, op: Operation | undefined): string {
  const path = op?.path ?? "";
  const from = op && "from" in op ? op.from : "";
  switch (err.name) {
    case "TEST_OPERATION_FAILED":
      return `testing value ${path} failed: test failed`;
    case "OPERATION_VALUE_REQUIRED":
    case "OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED":
      return `operation, missing value field: missing value`;
    case "OPERATION_FROM_REQUIRED":
      return `operation, missing from field: missing value`;
    case "OPERATION_FROM_UNRESOLVABLE":
      return `${op?.op} operation does not apply: doc is missing from path: ${from}: missing value`;
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
      return `error in ${op?.op} for path: '${path}': Unable to access invalid index: ${path.slice(path.lastIndexOf("/") + 1)}: invalid index referenced`;
    case "OPERATION_PATH_INVALID":
    case "OPERATION_PATH_CANNOT_ADD":
    case "OPERATION_PATH_UNRESOLVABLE":
      switch (op?.op) {
        case "add":
        case "remove":
          return `${op.op} operation does not apply: doc is missing path: "${path}": missing value`;
        case "replace":
          return `replace operation does not apply: doc is missing key: ${path}: missing value`;
        case "test":
          return `test operation does not apply: is missing path: ${path}: missing value`;
        default:
          return `${op?.op} operation does not apply: doc is missing destination path: ${path}: missing value`;
      }
    default:
      return err.message;
  }
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}
