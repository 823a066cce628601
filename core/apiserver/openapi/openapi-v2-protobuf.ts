/**
 * `/openapi/v2` as protobuf: the Swagger 2.0 document as gnostic's `openapi.v2.Document` message
 * (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto), which kube-apiserver serves for
 * `Accept: application/com.github.proto-openapi.spec.v2[@.]v1.0+protobuf` and kubectl reads when a
 * kind is missing from OpenAPI v3. The mapping follows gnostic's JSON → message compiler: objects
 * with free keys become repeated `Named*` pairs in document order, `x-` keys become vendor
 * extensions whose value is the YAML text of the JSON value, and keys the message has no field for
 * are left out. Field numbers are those of OpenAPIv2.proto.
 */
import { stringify } from "yaml";
import { MessageWriter } from "../http/protobuf/wire-writer.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/** Writes each of a repeated field's messages. */
function repeated<T>(w: MessageWriter, field: number, values: Iterable<T>, encode: (v: T) => MessageWriter | undefined): void {
  for (const v of values) {
    const child = encode(v);
    if (child) w.message(field, child);
  }
}

function repeatedStrings(w: MessageWriter, field: number, v: unknown): void {
  for (const s of strings(v)) w.string(field, s);
}

function doubleIfSet(w: MessageWriter, field: number, v: unknown): void {
  if (typeof v === "number" && v !== 0) w.double(field, v);
}

function int64IfSet(w: MessageWriter, field: number, v: unknown): void {
  if (typeof v === "number" && Number.isInteger(v) && v !== 0) w.int64(field, v);
}

/** YAML texts of extension and default values, by their JSON text (the same few values recur thousands of times). */
const yamlTexts = new Map<string, string>();

/** `Any { yaml }`: a free-form value as gnostic keeps it. */
function any(value: unknown): MessageWriter {
  const json = JSON.stringify(value);
  let text = yamlTexts.get(json);
  if (text === undefined) {
    text = stringify(value);
    if (yamlTexts.size < 10_000) yamlTexts.set(json, text);
  }
  return new MessageWriter().string(2, text);
}

/** `NamedAny { name, value }` for each `x-` member of `obj`. */
function vendorExtensions(w: MessageWriter, field: number, obj: Json): void {
  for (const [key, value] of Object.entries(obj)) {
    if (key.startsWith("x-")) w.message(field, new MessageWriter().string(1, key).message(2, any(value)));
  }
}

/** `Named<T> { name, value }` for each member of a map-like object. */
function named(obj: unknown, encode: (v: unknown) => MessageWriter | undefined, skipExtensions = false): MessageWriter[] {
  if (!isObject(obj)) return [];
  const out: MessageWriter[] = [];
  for (const [name, value] of Object.entries(obj)) {
    if (skipExtensions && name.startsWith("x-")) continue;
    const encoded = encode(value);
    if (encoded) out.push(new MessageWriter().string(1, name).message(2, encoded));
  }
  return out;
}

const same = (w: MessageWriter): MessageWriter => w;

/** A message whose field 1 holds a `Named<T>` pair per member (`Definitions`, `Properties`, `SecurityRequirement`, ...). */
function namedMessage(obj: unknown, encode: (v: unknown) => MessageWriter | undefined, skipExtensions = false): MessageWriter {
  const w = new MessageWriter();
  repeated(w, 1, named(obj, encode, skipExtensions), same);
  return w;
}

