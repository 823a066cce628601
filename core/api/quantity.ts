/**
 * Kubernetes `resource.Quantity`: parse ("100m", "1Gi", "1e3", "0.5"), compare, add, subtract and
 * print in canonical form, as apimachinery does. Values are held exactly as a bigint count of
 * nano-units (10^-9), so cpu millicores and memory exbibytes both fit without rounding; anything
 * finer than 1n is rounded up, as Kubernetes rounds to its smallest scale.
 */

/** How a quantity prints: keeps the suffix family it was written with. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** The value in nano-units (value × 10^9). */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const NANO = 1_000_000_000n;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** The regular expression Kubernetes names in its parse error. */
export const QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/;

/** Thrown for text that is not a quantity; the message is apimachinery's `ErrFormatWrong`. */
export class QuantityParseError extends Error {
  constructor(readonly text: string) {
    super(`quantities must match the regular expression '${QUANTITY_PATTERN}'`);
  }
}

function pow10(exp: number): bigint {
  return 10n ** BigInt(exp);
}

/** Splits "1.5Gi" into number and suffix at the first character that cannot belong to the number. */
function splitSuffix(text: string): [string, string] {
  let i = 0;
  if (text[0] === "+" || text[0] === "-") i = 1;
  while (i < text.length && ((text[i]! >= "0" && text[i]! <= "9") || text[i] === ".")) i++;
  return [text.slice(0, i), text.slice(i)];
}

/** Parsed quantities by their text: the same few values ("100m", "128Mi") recur on every pod. */
const parsed = new Map<string, Quantity>();
const PARSED_CACHE_LIMIT = 4096;

/** Parses a quantity; throws {@link QuantityParseError}. Results are frozen and may be shared. */
export function parseQuantity(text: string | number): Quantity {
  const key = typeof text === "number" ? String(text) : text;
  let q = parsed.get(key);
  if (!q) {
    q = Object.freeze(parseUncached(key));
    if (parsed.size >= PARSED_CACHE_LIMIT) parsed.clear();
    parsed.set(key, q);
  }
  return q;
}

function parseUncached(text: string): Quantity {
  const trimmed = text.trim();
  const [num, suffix] = splitSuffix(trimmed);
  const m = NUMBER.exec(num);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new QuantityParseError(text);
  const negative = m[1] === "-";
  const intPart = m[2] || "0";
  const fracPart = m[3] ?? "";
  // The number as an integer mantissa and a power-of-ten scale: mantissa × 10^-fracLen.
  const mantissa = BigInt(intPart + fracPart);
  const fracLen = fracPart.length;

  let format: QuantityFormat;
  let numerator: bigint; // value × 10^9 × denominator
  let denominator = 1n;
  if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    numerator = mantissa * NANO * (1n << BigInt(BINARY_SUFFIXES[suffix]!));
    denominator = pow10(fracLen);
  } else {
    let exp: number;
    if (suffix in DECIMAL_SUFFIXES) {
      format = "DecimalSI";
      exp = DECIMAL_SUFFIXES[suffix]!;
    } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
      format = "DecimalExponent";
      exp = Number(suffix.slice(1));
      if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) throw new QuantityParseError(text);
    } else {
      throw new QuantityParseError(text);
    }
    const scale = exp + 9 - fracLen;
    if (scale >= 0) numerator = mantissa * pow10(scale);
    else {
      numerator = mantissa;
      denominator = pow10(-scale);
    }
  }
  // Round up (away from zero) to a whole nano-unit, as Kubernetes rounds to its smallest scale.
  let nanos = numerator / denominator;
  if (nanos * denominator !== numerator) nanos += 1n;
  return { nanos: negative ? -nanos : nanos, format };
}

/** True if `text` parses. */
export function isQuantity(text: unknown): boolean {
  if (typeof text !== "string" && typeof text !== "number") return false;
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** A zero quantity that adopts the format of whatever is added to it first. */
export const ZERO_QUANTITY: Quantity = Object.freeze({ nanos: 0n, format: "DecimalSI" });

/** -1, 0, 1 as `a` is less than, equal to, greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** a + b in a's format (a zero `a` takes b's format, as `Quantity.Add` does). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** a - b in a's format. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** The quantity n (an integer count) in DecimalSI. */
export function quantityOf(n: number): Quantity {
  return { nanos: BigInt(n) * NANO, format: "DecimalSI" };
}

/** The value in milli-units, rounded up (`MilliValue`). */
export function milliValue(q: Quantity): bigint {
  const n = q.nanos;
  const d = 1_000_000n;
  const r = n / d;
  return r * d === n || n < 0n ? r : r + 1n;
}

/** The value in whole units, rounded up (`Value`). */
export function unitValue(q: Quantity): bigint {
  const r = q.nanos / NANO;
  return r * NANO === q.nanos || q.nanos < 0n ? r : r + 1n;
}

/** The value as a JavaScript number (may lose precision for huge values). */
export function quantityToNumber(q: Quantity): number {
  return Number(q.nanos) / 1e9;
}

const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));

/** Canonical text, as `Quantity.String()` prints it: "100m", "1Gi", "1536Mi", "1500m", "2k". */
export function formatQuantity(q: Quantity): string {
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? "-" : "";
  if (abs === 0n) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    // Small or fractional binary values print as decimal, as apimachinery does.
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = "DecimalSI";
    else {
      let units = abs / NANO;
      let shift = 0;
      while (shift < 60 && units % 1024n === 0n) {
        units /= 1024n;
        shift += 10;
      }
      const suffix = shift === 0 ? "" : Object.keys(BINARY_SUFFIXES).find((k) => BINARY_SUFFIXES[k] === shift)!;
      return `${sign}${units}${suffix}`;
    }
  }
  // Decimal: the largest exponent (multiple of 3, from -9) at which the value is a whole number.
  let exp = -9;
  let mantissa = abs;
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === "DecimalExponent") return exp === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exp}`;
  return `${sign}${mantissa}${DECIMAL_BY_EXP.get(exp)}`;
}

/** Re-prints quantity text in canonical form ("0.5" → "500m"); returns the input if it does not parse. */
export function canonicalQuantity(text: string): string {
  try {
    return formatQuantity(parseQuantity(text));
  } catch {
    return text;
  }
}
