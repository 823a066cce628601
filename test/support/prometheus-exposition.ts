/**
 * A strict parser of the Prometheus text exposition format (0.0.4), as Prometheus' own parser
 * checks it: `# HELP`/`# TYPE` at most once per family and before its samples, a family's samples
 * contiguous, metric and label names valid, label values with only `\\`, `\"` and `\n` escapes,
 * values as Go floats, no duplicate series. Throws naming the line on the first error.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created"];

function parseValue(text: string, line: number): number {
  if (text === "NaN") return NaN;
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: invalid value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(s: string, line: number): string {
  return s.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    throw new Error(`line ${line}: invalid escape \\${c} in HELP`);
  });
}

/** Parses `text`; families keyed by name, in order of appearance. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const lines = text.split("\n");
  if (text.length && !text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const familyOf = (name: string): string => {
    if (families.has(name)) return name;
    for (const s of SUFFIXES) if (name.endsWith(s) && families.has(name.slice(0, -s.length))) return name.slice(0, -s.length);
    return name;
  };
  const enter = (name: string, n: number): Family => {
    if (current !== name) {
      if (closed.has(name)) throw new Error(`line ${n}: family ${name} appears again after other families (samples must be contiguous)`);
      if (current) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: "untyped", samples: [] }));
    return f;
  };
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw === "") return;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${n}: invalid metric name ${name}`);
      const f = enter(name, n);
      if (kind === "HELP") {
        if (f.help !== undefined) throw new Error(`line ${n}: second HELP for ${name}`);
        f.help = unescapeHelp(rest, n);
      } else {
        if (!TYPES.has(rest)) throw new Error(`line ${n}: invalid type ${JSON.stringify(rest)} for ${name}`);
        if (f.samples.length) throw new Error(`line ${n}: TYPE for ${name} after its samples`);
        if ((f as { typed?: boolean }).typed) throw new Error(`line ${n}: second TYPE for ${name}`);
        (f as { typed?: boolean }).typed = true;
        f.type = rest;
      }
      return;
    }
    let pos = 0;
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new Error(`line ${n}: invalid sample line ${JSON.stringify(raw)}`);
    const name = nameMatch[0];
    pos = name.length;
    const labels: Record<string, string> = {};
    if (raw[pos] === "{") {
      pos++;
      for (;;) {
        if (raw[pos] === "}") {
          pos++;
          break;
        }
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(raw.slice(pos));
        if (!lm) throw new Error(`line ${n}: invalid label at column ${pos + 1}: ${JSON.stringify(raw)}`);
        const lname = lm[1]!;
        if (!LABEL_NAME.test(lname)) throw new Error(`line ${n}: invalid label name ${lname}`);
        if (lname in labels) throw new Error(`line ${n}: duplicate label ${lname}`);
        pos += lm[0].length;
        let value = "";
        for (;;) {
          const c = raw[pos];
          if (c === undefined) throw new Error(`line ${n}: unterminated label value`);
          if (c === '"') {
            pos++;
            break;
          }
          if (c === "\\") {
            const e = raw[pos + 1];
            if (e === "\\") value += "\\";
            else if (e === '"') value += '"';
            else if (e === "n") value += "\n";
            else throw new Error(`line ${n}: invalid escape \\${e ?? ""} in label value`);
            pos += 2;
            continue;
          }
          value += c;
          pos++;
        }
        labels[lname] = value;
        if (raw[pos] === ",") pos++;
        else if (raw[pos] !== "}") throw new Error(`line ${n}: expected , or } at column ${pos + 1}`);
      }
    }
    if (raw[pos] !== " ") throw new Error(`line ${n}: expected a space before the value: ${JSON.stringify(raw)}`);
    const parts = raw.slice(pos + 1).split(" ");
    if (parts.length > 2 || parts[0] === "") throw new Error(`line ${n}: invalid value/timestamp ${JSON.stringify(raw.slice(pos + 1))}`);
    const value = parseValue(parts[0]!, n);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${n}: invalid timestamp ${parts[1]}`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`line ${n}: duplicate series ${raw}`);
    seen.add(series);
    enter(familyOf(name), n).samples.push({ name, labels, value });
  });
  return families;
}
