/**
 * structured-merge-diff's order of path elements (fieldpath.PathElement.Compare), the order its
 * sets keep their members in and so the order FieldsV1 JSON lists them: field names first, then
 * list-map keys `k:{...}`, then set values `v:...`, then indices `i:n`. Field names compare as Go
 * strings (bytes of UTF-8); keys field by field (names, then values); values by value.Compare
 * (numbers, strings, booleans, lists, maps, null; numbers numerically); indices numerically.
 */

const FIELD = 0;
const KEY = 1;
const VALUE = 2;
const INDEX = 3;
/** A key of no known kind (`.` excluded): upstream drops these when it reads a set. */
const UNKNOWN = 4;

/** The kind of a path element key, by its `<kind>:` prefix. */
function pathElementKind(pe: string): number {
  if (pe.charCodeAt(1) !== 58 /* : */) return UNKNOWN;
  switch (pe.charCodeAt(0)) {
    case 102 /* f */:
      return FIELD;
    case 107 /* k */:
      return KEY;
    case 118 /* v */:
      return VALUE;
    case 105 /* i */:
      return INDEX;
    default:
      return UNKNOWN;
  }
}

/** Whether a key names a path element of a known kind (`f:`, `k:`, `v:` or `i:`); upstream drops keys of other kinds when it reads a set. */
export function isKnownPathElement(pe: string): boolean {
  return pathElementKind(pe) !== UNKNOWN;
}

/** Negative when `a` sorts before `b`, positive after, 0 for the same element. Neither is `.`. */
export function comparePathElements(a: string, b: string): number {
  if (a === b) return 0;
  const ka = pathElementKind(a);
  const kb = pathElementKind(b);
  if (ka !== kb) return ka - kb;
  switch (ka) {
    case FIELD:
      // Same "f:" prefix: the names compare as the whole keys do.
      return compareGoStrings(a, b);
    case KEY:
      return compareKeys(parsedKey(a), parsedKey(b), a, b);
    case VALUE: {
      const va = parsedValue(a);
      const vb = parsedValue(b);
      return va === INVALID || vb === INVALID ? compareGoStrings(a, b) : compareValues(va, vb);
    }
    case INDEX:
      return Math.sign(Number(a.slice(2)) - Number(b.slice(2)));
    default:
      return compareGoStrings(a, b);
  }
}

/**
 * Go's strings.Compare: byte order of UTF-8, which is code point order. JavaScript compares
 * UTF-16 code units, which differs only where a surrogate (a code point above U+FFFF) meets a
 * unit from U+E000 to U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = codePointRank(x);
      y = codePointRank(y);
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Surrogates (code points above U+FFFF) rank above U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
}

/** A `k:` element's fields sorted by name (value.FieldList after Sort). */
interface ParsedKey {
  readonly names: readonly string[];
  readonly values: readonly unknown[];
}

const INVALID = Symbol("invalid");

/**
 * Parsed `k:` and `v:` bodies by key: the same few items (containers, conditions, ports) are
 * compared on every write that orders a set holding them. Bounded: starts over when full.
 */
const parsedKeys = new Map<string, ParsedKey | undefined>();
const parsedValues = new Map<string, unknown>();
const PARSED_LIMIT = 4096;

function parsedKey(pe: string): ParsedKey | undefined {
  let parsed = parsedKeys.get(pe);
  if (parsed !== undefined || parsedKeys.has(pe)) return parsed;
  const body = parseJson(pe.slice(2));
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    const names = Object.keys(obj).sort(compareGoStrings);
    parsed = { names, values: names.map((n) => obj[n]) };
  }
  if (parsedKeys.size >= PARSED_LIMIT) parsedKeys.clear();
  parsedKeys.set(pe, parsed);
  return parsed;
}

function parsedValue(pe: string): unknown {
  let parsed = parsedValues.get(pe);
  if (parsed !== undefined || parsedValues.has(pe)) return parsed;
  parsed = parseJson(pe.slice(2));
  if (parsedValues.size >= PARSED_LIMIT) parsedValues.clear();
  parsedValues.set(pe, parsed);
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}

/** value.FieldList.Compare: field by field, names then values; a shorter list first. */
function compareKeys(a: ParsedKey | undefined, b: ParsedKey | undefined, rawA: string, rawB: string): number {
  if (!a || !b) return compareGoStrings(rawA, rawB);
  for (let i = 0; ; i++) {
    if (i >= a.names.length) return i >= b.names.length ? 0 : -1;
    if (i >= b.names.length) return 1;
    const c = compareGoStrings(a.names[i]!, b.names[i]!) || compareValues(a.values[i], b.values[i]);
    if (c !== 0) return c;
  }
}

/** The rank of a value's type in value.Compare: numbers, strings, booleans, lists, maps, null. */
function typeRank(v: unknown): number {
  switch (typeof v) {
    case "number":
      return 0;
    case "string":
      return 1;
    case "boolean":
      return 2;
    default:
      return v === null || v === undefined ? 5 : Array.isArray(v) ? 3 : 4;
  }
}

/** value.Compare over decoded JSON values. */
function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareGoStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; ; i++) {
        if (i >= x.length) return i >= y.length ? 0 : -1;
        if (i >= y.length) return 1;
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
    }
    case 4:
      return compareMaps(a as Record<string, unknown>, b as Record<string, unknown>);
    default:
      return 0;
  }
}

/**
 * value.MapCompare: both maps' keys together in lexical order, step by step: the map with fewer
 * keys sorts first once the steps reach its length, a map lacking the key at hand sorts after,
 * else the two values decide.
 */
function compareMaps(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const aLen = Object.keys(a).length;
  const bLen = Object.keys(b).length;
  if (aLen === 0 && bLen === 0) return 0;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareGoStrings);
  let i = 0;
  for (const k of keys) {
    let c: number;
    if (i === aLen) c = -1;
    else if (i === bLen) c = 1;
    else if (!(k in a)) c = 1;
    else if (!(k in b)) c = -1;
    else c = compareValues(a[k], b[k]);
    i++;
    if (c !== 0) return c;
  }
  return 0;
}