function schema(s: unknown): MessageWriter | undefined {
  if (!isObject(s)) return undefined;
  const w = new MessageWriter();
  w.stringIfSet(1, str(s["$ref"]));
  w.stringIfSet(2, str(s["format"]));
  w.stringIfSet(3, str(s["title"]));
  w.stringIfSet(4, str(s["description"]));
  if (s["default"] !== undefined) w.message(5, any(s["default"]));
  doubleIfSet(w, 6, s["multipleOf"]);
  doubleIfSet(w, 7, s["maximum"]);
  w.boolIfSet(8, s["exclusiveMaximum"] === true);
  doubleIfSet(w, 9, s["minimum"]);
  w.boolIfSet(10, s["exclusiveMinimum"] === true);
  int64IfSet(w, 11, s["maxLength"]);
  int64IfSet(w, 12, s["minLength"]);
  w.stringIfSet(13, str(s["pattern"]));
  int64IfSet(w, 14, s["maxItems"]);
  int64IfSet(w, 15, s["minItems"]);
  w.boolIfSet(16, s["uniqueItems"] === true);
  int64IfSet(w, 17, s["maxProperties"]);
  int64IfSet(w, 18, s["minProperties"]);
  repeatedStrings(w, 19, s["required"]);
  if (Array.isArray(s["enum"])) repeated(w, 20, s["enum"], any);
  const additional = s["additionalProperties"];
  if (typeof additional === "boolean") w.message(21, new MessageWriter().bool(2, additional));
  else if (isObject(additional)) w.message(21, new MessageWriter().message(1, schema(additional)!));
  const type = s["type"];
  if (type !== undefined) {
    const t = new MessageWriter();
    repeatedStrings(t, 1, Array.isArray(type) ? type : [type]);
    w.message(22, t);
  }
  const items = s["items"];
  if (items !== undefined) {
    const i = new MessageWriter();
    repeated(i, 1, Array.isArray(items) ? items : [items], schema);
    w.message(23, i);
  }
  if (Array.isArray(s["allOf"])) repeated(w, 24, s["allOf"], schema);
  if (isObject(s["properties"])) w.message(25, namedMessage(s["properties"], schema));
  w.stringIfSet(26, str(s["discriminator"]));
  w.boolIfSet(27, s["readOnly"] === true);
  if (s["example"] !== undefined) w.message(30, any(s["example"]));
  vendorExtensions(w, 31, s);
  return w;
}

/**
 * A non-body parameter's sub-schema. Query and formData parameters have `allowEmptyValue` at 5,
 * which shifts their later fields by one against path and header parameters.
 */
function nonBodyParameter(p: Json): MessageWriter {
  const shift = p["in"] === "query" || p["in"] === "formData" ? 1 : 0;
  const w = new MessageWriter();
  w.boolIfSet(1, p["required"] === true);
  w.stringIfSet(2, str(p["in"]));
  w.stringIfSet(3, str(p["description"]));
  w.stringIfSet(4, str(p["name"]));
  if (shift) w.boolIfSet(5, p["allowEmptyValue"] === true);
  w.stringIfSet(5 + shift, str(p["type"]));
  w.stringIfSet(6 + shift, str(p["format"]));
  w.stringIfSet(8 + shift, str(p["collectionFormat"]));
  if (p["default"] !== undefined) w.message(9 + shift, any(p["default"]));
  w.boolIfSet(19 + shift, p["uniqueItems"] === true);
  if (Array.isArray(p["enum"])) repeated(w, 20 + shift, p["enum"], any);
  vendorExtensions(w, 22 + shift, p);
  const oneof = { header: 1, formData: 2, query: 3, path: 4 }[str(p["in"]) ?? ""] ?? 3;
  return new MessageWriter().message(oneof, w);
}

/** `ParametersItem`: a parameter (body or not) or a `$ref` to one. */
function parametersItem(p: unknown): MessageWriter | undefined {
  if (!isObject(p)) return undefined;
  if (typeof p["$ref"] === "string") {
    const ref = new MessageWriter().string(1, p["$ref"]).stringIfSet(2, str(p["description"]));
    return new MessageWriter().message(2, ref);
  }
  let parameter: MessageWriter;
  if (p["in"] === "body") {
    const body = new MessageWriter();
    body.stringIfSet(1, str(p["description"]));
    body.stringIfSet(2, str(p["name"]));
    body.stringIfSet(3, "body");
    body.boolIfSet(4, p["required"] === true);
    const s = schema(p["schema"]);
    if (s) body.message(5, s);
    vendorExtensions(body, 6, p);
    parameter = new MessageWriter().message(1, body);
  } else {
    parameter = new MessageWriter().message(2, nonBodyParameter(p));
  }
  return new MessageWriter().message(1, parameter);
}

function response(r: unknown): MessageWriter | undefined {
  if (!isObject(r)) return undefined;
  if (typeof r["$ref"] === "string") return new MessageWriter().message(2, new MessageWriter().string(1, r["$ref"]));
  const w = new MessageWriter();
  w.stringIfSet(1, str(r["description"]));
  const s = schema(r["schema"]);
  if (s) w.message(2, new MessageWriter().message(1, s));
  vendorExtensions(w, 5, r);
  return new MessageWriter().message(1, w);
}

