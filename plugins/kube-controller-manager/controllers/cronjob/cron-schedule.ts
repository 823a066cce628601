import { parseGoDuration } from "../../../../core/api/duration.js";
import { TimeZone } from "./time-zone.js";

/** A parsed CronJob schedule: `next(t)` is the first activation strictly after `t` (ms), 0 when none within five years. */
export interface CronSchedule {
  next(t: number): number;
}

/** One field's allowed values, with robfig's star bit (the field was `*`/`?` without a step > 1). */
interface Field {
  readonly values: readonly boolean[];
  readonly star: boolean;
}

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTHS: Readonly<Record<string, number>> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const BOUNDS: readonly Bounds[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTHS }, { min: 0, max: 6, names: DAYS }];

function number(text: string, names?: Bounds["names"]): number {
  const named = names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Error(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${text}`);
  return n;
}

/** robfig/cron's getField: a comma list of `*`, `?`, `a`, `a-b`, each with an optional `/step`. */
function field(text: string, r: Bounds): Field {
  const values: boolean[] = [];
  let star = false;
  for (const expr of text.split(",")) {
    const [range, stepText, extra] = expr.split("/");
    if (extra !== undefined) throw new Error(`too many slashes: ${expr}`);
    const ends = range!.split("-");
    let start: number;
    let end: number;
    let starred = false;
    if (ends[0] === "*" || ends[0] === "?") {
      [start, end, starred] = [r.min, r.max, true];
    } else {
      start = number(ends[0]!, r.names);
      if (ends.length > 2) throw new Error(`too many hyphens: ${expr}`);
      end = ends.length === 2 ? number(ends[1]!, r.names) : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      step = number(stepText);
      if (ends.length === 1) end = r.max;
      if (step > 1) starred = false;
    }
    if (start < r.min) throw new Error(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
    if (end > r.max) throw new Error(`end of range (${end}) above maximum (${r.max}): ${expr}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
    for (let v = start; v <= end; v += step) values[v] = true;
    star ||= starred;
  }
  return { values, star };
}

const only = (v: number): Field => ({ values: Object.assign([], { [v]: true }), star: false });
const all = (r: Bounds): Field => field("*", r);
const [MINUTE, HOUR, DOM, MONTH, DOW] = BOUNDS as [Bounds, Bounds, Bounds, Bounds, Bounds];

const DESCRIPTORS: Readonly<Record<string, () => Field[]>> = {
  "@yearly": () => [only(0), only(0), only(1), only(1), all(DOW)],
  "@annually": () => [only(0), only(0), only(1), only(1), all(DOW)],
  "@monthly": () => [only(0), only(0), only(1), all(MONTH), all(DOW)],
  "@weekly": () => [only(0), only(0), all(DOM), all(MONTH), only(0)],
  "@daily": () => [only(0), only(0), all(DOM), all(MONTH), all(DOW)],
  "@midnight": () => [only(0), only(0), all(DOM), all(MONTH), all(DOW)],
  "@hourly": () => [only(0), all(HOUR), all(DOM), all(MONTH), all(DOW)],
};

/** robfig/cron's `@every` duration: time.ParseDuration, its error wrapped as robfig wraps it. */
function everyDuration(text: string): number {
  try {
    return parseGoDuration(text);
  } catch (err) {
    throw new Error(`failed to parse duration @every ${text}: ${(err as Error).message}`);
  }
}

/** robfig/cron's SpecSchedule.Next, on wall time in `tz` (minute resolution: seconds are always 0). */
function specSchedule(f: Field[], tz: TimeZone): CronSchedule {
  const [minute, hour, dom, month, dow] = f as [Field, Field, Field, Field, Field];
  const dayMatches = (w: Date): boolean => {
    const d = !!dom.values[w.getUTCDate()];
    const wd = !!dow.values[w.getUTCDay()];
    return dom.star || dow.star ? d && wd : d || wd;
  };
  return {
    next(from: number): number {
      // The upcoming whole second, then the same walk as robfig: month, day, hour, minute, second.
      let t = Math.floor(from / 1000) * 1000 + 1000;
      let added = false;
      const yearLimit = tz.wall(t).getUTCFullYear() + 5;
      wrap: for (;;) {
        let w = tz.wall(t);
        if (w.getUTCFullYear() > yearLimit) return 0;
        while (!month.values[w.getUTCMonth() + 1]) {
          if (!added) {
            added = true;
            t = tz.date(w.getUTCFullYear(), w.getUTCMonth(), 1);
            w = tz.wall(t);
          }
          t = tz.date(w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
          w = tz.wall(t);
          if (w.getUTCMonth() === 0) continue wrap;
        }
        while (!dayMatches(w)) {
          if (!added) {
            added = true;
            t = tz.date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate());
            w = tz.wall(t);
          }
          t = tz.date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate() + 1, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds());
          w = tz.wall(t);
          // Across a DST change midnight can become 23:00 or 01:00: back to midnight.
          const h = w.getUTCHours();
          if (h !== 0) {
            t += (h > 12 ? 24 - h : -h) * 3_600_000;
            w = tz.wall(t);
          }
          if (w.getUTCDate() === 1) continue wrap;
        }
        while (!hour.values[w.getUTCHours()]) {
          if (!added) {
            added = true;
            t = tz.date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours());
          }
          t += 3_600_000;
          w = tz.wall(t);
          if (w.getUTCHours() === 0) continue wrap;
        }
        while (!minute.values[w.getUTCMinutes()]) {
          if (!added) {
            added = true;
            t = Math.floor(t / 60_000) * 60_000;
          }
          t += 60_000;
          w = tz.wall(t);
          if (w.getUTCMinutes() === 0) continue wrap;
        }
        while (w.getUTCSeconds() !== 0) {
          if (!added) {
            added = true;
            t = Math.floor(t / 1000) * 1000;
          }
          t += 1000;
          w = tz.wall(t);
          if (w.getUTCSeconds() === 0) continue wrap;
        }
        return t;
      }
    },
  };
}

/**
 * robfig/cron's `ParseStandard` as the CronJob controller calls it: five fields or a descriptor
 * (`@hourly`, `@every 90s`, ...), in `timeZone` (the controller prefixes `TZ=<spec.timeZone>`).
 * Throws robfig's error text for a schedule it cannot parse.
 */
export function parseSchedule(spec: string, timeZone?: string): CronSchedule {
  let text = spec.trim();
  let zone = timeZone;
  const prefix = /^(?:CRON_)?TZ=(\S*)\s*/.exec(text);
  if (prefix) {
    zone = prefix[1];
    text = text.slice(prefix[0].length);
  }
  let tz: TimeZone;
  try {
    tz = TimeZone.of(zone);
  } catch (err) {
    throw new Error(`provided bad location ${zone}: ${(err as Error).message}`);
  }
  if (text === "") throw new Error("empty spec string");
  if (text.startsWith("@every ")) {
    const delay = Math.max(1000, Math.floor(everyDuration(text.slice(7).trim()) / 1000) * 1000);
    return { next: (t) => Math.floor(t / 1000) * 1000 + delay };
  }
  if (text.startsWith("@")) {
    const d = DESCRIPTORS[text];
    if (!d) throw new Error(`unrecognized descriptor: ${text}`);
    return specSchedule(d(), tz);
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]`);
  return specSchedule(parts.map((p, i) => field(p, BOUNDS[i]!)), tz);
}
