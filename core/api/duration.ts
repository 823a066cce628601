/**
 * Go's `time.Duration` text, which Kubernetes uses for `metav1.Duration` fields and every duration flag
 * (`--event-ttl=1h0m0s`, `@every 90s`, CoreDNS's `cache 30s`). Durations are carried in milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** One `<number><unit>` part: digits with an optional fraction (at least one digit), then letters up to the next digit or dot. */
const PART = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/**
 * Go's time.ParseDuration in milliseconds: an optional sign, then one or more `<number><unit>` parts (`1h30m`,
 * `1.5s`, `300ms`, `-2m`), or `0` alone. Throws with Go's error text (`time: invalid duration "x"`,
 * `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`).
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let at = 0;
  let sign = 1;
  if (text[0] === "-" || text[0] === "+") {
    sign = text[0] === "-" ? -1 : 1;
    at = 1;
  }
  if (text.slice(at) === "0") return 0;
  if (at === text.length) throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const m = PART.exec(text)!;
    const [whole, int = "", frac, unit = ""] = m;
    if (int === "" && (frac === undefined || frac === "")) throw new Error(`time: invalid duration ${quoted}`);
    if (unit === "") throw new Error(`time: missing unit in duration ${quoted}`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${int || "0"}.${frac ?? ""}`) * ms;
    at += whole.length;
  }
  return sign * total;
}

/** A duration as Go's time.Duration.String() prints it (`15s`, `15.016s`, `1m0.5s`, `1h0m0s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms < 0) return `-${formatGoDuration(-ms)}`;
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = Number((totalSeconds - h * 3600 - m * 60).toFixed(9));
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}
