import { formatQuantity, parseQuantity } from "../../../../core/index.js";
import { GO_JSON_ALWAYS, GO_TYPES } from "../deployment/go-types.js";

/**
 * The JSON value Go's encoding/json writes for the Go struct of type `type` that `value` (a stored
 * object's JSON) decodes to, as kube-controller-manager's informer holds it: fields Go does not
 * know are dropped, empty lists and maps are nil, `omitempty` fields at their zero value are left
 * out, fields without it are written at their zero value (`""`, `0`, `null`), struct-typed fields
 * are always written (`resources: {}`, `creationTimestamp: null`), quantities in canonical form.
 */
export function goJsonValue(value: unknown, type: string): unknown {
  return encode(value, type);
}

const INTS = new Set(["int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "byte"]);

function underlying(t: string): string {
  const info = GO_TYPES[t];
  return info && "underlying" in info ? underlying(info.underlying) : t;
}

const isStructType = (t: string): boolean => t in SPECIAL || (GO_TYPES[t] !== undefined && "fields" in GO_TYPES[t]!);

function encode(v: unknown, t: string): unknown {
  if (t.startsWith("*")) return v === undefined || v === null ? null : encode(v, t.slice(1));
  const special = SPECIAL[t];
  if (special) return special(v);
  const info = GO_TYPES[t];
  if (info && "fields" in info) {
    const out: Record<string, unknown> = {};
    writeFields(v && typeof v === "object" ? (v as Record<string, unknown>) : {}, t, out);
    return out;
  }
  const u = underlying(t);
  if (u.startsWith("[]")) {
    if (!Array.isArray(v) || v.length === 0) return null;
    const et = u.slice(2);
    return v.map((e) => encode(e, et));
  }
  if (u.startsWith("map[")) {
    const m = v && typeof v === "object" ? (v as Record<string, unknown>) : {};
    const keys = Object.keys(m);
    if (keys.length === 0) return null;
    const vt = u.slice(u.indexOf("]") + 1);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = encode(m[k], vt);
    return out;
  }
  if (u === "string") return typeof v === "string" ? v : "";
  if (u === "bool") return v === true;
  if (INTS.has(u)) return typeof v === "number" ? Math.trunc(v) : 0;
  throw new Error(`go-json: no rule for Go type ${t}`);
}

function writeFields(obj: Record<string, unknown>, t: string, out: Record<string, unknown>): void {
  const info = GO_TYPES[t] as { fields: readonly (readonly [string, string, string])[] };
  const always = GO_JSON_ALWAYS[t];
  for (const [, json, ft] of info.fields) {
    if (json === "-") continue;
    if (json === "") {
      writeFields(obj, ft, out); // an embedded struct's fields are the outer object's
      continue;
    }
    const v = obj[json];
    if (!isStructType(ft) && !always?.includes(json) && isZero(v, ft)) continue;
    out[json] = encode(v, ft);
  }
}

/** omitempty's test on the decoded Go value: nil pointer, empty slice/map/string, false, 0. */
function isZero(v: unknown, t: string): boolean {
  if (v === undefined || v === null) return true;
  if (t.startsWith("*")) return false;
  const u = underlying(t);
  if (u.startsWith("[]")) return !Array.isArray(v) || v.length === 0;
  if (u.startsWith("map[")) return typeof v !== "object" || Object.keys(v as object).length === 0;
  if (u === "string") return v === "";
  if (u === "bool") return v !== true;
  if (INTS.has(u)) return v === 0;
  return false;
}

/** Types whose JSON form is not their struct fields'. */
const SPECIAL: Readonly<Record<string, (v: unknown) => unknown>> = {
  "meta.Time": (v) => (typeof v === "string" && v !== "" ? v : null),
  "intstr.IntOrString": (v) => (typeof v === "string" ? v : typeof v === "number" ? v : 0),
  "resource.Quantity": (v) => (typeof v === "number" || typeof v === "string" ? formatQuantity(parseQuantity(v)) : "0"),
};

const ESCAPES: Readonly<Record<string, string>> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HAS_HTML_UNSAFE = /[<>&\u2028\u2029]/;

/**
 * `json.Marshal` of a `map[string]interface{}` tree in Go: object keys sorted byte-wise at every
 * level, strings HTML-escaped (`<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`, and U+2028/2029),
 * no spaces. Numbers are float64s after the map round trip; integers print as JavaScript does.
 */
export function goMarshalMap(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") {
    const s = JSON.stringify(v);
    return HAS_HTML_UNSAFE.test(s) ? s.replace(HTML_UNSAFE, (c) => ESCAPES[c]!) : s;
  }
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goMarshalMap).join(",")}]`;
  const m = v as Record<string, unknown>;
  const keys = Object.keys(m).filter((k) => m[k] !== undefined);
  keys.sort(byteOrder);
  return `{${keys.map((k) => `${goMarshalMap(k)}:${goMarshalMap(m[k])}`).join(",")}}`;
}

/** Go's byte-wise string order; ASCII keys (nearly all) compare as UTF-16 does. */
function byteOrder(a: string, b: string): number {
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
