import { isPlainObject } from "./json-value.js";

/** A JSON value printed as Go's `%v` prints the decoded `interface{}` (for upstream error texts). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (isPlainObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(" ")}]`;
  return String(v);
}

/** The Go `reflect.Kind` of a decoded JSON value, as patch errors name it (`map`, `slice`, `string`, ...). */
export function goKind(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}
