/**
 * CEL's `matches` takes RE2 syntax; the evaluator compiles patterns with JavaScript's RegExp, which
 * has no inline flags. Real CRDs use RE2's `(?i)` (the Gateway API's GRPCRoute service rule:
 * `self.service.matches(r"""^(?i)\.?[a-z_]...""")`), which RegExp refuses. A literal pattern passed
 * to `matches` is rewritten, before the expression is parsed, to the equivalent JavaScript pattern:
 * from a top-level `(?i)` on, every letter matches both cases (`a` → `[aA]`, `[a-z]` → `[a-zA-Z]`).
 * Patterns computed at run time, and other RE2-only syntax, are left as they are.
 */
export function rewriteRe2Literals(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const literal = stringLiteralAt(text, i);
    if (literal) {
      out += text.slice(i, literal.end);
      i = literal.end;
      continue;
    }
    if (text.startsWith("matches", i) && (i === 0 || !/[\w]/.test(text[i - 1]!)) && /^matches\s*\(/.test(text.slice(i, i + 40))) {
      const open = text.indexOf("(", i);
      let j = open + 1;
      while (/\s/.test(text[j] ?? "")) j++;
      const arg = stringLiteralAt(text, j);
      let k = arg?.end ?? -1;
      while (k >= 0 && /\s/.test(text[k] ?? "")) k++;
      if (arg && text[k] === ")" && arg.pattern !== undefined) {
        const js = re2ToJavaScript(arg.pattern);
        out += text.slice(i, j) + (js === arg.pattern || js.includes('"""') ? text.slice(j, arg.end) : `r"""${js}"""`);
        i = arg.end;
        continue;
      }
    }
    out += text[i];
    i++;
  }
  return out;
}

/**
 * The JavaScript pattern equivalent to RE2 `pattern` where it differs only by a top-level `(?i)`
 * (case-insensitive from there on); the pattern itself otherwise.
 */
export function re2ToJavaScript(pattern: string): string {
  const at = topLevelFlagI(pattern);
  if (at < 0) return pattern;
  return pattern.slice(0, at) + caseFolded(pattern.slice(at + 4));
}

function topLevelFlagI(p: string): number {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") {
      inClass = true;
      if (p[i + 1] === "^") i++;
      if (p[i + 1] === "]") i++;
    } else if (p.startsWith("(?i)", i) && depth === 0) return i;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
  }
  return -1;
}

const isLetter = (c: string | undefined): c is string => c !== undefined && /^[A-Za-z]$/.test(c);
const otherCase = (c: string): string => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

/** `p` with every letter matching both cases. */
function caseFolded(p: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      // An escape is kept whole, a `\p{...}` class with its braces.
      const end = (p[i + 1] === "p" || p[i + 1] === "P") && p[i + 2] === "{" ? p.indexOf("}", i) + 1 || p.length : i + 2;
      out += p.slice(i, end);
      i = end - 1;
    } else if (inClass) {
      if (c === "]") {
        inClass = false;
        out += c;
      } else if (isLetter(c) && p[i + 1] === "-" && isLetter(p[i + 2]) && (c === c.toLowerCase()) === (p[i + 2] === p[i + 2]!.toLowerCase())) {
        out += `${c}-${p[i + 2]}${otherCase(c)}-${otherCase(p[i + 2]!)}`;
        i += 2;
      } else out += isLetter(c) ? c + otherCase(c) : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (p[i + 1] === "^") out += p[++i];
      if (p[i + 1] === "]") out += p[++i];
    } else if (c === "{") {
      // A repetition count has no letters: copied through its brace.
      const end = p.indexOf("}", i);
      const body = end < 0 ? "" : p.slice(i, end + 1);
      if (/^\{\d*(,\d*)?\}$/.test(body)) {
        out += body;
        i = end;
      } else out += c;
    } else out += isLetter(c) ? `[${c}${otherCase(c)}]` : c;
  }
  return out;
}

/**
 * The CEL string literal starting at `i` (`'…'`, `"…"`, `'''…'''`, `"""…"""`, each optionally
 * raw with `r`/`R`): where it ends, and its text when it has no escapes to decode (raw, or without
 * backslashes).
 */
function stringLiteralAt(text: string, i: number): { end: number; pattern?: string } | undefined {
  let j = i;
  const raw = text[j] === "r" || text[j] === "R";
  if (raw) {
    if (i > 0 && /[\w.]/.test(text[i - 1]!)) return undefined;
    j++;
  }
  const q = text[j];
  if (q !== '"' && q !== "'") return undefined;
  const triple = text.startsWith(q.repeat(3), j);
  const delim = triple ? q.repeat(3) : q;
  let k = j + delim.length;
  while (k < text.length && !text.startsWith(delim, k)) k += !raw && text[k] === "\\" ? 2 : 1;
  const end = Math.min(text.length, k + delim.length);
  const body = text.slice(j + delim.length, k);
  return raw || !body.includes("\\") ? { end, pattern: body } : { end };
}