function operation(op: unknown): MessageWriter | undefined {
  if (!isObject(op)) return undefined;
  const w = new MessageWriter();
  repeatedStrings(w, 1, op["tags"]);
  w.stringIfSet(2, str(op["summary"]));
  w.stringIfSet(3, str(op["description"]));
  w.stringIfSet(5, str(op["operationId"]));
  repeatedStrings(w, 6, op["produces"]);
  repeatedStrings(w, 7, op["consumes"]);
  if (Array.isArray(op["parameters"])) repeated(w, 8, op["parameters"], parametersItem);
  if (isObject(op["responses"])) {
    const responses = namedMessage(op["responses"], response, true);
    vendorExtensions(responses, 2, op["responses"]);
    w.message(9, responses);
  }
  repeatedStrings(w, 10, op["schemes"]);
  w.boolIfSet(11, op["deprecated"] === true);
  vendorExtensions(w, 13, op);
  return w;
}

const METHOD_FIELDS: Readonly<Record<string, number>> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(item: unknown): MessageWriter | undefined {
  if (!isObject(item)) return undefined;
  const w = new MessageWriter();
  w.stringIfSet(1, str(item["$ref"]));
  for (const [method, field] of Object.entries(METHOD_FIELDS)) {
    const op = operation(item[method]);
    if (op) w.message(field, op);
  }
  if (Array.isArray(item["parameters"])) repeated(w, 9, item["parameters"], parametersItem);
  vendorExtensions(w, 10, item);
  return w;
}

/** `SecurityDefinitionsItem`: only the API-key scheme kube-apiserver declares (`BearerToken`) and basic auth. */
function securityDefinition(d: unknown): MessageWriter | undefined {
  if (!isObject(d)) return undefined;
  if (d["type"] === "basic") {
    const basic = new MessageWriter().string(1, "basic").stringIfSet(2, str(d["description"]));
    vendorExtensions(basic, 3, d);
    return new MessageWriter().message(1, basic);
  }
  if (d["type"] !== "apiKey") return undefined;
  const key = new MessageWriter().string(1, "apiKey").stringIfSet(2, str(d["name"])).stringIfSet(3, str(d["in"])).stringIfSet(4, str(d["description"]));
  vendorExtensions(key, 5, d);
  return new MessageWriter().message(2, key);
}

function securityRequirement(r: unknown): MessageWriter | undefined {
  if (!isObject(r)) return undefined;
  return namedMessage(r, (scopes) => {
    const a = new MessageWriter();
    repeatedStrings(a, 1, scopes);
    return a;
  });
}

/** The Swagger 2.0 document (as served in JSON) encoded as an `openapi.v2.Document`. */
export function encodeOpenApiV2Protobuf(doc: Json): Buffer {
  const w = new MessageWriter();
  w.stringIfSet(1, str(doc["swagger"]));
  if (isObject(doc["info"])) {
    const info = doc["info"];
    const i = new MessageWriter().stringIfSet(1, str(info["title"])).stringIfSet(2, str(info["version"])).stringIfSet(3, str(info["description"]));
    vendorExtensions(i, 7, info);
    w.message(2, i);
  }
  w.stringIfSet(3, str(doc["host"]));
  w.stringIfSet(4, str(doc["basePath"]));
  repeatedStrings(w, 5, doc["schemes"]);
  repeatedStrings(w, 6, doc["consumes"]);
  repeatedStrings(w, 7, doc["produces"]);
  if (isObject(doc["paths"])) {
    const paths = new MessageWriter();
    vendorExtensions(paths, 1, doc["paths"]);
    repeated(paths, 2, named(doc["paths"], pathItem, true), same);
    w.message(8, paths);
  }
  if (isObject(doc["definitions"])) w.message(9, namedMessage(doc["definitions"], schema));
  if (Array.isArray(doc["security"])) repeated(w, 12, doc["security"], securityRequirement);
  if (isObject(doc["securityDefinitions"])) w.message(13, namedMessage(doc["securityDefinitions"], securityDefinition));
  vendorExtensions(w, 16, doc);
  return w.finish();
}
