/**
 * Pieces of ingress-nginx's access log line (`log-format-upstream`) that cost more than they show
 * when formatted once per request.
 */

/** `.000` … `.999`: the fraction of each whole millisecond. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, "0")}`);

/**
 * Seconds at millisecond resolution as nginx prints `$request_time` and `$upstream_response_time`:
 * exactly what `seconds.toFixed(3)` gives, from integer arithmetic unless the value sits within
 * rounding error of a half millisecond (or is negative, huge or not finite), where toFixed decides.
 */
export function secondsText(seconds: number): string {
  const ms = seconds * 1000;
  if (!(ms >= 0 && ms < 1e9)) return seconds.toFixed(3);
  const whole = Math.floor(ms);
  const fraction = ms - whole;
  if (fraction > 0.4999 && fraction < 0.5001) return seconds.toFixed(3);
  const rounded = fraction < 0.5 ? whole : whole + 1;
  const s = Math.floor(rounded / 1000);
  return `${s}${MILLIS[rounded - s * 1000]!}`;
}

/** The bytes a request's header lines take on the wire (`name: value\r\n` each, and the blank line ending them): part of `$request_length`. */
export function headerLinesLength(headers: Readonly<Record<string, string>>): number {
  let n = 2;
  for (const k in headers) n += k.length + headers[k]!.length + 4;
  return n;
}
