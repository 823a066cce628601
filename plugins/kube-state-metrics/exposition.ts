/**
 * The Prometheus text exposition format as kube-state-metrics writes it (pkg/metric/metric.go):
 * label values escaped (`\\`, `\n`, `"`), values as Go's `strconv.FormatFloat(v, 'g', -1, 64)`
 * (`1.7e+09` for a timestamp), HELP text prefixed `[STABLE]` for stable families.
 */

/** A float as Go's shortest `%g` writes it: exponent form below 1e-4 or from 1e6 on (`1.7e+09`). */
export function goFloat(v: number): string {
  if (v === 0) return "0";
  if (v === 1) return "1";
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const [mantissa, e] = v.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(v);
}

/** A label value escaped for the text format. */
export function escapeLabelValue(v: string): string {
  return /[\\\n"]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"') : v;
}

/** HELP text escaped (backslash and newline). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `k="v",...` for label pairs (values escaped), the text between a sample's braces. */
export function labelPairs(keys: readonly string[], values: readonly string[]): string {
  let s = "";
  for (let i = 0; i < keys.length; i++) s += `${i ? "," : ""}${keys[i]}="${escapeLabelValue(values[i] ?? "")}"`;
  return s;
}

/**
 * `name{<prefix>,k="v",...} value\n`: `prefix` is the pre-rendered pairs every sample of an
 * object starts with (its default labels), `keys`/`values` the sample's own.
 */
export function sampleLine(name: string, prefix: string, keys: readonly string[], values: readonly string[], value: number): string {
  const own = labelPairs(keys, values);
  const pairs = prefix && own ? `${prefix},${own}` : prefix || own;
  return `${name}${pairs ? `{${pairs}}` : ""} ${goFloat(value)}\n`;
}

/** The `# HELP` and `# TYPE` lines of a family. */
export function familyHeader(name: string, help: string, type: string, stable: boolean): string {
  return `# HELP ${name} ${stable ? "[STABLE] " : ""}${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** Content type of the text format, as kube-state-metrics answers a plain scrape. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
