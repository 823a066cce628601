/**
 * The JSON paths of CRD `additionalPrinterColumns`: `.spec.replicas`, `.status.conditions[0].type`,
 * `.metadata.labels['app\.kubernetes\.io/name']`, wildcards `[*]` and filters
 * `[?(@.type=="Ready")]` (client-go's jsonpath, as real CRDs such as the Gateway API's use them),
 * optionally wrapped in `{...}`. Compiled once, evaluated per object; like kube-apiserver's table
 * convertor, a column shows the first result.
 */
export type PathStep = string | number | { readonly wildcard: true } | { readonly filter: { readonly path: readonly PathStep[]; readonly op: "==" | "!="; readonly value: unknown } };

/** `[?(@.a.b=="x")]`, `[?(@.n==3)]`, `[?(@.flag)]`. */
function parseFilter(inner: string, path: string): PathStep {
  const m = /^\?\(\s*@((?:\.[\w-]+)*)\s*(?:(==|!=)\s*(.+?))?\s*\)$/.exec(inner);
  if (!m) throw new Error(`unsupported JSON path element [${inner}] in ${path}`);
  const fieldPath = m[1] ? (parseSimpleJsonPath(m[1]) as PathStep[]) : [];
  if (!m[2]) return { filter: { path: fieldPath, op: "!=", value: undefined } };
  const raw = m[3]!.trim();
  let value: unknown;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else throw new Error(`unsupported JSON path filter value ${raw} in ${path}`);
  return { filter: { path: fieldPath, op: m[2] as "==" | "!=", value } };
}

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
      else if (inner === "*") steps.push({ wildcard: true });
      else if (inner.startsWith("?(")) {
        // A filter may hold `]` only inside quotes; find the `)]` that closes it.
        const close = p.indexOf(")]", i);
        if (close < 0) throw new Error(`unterminated filter in JSON path ${path}`);
        steps.push(parseFilter(p.slice(i + 1, close + 1).trim(), path));
        i = close + 2;
        continue;
      } else if (/^'.*'$|^".*"$/.test(inner)) steps.push(inner.slice(1, -1).replace(/\\\./g, "."));
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

/**
 * The first value at `steps` in `obj` (wildcards and filters tried in order), or undefined when
 * there is none (negative indexes count from the end).
 */
export function evaluateSimpleJsonPath(obj: unknown, steps: readonly PathStep[], from = 0): unknown {
  let cur: unknown = obj;
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!;
    if (cur === null || cur === undefined) return undefined;
    if (typeof step === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step < 0 ? cur.length + step : step];
    } else if (typeof step === "string") {
      if (typeof cur !== "object" || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[step];
    } else {
      const items = Array.isArray(cur) ? cur : typeof cur === "object" ? Object.values(cur as Record<string, unknown>) : [];
      for (const item of items) {
        if ("filter" in step) {
          const got = evaluateSimpleJsonPath(item, step.filter.path);
          if ((got === step.filter.value) !== (step.filter.op === "==")) continue;
        }
        const found = evaluateSimpleJsonPath(item, steps, i + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    }
  }
  return cur;
}
