import { fieldError, type FieldError } from "../status.js";

/** apimachinery's `IsNegativeErrorMsg`. */
export const NEGATIVE_ERROR = "must be greater than or equal to 0";
/** core validation's `isNotPositiveErrorMsg`. */
export const NOT_POSITIVE_ERROR = "must be greater than zero";

/** `ValidateNonnegativeField`: absent passes. */
export function validateNonnegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [fieldError.invalid(path, value, NEGATIVE_ERROR)] : [];
}

/** `ValidatePositiveField`-style: absent passes, ≤ 0 fails. */
export function validatePositive(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value <= 0 ? [fieldError.invalid(path, value, NOT_POSITIVE_ERROR)] : [];
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** The integer value of an int-or-percent, percents against `total` rounded as `roundUp` asks. */
export function scaledIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const pct = Number(value.slice(0, -1));
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** `ValidatePositiveIntOrPercent` (≥ 0 integer, or a well-formed percent). */
export function validateIntOrPercent(value: number | string | undefined, path: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === "string") return PERCENT_RE.test(value) ? [] : [fieldError.invalid(path, value, PERCENT_MESSAGE)];
  return validateNonnegative(value, path);
}

/** `IsNotMoreThan100Percent`. */
export function validateNotMoreThan100Percent(value: number | string | undefined, path: string): FieldError[] {
  if (typeof value !== "string" || !PERCENT_RE.test(value)) return [];
  return Number(value.slice(0, -1)) > 100 ? [fieldError.invalid(path, value, "must not be greater than 100%")] : [];
}

/** `Unsupported value` unless `value` is one of `allowed`; absent passes. */
export function validateEnum(value: string | undefined, allowed: readonly string[], path: string): FieldError[] {
  return value !== undefined && !allowed.includes(value) ? [fieldError.notSupported(path, value, allowed)] : [];
}
