/**
 * Calico's selector expressions (`app == 'web' && has(tier)`, `role in {'a', 'b'}`, `all()`,
 * `!has(x)`, `a != 'b'`, `k not in {...}`, parentheses, `||`), parsed once into a matcher over a
 * label map. A syntax error names the position, as calicoctl does.
 */
export type Labels = Readonly<Record<string, string>>;
export type Selector = (labels: Labels) => boolean;

export class SelectorError extends Error {
  override readonly name = "SelectorError";
}

const TOKEN = /\s*(?:(\(|\)|\{|\}|,|&&|\|\||==|!=|!)|(all\(\)|global\(\))|(has)\(|('(?:[^']*)'|"(?:[^"]*)")|(not\s+in|in|contains|starts\s*with|ends\s*with)(?![\w./-])|([A-Za-z0-9_./-]+))/y;

interface Tok {
  kind: "op" | "all" | "has" | "str" | "kw" | "id";
  text: string;
  at: number;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new SelectorError(`failed to parse selector ${JSON.stringify(src)}: unexpected character at position ${pos}`);
    const at = pos + (m[0].length - m[0].trimStart().length);
    if (m[1]) out.push({ kind: "op", text: m[1], at });
    else if (m[2]) out.push({ kind: "all", text: m[2], at });
    else if (m[3]) out.push({ kind: "has", text: "has", at });
    else if (m[4]) out.push({ kind: "str", text: m[4].slice(1, -1), at });
    else if (m[5]) out.push({ kind: "kw", text: m[5].replace(/\s+/g, " "), at });
    else out.push({ kind: "id", text: m[6]!, at });
    pos = TOKEN.lastIndex;
  }
  return out;
}

/** Parses a Calico selector; the empty selector matches everything (as `all()`). */
export function parseSelector(src: string): Selector {
  const toks = tokenize(src);
  let i = 0;
  const fail = (what: string): never => {
    throw new SelectorError(`failed to parse selector ${JSON.stringify(src)}: ${what} at position ${toks[i]?.at ?? src.length}`);
  };
  const peek = (text?: string): Tok | undefined => (toks[i] && (text === undefined || toks[i]!.text === text) ? toks[i] : undefined);
  const take = (text: string): void => void (peek(text) ? i++ : fail(`expected ${JSON.stringify(text)}`));
  const str = (): string => (toks[i]?.kind === "str" ? toks[i++]!.text : fail("expected a quoted value"));
  const or = (): Selector => {
    let l = and();
    while (peek("||")) {
      i++;
      const a = l;
      const b = and();
      l = (x) => a(x) || b(x);
    }
    return l;
  };
  const and = (): Selector => {
    let l = unary();
    while (peek("&&")) {
      i++;
      const a = l;
      const b = unary();
      l = (x) => a(x) && b(x);
    }
    return l;
  };
  const unary = (): Selector => {
    if (peek("!")) {
      i++;
      const inner = unary();
      return (x) => !inner(x);
    }
    const t = toks[i];
    if (!t) return fail("unexpected end");
    if (t.text === "(") {
      i++;
      const inner = or();
      take(")");
      return inner;
    }
    if (t.kind === "all") {
      i++;
      return () => true;
    }
    if (t.kind === "has") {
      i++;
      const key = toks[i]?.kind === "id" ? toks[i++]!.text : fail("expected a label name");
      take(")");
      return (x) => key in x;
    }
    if (t.kind !== "id") return fail("expected a label name");
    i++;
    const key = t.text;
    const op = toks[i];
    if (op?.text === "==" || op?.text === "!=") {
      i++;
      const v = str();
      return op.text === "==" ? (x) => x[key] === v : (x) => x[key] !== v;
    }
    if (op?.kind === "kw") {
      i++;
      if (op.text === "in" || op.text === "not in") {
        take("{");
        const values = new Set<string>();
        if (!peek("}")) {
          values.add(str());
          while (peek(",")) {
            i++;
            values.add(str());
          }
        }
        take("}");
        return op.text === "in" ? (x) => key in x && values.has(x[key]!) : (x) => !(key in x) || !values.has(x[key]!);
      }
      const v = str();
      if (op.text === "contains") return (x) => (x[key] ?? "").includes(v) && key in x;
      if (op.text === "starts with") return (x) => key in x && x[key]!.startsWith(v);
      return (x) => key in x && x[key]!.endsWith(v);
    }
    return fail("expected an operator");
  };
  if (toks.length === 0) return () => true;
  const sel = or();
  if (i < toks.length) fail("unexpected token");
  return sel;
}
