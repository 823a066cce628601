/**
 * Wall-clock arithmetic in an IANA time zone, as Go's `time` package does it for a `*Location`:
 * the wall fields of an instant, the instant of wall fields (`time.Date`, with Go's choice in a
 * gap or overlap), and RFC 3339 with the zone's offset. Offsets come from `Intl` and are cached
 * per quarter hour, so schedule arithmetic stays cheap.
 */
export class TimeZone {
  private static readonly cache = new Map<string, TimeZone>();
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat | undefined;

  private constructor(readonly name: string) {
    this.format = name === "UTC" ? undefined : new Intl.DateTimeFormat("en-US", { timeZone: name, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  }

  /** The zone named `name` (`""` and `UTC` are UTC); throws `unknown time zone X` for a name Intl does not know. */
  static of(name: string | undefined): TimeZone {
    const key = !name ? "UTC" : name;
    let tz = TimeZone.cache.get(key);
    if (!tz) {
      try {
        tz = new TimeZone(key);
      } catch {
        throw new Error(`unknown time zone ${key}`);
      }
      TimeZone.cache.set(key, tz);
    }
    return tz;
  }

  /** The zone's offset from UTC (ms) at instant `ms`. */
  offsetAt(ms: number): number {
    if (!this.format) return 0;
    const bucket = Math.floor(ms / 900_000);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * 900_000;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
      off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      this.offsets.set(bucket, off);
    }
    return off;
  }

  /** The wall clock at `ms` as a Date whose UTC fields are the zone's (getUTCHours() is the local hour). */
  wall(ms: number): Date {
    return new Date(ms + this.offsetAt(ms));
  }

  /** time.Date(y, mon, d, h, mi, s, 0, loc) with Go's normalisation; `mon` counts from 0. */
  date(y: number, mon: number, d: number, h = 0, mi = 0, s = 0): number {
    const asUtc = Date.UTC(y, mon, d, h, mi, s);
    let off = this.offsetAt(asUtc);
    if (this.offsetAt(asUtc - off) !== off) off = this.offsetAt(asUtc - off);
    return asUtc - off;
  }

  /** Go's `t.Format(time.RFC3339)` in this zone: `2026-03-08T03:00:00-04:00`, `Z` for a zero offset (Go's `Z07:00`). */
  rfc3339(ms: number): string {
    const off = this.offsetAt(ms);
    const local = new Date(Math.floor((ms + off) / 1000) * 1000).toISOString().slice(0, 19);
    if (off === 0) return `${local}Z`;
    const abs = Math.abs(off) / 60_000;
    const pad = (n: number): string => String(n).padStart(2, "0");
    return `${local}${off < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
}
