import { formatQuantity, parseQuantity } from "../../../../core/index.js";
import { GO_TYPES } from "./go-types.js";

/**
 * A Kubernetes object printed as kube-controller-manager hashes it: go-spew's `%#v` with sorted
 * map keys and methods disabled (apimachinery's `dump.ForHash`), of the Go struct the object
 * decodes to. The JSON value is read as the controller's protobuf informer would have decoded
 * it: absent fields are Go zero values, empty lists and maps are nil, `{}` behind a pointer is a
 * non-nil pointer to a zero struct, quantities are parsed from their canonical form.
 *
 * spew's rules: a value shows its type as `(type)` unless it is a slice element or map entry;
 * strings print raw, nil pointers / slices / maps as `<nil>`, a non-nil pointer as its type with
 * `*` and then the pointee without type, structs as `{Field:value ...}` in declaration order,
 * slices as `[a b]`, maps as `map[k:v ...]` with keys sorted.
 */
export function goDump(value: unknown, type: string): string {
  const out: string[] = [];
  format(value, type, false, out);
  return out.join("");
}

const INTS = new Set(["int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "byte"]);

/** How the type prints: `core.X` and `meta.X` are both package `v1`. */
function goName(t: string): string {
  if (t.startsWith("*")) return `*${goName(t.slice(1))}`;
  if (t.startsWith("[]")) return `[]${goName(t.slice(2))}`;
  if (t.startsWith("map[")) {
    const [k, v] = mapParts(t);
    return `map[${goName(k)}]${goName(v)}`;
  }
  if (t.startsWith("core.") || t.startsWith("meta.")) return `v1.${t.slice(5)}`;
  return t;
}

function mapParts(t: string): [string, string] {
  let depth = 0;
  for (let i = 3; i < t.length; i++) {
    if (t[i] === "[") depth++;
    else if (t[i] === "]" && --depth === 0) return [t.slice(4, i), t.slice(i + 1)];
  }
  throw new Error(`bad map type ${t}`);
}

/** The underlying type of a named non-struct type (a string, int, slice or map type). */
function underlying(t: string): string {
  const info = GO_TYPES[t];
  return info && "underlying" in info ? underlying(info.underlying) : t;
}

const isEmpty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
/** Go's byte-wise string order (SortKeys). */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function format(v: unknown, t: string, ignoreType: boolean, out: string[]): void {
  if (t.startsWith("*")) {
    if (v === undefined || v === null) {
      out.push(ignoreType ? "<nil>" : `(${goName(t)})<nil>`);
      return;
    }
    out.push(ignoreType ? "<*>" : `(${goName(t)})`);
    format(v, t.slice(1), true, out);
    return;
  }
  if (!ignoreType) out.push(`(${goName(t)})`);
  const special = SPECIAL[t];
  if (special) {
    out.push(special(v));
    return;
  }
  const info = GO_TYPES[t];
  if (info && "fields" in info) {
    const obj = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
    out.push("{");
    info.fields.forEach(([name, json, ft], i) => {
      if (i > 0) out.push(" ");
      out.push(`${name}:`);
      format(json === "" ? obj : obj[json], ft, false, out);
    });
    out.push("}");
    return;
  }
  const u = underlying(t);
  if (u.startsWith("[]")) {
    if (isEmpty(v)) {
      out.push("<nil>");
      return;
    }
    out.push("[");
    (v as unknown[]).forEach((e, i) => {
      if (i > 0) out.push(" ");
      format(e, u.slice(2), true, out);
    });
    out.push("]");
    return;
  }
  if (u.startsWith("map[")) {
    if (isEmpty(v)) {
      out.push("<nil>");
      return;
    }
    const [kt, vt] = mapParts(u);
    const m = v as Record<string, unknown>;
    out.push("map[");
    Object.keys(m)
      .sort(byteOrder)
      .forEach((k, i) => {
        if (i > 0) out.push(" ");
        format(k, kt, true, out);
        out.push(":");
        format(m[k], vt, true, out);
      });
    out.push("]");
    return;
  }
  if (u === "string") out.push(typeof v === "string" ? v : "");
  else if (u === "bool") out.push(v === true ? "true" : "false");
  else if (INTS.has(u)) out.push(typeof v === "number" ? String(Math.trunc(v)) : "0");
  else throw new Error(`go-dump: no rule for Go type ${t}`);
}

/** Values whose Go representation is not their JSON shape. */
const SPECIAL: Readonly<Record<string, (v: unknown) => string>> = {
  // metav1.Time wraps time.Time; templates carry only the zero time (creationTimestamp: null).
  "meta.Time": () => "{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}",
  "intstr.IntOrString": (v) =>
    typeof v === "string" ? `{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)${v}}` : `{Type:(intstr.Type)0 IntVal:(int32)${typeof v === "number" ? v : 0} StrVal:(string)}`,
  "resource.Quantity": (v) => quantityDump(v),
};

/**
 * resource.Quantity's fields after ParseQuantity of the canonical string (what the API server
 * stored): the int64 fast path keeps `value`/`scale` (and the string itself when it is already
 * canonical); the rest goes through inf.Dec.
 */
export function quantityDump(v: unknown): string {
  const text = typeof v === "number" || typeof v === "string" ? formatQuantity(parseQuantity(v)) : "0";
  const q = parseGoQuantity(text);
  const dec = q.dec === undefined ? "(*inf.Dec)<nil>" : `(*inf.Dec){unscaled:(big.Int){neg:(bool)${q.dec.unscaled < 0n} abs:(big.nat)${natWords(q.dec.unscaled < 0n ? -q.dec.unscaled : q.dec.unscaled)}} scale:(inf.Scale)${q.dec.scale}}`;
  return `{i:(resource.int64Amount){value:(int64)${q.value} scale:(resource.Scale)${q.scale}} d:(resource.infDecAmount){Dec:${dec}} s:(string)${q.s} Format:(resource.Format)${q.format}}`;
}

function natWords(n: bigint): string {
  if (n === 0n) return "<nil>";
  const words: string[] = [];
  for (let x = n; x > 0n; x >>= 64n) words.push(String(x & 0xffffffffffffffffn));
  return `[${words.join(" ")}]`;
}

interface GoQuantity {
  value: bigint;
  scale: number;
  s: string;
  format: string;
  dec?: { unscaled: bigint; scale: number };
}

const SUFFIXES: Readonly<Record<string, [number, number]>> = {
  Ki: [2, 10], Mi: [2, 20], Gi: [2, 30], Ti: [2, 40], Pi: [2, 50], Ei: [2, 60],
  n: [10, -9], u: [10, -6], m: [10, -3], "": [10, 0], k: [10, 3], M: [10, 6], G: [10, 9], T: [10, 12], P: [10, 15], E: [10, 18],
};
const MAX_INT64 = (1n << 63n) - 1n;

/** ParseQuantity's result for a canonical quantity string. */
function parseGoQuantity(str: string): GoQuantity {
  if (str === "0") return { value: 0n, scale: 0, s: "0", format: "DecimalSI" };
  const m = /^([+-]?)0*([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(str)!;
  const positive = m[1] !== "-";
  const num = m[2] || "0";
  const denom = m[3] ?? "";
  const suffix = m[4]!;
  let base: number;
  let exponent: number;
  let format: string;
  if (SUFFIXES[suffix]) {
    [base, exponent] = SUFFIXES[suffix]!;
    format = base === 2 ? "BinarySI" : "DecimalSI";
  } else {
    [base, exponent, format] = [10, Number(suffix.slice(1)), "DecimalExponent"];
  }
  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === "BinarySI") {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc(Math.fround((exponent * 3) / 10)) - 1;
    } else precision = -1;
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const result = value * mantissa;
      if (value <= MAX_INT64 && result <= MAX_INT64) {
        const signed = positive ? result : -result;
        const canonical = format === "BinarySI" ? exponent % 10 === 0 && (value & 7n) !== 0n : scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
        return { value: signed, scale, s: canonical ? str : "", format };
      }
    }
  }
  // The inf.Dec slow path: value × base^exponent, rounded up to nanos.
  let unscaled = BigInt(num + denom);
  let decScale = denom.length;
  if (base === 10) decScale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  if (decScale > 9) {
    const div = 10n ** BigInt(decScale - 9);
    unscaled = unscaled / div + (unscaled % div === 0n ? 0n : 1n);
    decScale = 9;
  }
  if (format === "BinarySI" && unscaled < 10n ** BigInt(Math.max(decScale, 0)) && decScale > 0) format = "DecimalSI";
  return { value: 0n, scale: 0, s: "", format, dec: { unscaled: positive ? unscaled : -unscaled, scale: decScale } };
}
