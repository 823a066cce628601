/**
 * Elasticsearch date values and date math in range queries: ISO 8601 dates (`2024-05-01`,
 * `2024-05-01T10:00:00.123Z`), epoch milliseconds, and `now`/`<date>||` expressions with
 * `+1h`/`-15m` steps and `/d` rounding (rounded down for gte/lt, to the unit's end for gt/lte).
 */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, H: 3_600_000, d: 86_400_000, w: 604_800_000 };

function addUnits(t: number, n: number, unit: string): number {
  if (unit === "M" || unit === "y") {
    const d = new Date(t);
    if (unit === "M") d.setUTCMonth(d.getUTCMonth() + n);
    else d.setUTCFullYear(d.getUTCFullYear() + n);
    return d.getTime();
  }
  const ms = UNIT_MS[unit];
  if (ms === undefined) throw new Error(`unit [${unit}] not supported for date math`);
  return t + n * ms;
}

function roundDown(t: number, unit: string): number {
  const d = new Date(t);
  switch (unit) {
    case "y":
      return Date.UTC(d.getUTCFullYear(), 0, 1);
    case "M":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "w": {
      const day = (d.getUTCDay() + 6) % 7; // weeks start on Monday
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
    }
    default: {
      const ms = UNIT_MS[unit];
      if (ms === undefined) throw new Error(`unit [${unit}] not supported for date math`);
      return Math.floor(t / ms) * ms;
    }
  }
}

/** Parses a date or date-math expression to epoch ms; `roundUp` for gt/lte bounds. Throws on what ES refuses. */
export function parseDate(value: unknown, now: number, roundUp = false): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") throw new Error(`failed to parse date field [${String(value)}]`);
  let base: number;
  let math: string;
  if (value.startsWith("now")) {
    base = now;
    math = value.slice(3);
  } else {
    const i = value.indexOf("||");
    const text = i >= 0 ? value.slice(0, i) : value;
    math = i >= 0 ? value.slice(i + 2) : "";
    base = /^\d+$/.test(text) ? Number(text) : Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(base)) throw new Error(`failed to parse date field [${value}] with format [strict_date_optional_time||epoch_millis]`);
  }
  let t = base;
  const re = /([+-]\d*|\/)([yMwdhHms])/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < math.length && (m = re.exec(math))) {
    pos = re.lastIndex;
    const [, op, unit] = m as unknown as [string, string, string];
    if (op === "/") t = roundUp ? addUnits(roundDown(t, unit), 1, unit) - 1 : roundDown(t, unit);
    else t = addUnits(t, op.length === 1 ? (op === "-" ? -1 : 1) : Number(op), unit);
  }
  if (pos !== math.length) throw new Error(`failed to parse date field [${value}]: invalid date math`);
  return t;
}
