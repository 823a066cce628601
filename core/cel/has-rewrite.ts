/**
 * The evaluator's `has()` accepts only a chain of field selections on a variable
 * (`has(self.a.b)`); CEL allows any operand (`has(self.matches[0].path)`, which real CRDs such as
 * the Gateway API's use). Such calls are rewritten to the equivalent map-key test
 * (`'path' in self.matches[0]`): the operand is still evaluated, errors and all.
 */
export function rewriteHasCalls(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (text.startsWith("has(", i) && (i === 0 || !/[\w.]/.test(text[i - 1]!))) {
      const close = matchingParen(text, i + 3);
      if (close > 0) {
        const inner = rewriteHasCalls(text.slice(i + 4, close));
        const split = lastTopLevelSelect(inner);
        if (split && /[[(]/.test(split.operand)) {
          out += `(${JSON.stringify(split.field)} in ${split.operand})`;
        } else out += `has(${inner})`;
        i = close + 1;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

function skipString(text: string, start: number): number {
  const q = text[start]!;
  let i = start + 1;
  while (i < text.length && text[i] !== q) i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      i = skipString(text, i) - 1;
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return ch === ")" ? i : -1;
    }
  }
  return -1;
}

/** `a.b[0].c` → operand `a.b[0]`, field `c` (the last selection outside brackets, parens and strings). */
function lastTopLevelSelect(expr: string): { operand: string; field: string } | undefined {
  const t = expr.trim();
  const m = /\.\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  if (!m) return undefined;
  const operand = t.slice(0, m.index).trim();
  let depth = 0;
  for (let i = 0; i < operand.length; i++) {
    const ch = operand[i]!;
    if (ch === '"' || ch === "'") i = skipString(operand, i) - 1;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
  }
  return depth === 0 && operand ? { operand, field: m[1]! } : undefined;
}
