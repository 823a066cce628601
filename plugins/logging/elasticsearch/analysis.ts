/**
 * Field access and text analysis as Elasticsearch's dynamic mapping gives a log document: every
 * string is a `text` field (standard analyzer: lower-cased tokens split at non-alphanumerics) with
 * a `.keyword` sub-field holding the exact value; numbers and booleans are exact.
 */

/** A document's source. */
export type Source = Record<string, unknown>;

/** The leaf values at `path` (dotted, through objects and arrays); a `.keyword` suffix reads the base field. */
export function fieldValues(source: Source, path: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, parts: readonly string[]): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, parts);
      return;
    }
    if (parts.length === 0) {
      if (v !== undefined && v !== null && typeof v !== "object") out.push(v);
      return;
    }
    if (v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    // A key may itself contain dots (`kubernetes.labels.app.kubernetes.io/name`): try the longest first.
    for (let n = parts.length; n >= 1; n--) {
      const key = parts.slice(0, n).join(".");
      if (key in o) walk(o[key], parts.slice(n));
    }
  };
  walk(source, path.split("."));
  return out;
}

/** Every leaf field path of a document (`kubernetes.pod_name`, `log`, ...). */
export function leafPaths(source: Source, prefix = "", out: string[] = []): string[] {
  for (const [k, v] of Object.entries(source)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) leafPaths(v as Source, p, out);
    else out.push(p);
  }
  return out;
}

/** True when `path` names a field that matches `pattern` (`*`, `kubernetes.*`, `log`). */
export function fieldMatches(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === path) return true;
  if (!pattern.includes("*")) return false;
  return new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`).test(path);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The standard analyzer's tokens: lower-cased runs of letters, digits and underscores. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Whether a field path reads a keyword sub-field (exact value). */
export function isKeyword(path: string): boolean {
  return path.endsWith(".keyword");
}

export function baseField(path: string): string {
  return isKeyword(path) ? path.slice(0, -".keyword".length) : path;
}
