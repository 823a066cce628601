/** One `[SECTION]` of a fluent-bit classic configuration file: its name and its keys (case-insensitive). */
export interface ConfigSection {
  readonly name: string;
  get(key: string): string | undefined;
}

/**
 * Parses fluent-bit's classic configuration format: `[SERVICE]`, `[INPUT]`, `[FILTER]`, `[OUTPUT]`
 * sections with indented `Key Value` lines, `#` comments and `@INCLUDE file` (read through
 * `read`). Throws with fluent-bit's wording on a malformed line.
 */
export function parseFluentBitConfig(text: string, read: (path: string) => string | undefined = () => undefined, dir = "/fluent-bit/etc"): ConfigSection[] {
  const sections: ConfigSection[] = [];
  let current: Map<string, string> | undefined;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    if (t.startsWith("@INCLUDE")) {
      const file = t.slice(8).trim();
      const path = file.startsWith("/") ? file : `${dir}/${file}`;
      const inc = read(path);
      if (inc === undefined) throw new Error(`[config] file ${path} not found`);
      sections.push(...parseFluentBitConfig(inc, read, dir));
      current = undefined;
      continue;
    }
    if (t.startsWith("@SET")) continue;
    const header = /^\[([A-Za-z_]+)\]$/.exec(t);
    if (header) {
      const values = new Map<string, string>();
      current = values;
      sections.push({ name: header[1]!.toUpperCase(), get: (k) => values.get(k.toLowerCase()) });
      continue;
    }
    if (!current) throw new Error(`[config] invalid line ${i + 1}: "${t}" is outside of a section`);
    const m = /^(\S+)\s+(.*)$/.exec(t);
    if (!m) throw new Error(`[config] invalid line ${i + 1}: key "${t}" has no value`);
    current.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return sections;
}

/** `On`/`Off`/`true`/`false` as fluent-bit reads booleans. */
export function onOff(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return ["on", "true", "yes", "1"].includes(v.toLowerCase());
}
