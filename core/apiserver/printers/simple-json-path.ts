/**
 * The "simple JSON path" of CRD `additionalPrinterColumns`: `.spec.replicas`,
 * `.status.conditions[0].type`, `.metadata.labels['app\.kubernetes\.io/name']`, optionally wrapped
 * in `{...}`. No filters, wildcards or recursion. Compiled once, evaluated per object.
 */
export type PathStep = string | number;

/** Parses a path into field names and array indexes; throws on syntax it does not support. */
export function parseSimpleJsonPath(path: string): PathStep[] {
  let p = path.trim();
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1).trim();
  const steps: PathStep[] = [];
  let i = 0;
  while (i < p.length) {
    const ch = p[i];
    if (ch === ".") {
      i++;
      let field = "";
      while (i < p.length && p[i] !== "." && p[i] !== "[") {
        if (p[i] === "\\" && i + 1 < p.length) i++;
        field += p[i++];
      }
      if (field) steps.push(field);
    } else if (ch === "[") {
      const end = p.indexOf("]", i);
      if (end < 0) throw new Error(`unterminated [ in JSON path ${path}`);
      const inner = p.slice(i + 1, end).trim();
      if (/^-?\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push(inner.slice(1, -1).replace(/\\\./g, "."));
      else throw new Error(`unsupported JSON path element [${inner}] in ${path}`);
      i = end + 1;
    } else if (i === 0) {
      // A leading field without a dot (`spec.replicas`) is accepted like kubectl's custom columns.
      steps.push(...parseSimpleJsonPath(`.${p}`));
      return steps;
    } else {
      throw new Error(`unexpected ${JSON.stringify(ch)} in JSON path ${path}`);
    }
  }
  return steps;
}

/** The value at `steps` in `obj`, or undefined when any step is missing (negative indexes count from the end). */
export function evaluateSimpleJsonPath(obj: unknown, steps: readonly PathStep[]): unknown {
  let cur: unknown = obj;
  for (const step of steps) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof step === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step < 0 ? cur.length + step : step];
    } else {
      if (typeof cur !== "object" || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}
