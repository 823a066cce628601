/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: it rejects what a
 * Prometheus server would refuse to ingest (bad names, bad label syntax or escapes, unparsable
 * values, a TYPE after its samples, a family split in two, duplicate series, histograms without
 * a `+Inf` bucket, with decreasing buckets or a `_count` that differs from it).
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  type: MetricType;
  help: string | undefined;
  readonly samples: Sample[];
}

export class ExpositionError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: number): number {
  // Prometheus reads values with Go's strconv.ParseFloat: Inf, Infinity and NaN in any case.
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf" || lower === "+infinity" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new ExpositionError(line, `invalid value ${JSON.stringify(text)}`);
  return Number(text);
}

/** The family a sample belongs to: a histogram's `_bucket`/`_sum`/`_count`, a summary's `_sum`/`_count`. */
function familyOf(name: string, families: ReadonlyMap<string, MetricFamily>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === "histogram" || (f.type === "summary" && suffix !== "_bucket"))) return base;
  }
  return name;
}

function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after "{"
  for (;;) {
    while (text[i] === " ") i++;
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new ExpositionError(line, "label without '='");
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new ExpositionError(line, `invalid label name ${JSON.stringify(name)}`);
    if (Object.hasOwn(labels, name)) throw new ExpositionError(line, `duplicate label ${name}`);
    if (text[eq + 1] !== '"') throw new ExpositionError(line, `label ${name}: value must be quoted`);
    let value = "";
    let j = eq + 2;
    for (;; j++) {
      const c = text[j];
      if (c === undefined) throw new ExpositionError(line, `label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === "\\") {
        const n = text[++j];
        if (n === "\\") value += "\\";
        else if (n === '"') value += '"';
        else if (n === "n") value += "\n";
        else throw new ExpositionError(line, `label ${name}: invalid escape \\${n ?? ""}`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new ExpositionError(line, `expected ',' or '}' after label ${name}`);
  }
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(",")}}`;
}

/** Parses exposition text into its families; throws {@link ExpositionError} naming the line on anything malformed. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  if (text.length > 0 && !text.endsWith("\n")) throw new ExpositionError(text.split("\n").length, "the last line must end with a newline");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, line: number): MetricFamily => {
    if (current !== name) {
      if (closed.has(name)) throw new ExpositionError(line, `metric family ${name} appears in two separate groups`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: "untyped", help: undefined, samples: [] }));
    return f;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (!m) return; // an ordinary comment
      const [, kind, name, rest = ""] = m;
      if (!METRIC_NAME.test(name!)) throw new ExpositionError(line, `invalid metric name ${JSON.stringify(name)}`);
      const f = enter(name!, line);
      if (kind === "TYPE") {
        if (!TYPES.has(rest as MetricType)) throw new ExpositionError(line, `invalid type ${JSON.stringify(rest)}`);
        if (f.samples.length > 0) throw new ExpositionError(line, `TYPE of ${name} after its samples`);
        if (seen.has(`TYPE ${name}`)) throw new ExpositionError(line, `second TYPE line for ${name}`);
        seen.add(`TYPE ${name}`);
        f.type = rest as MetricType;
      } else {
        if (seen.has(`HELP ${name}`)) throw new ExpositionError(line, `second HELP line for ${name}`);
        seen.add(`HELP ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new ExpositionError(line, `invalid escape in HELP of ${name}`);
        f.help = rest;
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new ExpositionError(line, `not a sample: ${JSON.stringify(raw)}`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ExpositionError(line, `invalid metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let rest = raw.slice(nameEnd);
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, line));
    const fields = rest.trim().split(/\s+/);
    if (!rest.startsWith(" ") || fields.length < 1 || fields.length > 2 || fields[0] === "") throw new ExpositionError(line, `expected a value (and an optional timestamp) after ${name}`);
    const value = parseValue(fields[0]!, line);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new ExpositionError(line, `invalid timestamp ${JSON.stringify(fields[1])}`);
    const family = enter(familyOf(name, families), line);
    if (family.type === "histogram" && name.endsWith("_bucket") && labels["le"] === undefined) throw new ExpositionError(line, `histogram bucket of ${family.name} without le`);
    if ((family.type === "counter" || name.endsWith("_count") || name.endsWith("_bucket")) && value < 0) throw new ExpositionError(line, `${name} is negative`);
    const key = seriesKey(name, labels);
    if (seen.has(key)) throw new ExpositionError(line, `duplicate series ${key}`);
    seen.add(key);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = seriesKey("", rest);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) g.buckets.push([parseValue(le!, 0), s.value]);
    else if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const [k, g] of groups) {
    g.buckets.sort((a, b) => a[0] - b[0]);
    const inf = g.buckets[g.buckets.length - 1];
    if (!inf || inf[0] !== Infinity) throw new ExpositionError(0, `histogram ${f.name}${k} has no +Inf bucket`);
    for (let i = 1; i < g.buckets.length; i++) if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new ExpositionError(0, `histogram ${f.name}${k}: buckets decrease`);
    if (g.count !== undefined && g.count !== inf[1]) throw new ExpositionError(0, `histogram ${f.name}${k}: _count ${g.count} differs from the +Inf bucket ${inf[1]}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (sum of all matches), 0 when none. */
export function sampleValue(families: ReadonlyMap<string, MetricFamily>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const f of families.values()) for (const s of f.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}
