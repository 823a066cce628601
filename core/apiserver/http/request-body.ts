import type { IncomingMessage } from "node:http";
import { firstNonJson } from "../../api/json-only.js";
import { jsonTextTooDeep } from "../../api/nesting-depth.js";
import { badRequest, tooLarge, unsupportedMediaType } from "../../api/status.js";
import { yamlToJson } from "../../api/yaml-to-json.js";
import type { PatchType } from "../../client/client.js";
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from "./protobuf/index.js";

/** kube-apiserver's limit on request bodies: 3 MiB. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** Reads a request body as UTF-8 text (see readBodyBytes). */
export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(req, limit)).toString("utf8");
}

/**
 * Reads a request body, refusing more than `limit` bytes with 413 (early from Content-Length,
 * else while reading; the rest of the upload is discarded).
 */
export function readBodyBytes(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const refuse = (): Error => tooLarge(`the request is too large: limit is ${limit} bytes`);
  if (declared > limit) {
    req.resume();
    return Promise.reject(refuse());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(refuse());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
  });
}

/** The request's media type without parameters (`application/json` when none is given, as upstream assumes). */
function mediaType(req: IncomingMessage): string {
  const ct = req.headers["content-type"];
  return (ct ?? "application/json").split(";")[0]!.trim().toLowerCase() || "application/json";
}

/** An object body: its JSON text (what field validation reads), the parsed object, decoding warnings. */
export interface ObjectBody {
  text: string;
  /** undefined for an empty body. */
  object: unknown;
  warnings: readonly string[];
}

/**
 * Reads and decodes an object body: JSON, YAML, or Kubernetes protobuf (decoded to the JSON
 * object it stands for; `text` is then that object's JSON).
 */
export async function readObjectBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<ObjectBody> {
  const bytes = await readBodyBytes(req, limit);
  if (mediaType(req) === PROTOBUF_MEDIA_TYPE && bytes.length > 0) {
    const { object, warnings } = decodeProtobufObject(bytes);
    return { text: JSON.stringify(object), object, warnings };
  }
  const text = bytes.toString("utf8");
  return { text, object: decodeObjectBody(req, text), warnings: [] };
}

const OBJECT_MEDIA_TYPES = `application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}`;

/**
 * Parses a JSON or YAML object body; an empty body is undefined. Any other media type is 415, as
 * kube-apiserver's input negotiation answers (text/plain included: clients must say what they send).
 */
export function decodeObjectBody(req: IncomingMessage, text: string): unknown {
  const type = mediaType(req);
  if (type === PROTOBUF_MEDIA_TYPE && text === "") return undefined;
  if (type !== "application/json" && type !== "application/yaml") throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${OBJECT_MEDIA_TYPES}`);
  if (text.trim() === "") return undefined;
  if (type === "application/yaml") return parseYaml(text, "error converting YAML to JSON: ");
  return parseJson(text, "the object provided is unrecognized: couldn't get version/kind; json parse error: ");
}

/**
 * Parses JSON text; `prefix` starts the 400's message. Nesting past MAX_NESTING_DEPTH is refused
 * before parsing, with Go's scanner message (`invalid character '[' exceeded max depth`).
 */
function parseJson(text: string, prefix: string): unknown {
  const tooDeep = jsonTextTooDeep(text);
  if (tooDeep) throw badRequest(`${prefix}invalid character '${tooDeep.bracket}' exceeded max depth`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`${prefix}${(err as Error).message}`);
  }
  // Only a text that spells or escapes a name can hold `__proto__` (checked without a walk otherwise).
  const unsupported = text.includes("__proto__") || text.includes("\\u") ? firstNonJson(value) : undefined;
  if (unsupported) throw badRequest(`${prefix}${unsupported}`);
  return value;
}

/** Parses YAML text (bounded: see yamlToJson); `prefix` starts the 400's message. */
function parseYaml(text: string, prefix: string): unknown {
  try {
    return yamlToJson(text);
  } catch (err) {
    throw badRequest(`${prefix}${(err as Error).message}`);
  }
}

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+json": "apply",
};

/** The patch type named by a PATCH request's Content-Type; 415 for anything else. */
export function patchTypeOf(req: IncomingMessage): PatchType {
  const t = PATCH_TYPES[mediaType(req)];
  if (!t) throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).slice(0, 4).join(", ")}`);
  return t;
}

/**
 * Decodes a patch body: JSON for json/merge/strategic (with the message prefix each upstream
 * patcher uses); apply patches are YAML (JSON is YAML).
 */
export function decodePatchBody(type: PatchType, text: string): unknown {
  if (text.trim() === "") throw badRequest("the body of the request was empty");
  if (type === "apply") return parseYaml(text, "error decoding YAML: ");
  return parseJson(text, type === "strategic" ? "" : "error decoding patch: ");
}
