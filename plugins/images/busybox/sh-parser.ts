/**
 * The grammar of the POSIX shell subset busybox `sh` is used for in manifests: lists (`;`, `&`,
 * newlines, `&&`, `||`), pipelines, simple commands with assignments and redirections, `if`,
 * `for`, `while`/`until`, `{ ...; }` groups, `( ... )` subshells, quoting, `$VAR`, `${VAR}`,
 * `$(...)` and backticks. Words keep their quoting so expansion happens at run time.
 */

/** One piece of a word: literal text (quoted or not) or something to expand. */
export type WordPart =
  | { kind: "lit"; text: string; quoted: boolean }
  | { kind: "var"; name: string; quoted: boolean; op?: string; arg?: Word }
  | { kind: "cmd"; script: string; quoted: boolean }
  | { kind: "arith"; expr: string; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: ">" | ">>" | "<" | ">&" | "<&";
  target: Word;
}

export type Command =
  | { kind: "simple"; assigns: { name: string; value: Word }[]; words: Word[]; redirects: Redirect[] }
  | { kind: "if"; clauses: { cond: List; body: List }[]; otherwise?: List; redirects: Redirect[] }
  | { kind: "for"; name: string; items?: Word[]; body: List; redirects: Redirect[] }
  | { kind: "while"; until: boolean; cond: List; body: List; redirects: Redirect[] }
  | { kind: "group"; body: List; subshell: boolean; redirects: Redirect[] };

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

/** An and-or list: pipelines joined by `&&` / `||`. */
export interface AndOr {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
  background: boolean;
}

export type List = AndOr[];

export class ShellSyntaxError extends Error {}

type Token = { t: "word"; w: Word; raw: string } | { t: "op"; v: string } | { t: "nl" } | { t: "eof" };

const OPERATORS = ["&&", "||", ";;", ">>", ">&", "<&", "|", "&", ";", "(", ")", "<", ">"];
const RESERVED = new Set(["if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while", "until", "{", "}", "!"]);

/** Tokenises `src`; words keep their parts. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === " " || ch === "\t") {
      i++;
      continue;
    }
    if (ch === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (ch === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (ch === "\n") {
      out.push({ t: "nl" });
      i++;
      continue;
    }
    // fd-prefixed redirection: 2>, 2>>, 2>&1, 1>&2
    const fdm = /^(\d)(>>|>&|<&|>|<)/.exec(src.slice(i, i + 4));
    if (fdm) {
      out.push({ t: "word", w: [{ kind: "lit", text: fdm[1]!, quoted: false }], raw: `\u0000fd${fdm[1]}` });
      i += 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: "op", v: op });
      i += op.length;
      continue;
    }
    const start = i;
    const parts: Word = [];
    const lit = (text: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.kind === "lit" && last.quoted === quoted) last.text += text;
      else parts.push({ kind: "lit", text, quoted });
    };
    while (i < src.length) {
      const c = src[i]!;
      if (" \t\n".includes(c) || (OPERATORS.some((o) => src.startsWith(o, i)) && c !== "{" && c !== "}")) break;
      if (c === "\\") {
        if (i + 1 < src.length) lit(src[i + 1]!, true);
        i += 2;
      } else if (c === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
        lit(src.slice(i + 1, end), true);
        parts.push({ kind: "lit", text: "", quoted: true });
        i = end + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        parts.push({ kind: "lit", text: "", quoted: true });
        while (i < src.length) {
          const d = src[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === "\\" && '$`"\\\n'.includes(src[i + 1] ?? "")) {
            lit(src[i + 1]!, true);
            i += 2;
          } else if (d === "$" || d === "`") {
            i = readExpansion(src, i, parts, true);
          } else {
            lit(d, true);
            i++;
          }
        }
        if (!closed) throw new ShellSyntaxError("unterminated quoted string");
      } else if (c === "$" || c === "`") {
        i = readExpansion(src, i, parts, false);
      } else {
        lit(c, false);
        i++;
      }
    }
    out.push({ t: "word", w: parts, raw: src.slice(start, i) });
  }
  out.push({ t: "eof" });
  return out;
}

/** Reads `$NAME`, `${...}`, `$(...)`, `` `...` `` or a lone `$` at `i`; returns the next index. */
function readExpansion(src: string, i: number, parts: Word, quoted: boolean): number {
  if (src[i] === "`") {
    const end = src.indexOf("`", i + 1);
    if (end < 0) throw new ShellSyntaxError("unterminated `");
    parts.push({ kind: "cmd", script: src.slice(i + 1, end), quoted });
    return end + 1;
  }
  const next = src[i + 1];
  if (src.startsWith("$((", i)) {
    const end = src.indexOf("))", i + 3);
    if (end < 0) throw new ShellSyntaxError("unterminated $((");
    parts.push({ kind: "arith", expr: src.slice(i + 3, end), quoted });
    return end + 2;
  }
  if (next === "(") {
    let depth = 1;
    let j = i + 2;
    for (; j < src.length && depth > 0; j++) {
      if (src[j] === "(") depth++;
      else if (src[j] === ")") depth--;
      else if (src[j] === "'") j = src.indexOf("'", j + 1);
    }
    if (depth > 0) throw new ShellSyntaxError("unterminated $(");
    parts.push({ kind: "cmd", script: src.slice(i + 2, j - 1), quoted });
    return j;
  }
  if (next === "{") {
    const end = src.indexOf("}", i + 2);
    if (end < 0) throw new ShellSyntaxError("missing '}'");
    const body = src.slice(i + 2, end);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?#$@*!-])(:?[-=+?])?(.*)$/s.exec(body);
    if (!m) throw new ShellSyntaxError(`\${${body}}: bad substitution`);
    if (body.startsWith("#") && body.length > 1) {
      parts.push({ kind: "var", name: body.slice(1), quoted, op: "#len" });
    } else if (m[2]) {
      const arg = tokenize(m[3] ?? "")[0];
      parts.push({ kind: "var", name: m[1]!, quoted, op: m[2], arg: arg && arg.t === "word" ? arg.w : [] });
    } else parts.push({ kind: "var", name: m[1]!, quoted });
    return end + 1;
  }
  const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?#$@*!-])/.exec(src.slice(i + 1));
  if (!m) {
    const last = parts[parts.length - 1];
    if (last && last.kind === "lit" && last.quoted === quoted) last.text += "$";
    else parts.push({ kind: "lit", text: "$", quoted });
    return i + 1;
  }
  parts.push({ kind: "var", name: m[1]!, quoted });
  return i + 1 + m[1]!.length;
}

/** Parses a script into a list. */
export function parseScript(src: string): List {
  const p = new Parser(tokenize(src));
  const list = p.list([]);
  if (!p.at("eof")) throw new ShellSyntaxError(`syntax error: unexpected "${p.describe()}"`);
  return list;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  at(kind: "eof" | "nl"): boolean {
    return this.toks[this.i]!.t === kind;
  }

  describe(): string {
    const t = this.toks[this.i]!;
    return t.t === "word" ? t.raw : t.t === "op" ? t.v : t.t === "nl" ? "newline" : "end of file";
  }

  private peekWord(): string | undefined {
    const t = this.toks[this.i]!;
    return t.t === "word" ? t.raw : undefined;
  }

  private isOp(v: string): boolean {
    const t = this.toks[this.i]!;
    return t.t === "op" && t.v === v;
  }

  private skipNewlines(): void {
    while (this.at("nl") || this.isOp(";")) this.i++;
  }

  private expectWord(w: string): void {
    this.skipNewlines();
    if (this.peekWord() !== w) throw new ShellSyntaxError(`syntax error: unexpected "${this.describe()}" (expecting "${w}")`);
    this.i++;
  }

  /** A list until one of `terminators` (reserved words) or `)` / EOF. */
  list(terminators: string[]): List {
    const out: List = [];
    for (;;) {
      while (this.at("nl") || this.isOp(";")) this.i++;
      const w = this.peekWord();
      if (this.at("eof") || this.isOp(")") || (w !== undefined && terminators.includes(w))) return out;
      const andOr = this.andOr();
      if (this.isOp("&")) {
        this.i++;
        andOr.background = true;
      }
      out.push(andOr);
      if (!(this.at("nl") || this.isOp(";") || this.isOp("&"))) {
        const w2 = this.peekWord();
        if (this.at("eof") || this.isOp(")") || (w2 !== undefined && terminators.includes(w2))) return out;
        throw new ShellSyntaxError(`syntax error: unexpected "${this.describe()}"`);
      }
    }
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr["rest"] = [];
    while (this.isOp("&&") || this.isOp("||")) {
      const op = (this.toks[this.i] as { v: "&&" | "||" }).v;
      this.i++;
      while (this.at("nl")) this.i++;
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest, background: false };
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.peekWord() === "!") {
      negate = true;
      this.i++;
    }
    const commands = [this.command()];
    while (this.isOp("|")) {
      this.i++;
      while (this.at("nl")) this.i++;
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private command(): Command {
    const w = this.peekWord();
    let cmd: Command;
    if (w === "if") {
      this.i++;
      const clauses: { cond: List; body: List }[] = [];
      let otherwise: List | undefined;
      const cond = this.list(["then"]);
      this.expectWord("then");
      clauses.push({ cond, body: this.list(["elif", "else", "fi"]) });
      for (;;) {
        const k = this.peekWord();
        if (k === "elif") {
          this.i++;
          const c = this.list(["then"]);
          this.expectWord("then");
          clauses.push({ cond: c, body: this.list(["elif", "else", "fi"]) });
        } else if (k === "else") {
          this.i++;
          otherwise = this.list(["fi"]);
        } else break;
      }
      this.expectWord("fi");
      cmd = { kind: "if", clauses, ...(otherwise ? { otherwise } : {}), redirects: [] };
    } else if (w === "for") {
      this.i++;
      const name = this.peekWord();
      if (!name || !/^[A-Za-z_]\w*$/.test(name)) throw new ShellSyntaxError(`syntax error: bad for loop variable`);
      this.i++;
      let items: Word[] | undefined;
      while (this.at("nl")) this.i++;
      if (this.peekWord() === "in") {
        this.i++;
        items = [];
        while (this.toks[this.i]!.t === "word") items.push((this.toks[this.i++] as { w: Word }).w);
      }
      this.expectWord("do");
      const body = this.list(["done"]);
      this.expectWord("done");
      cmd = { kind: "for", name, ...(items ? { items } : {}), body, redirects: [] };
    } else if (w === "while" || w === "until") {
      this.i++;
      const cond = this.list(["do"]);
      this.expectWord("do");
      const body = this.list(["done"]);
      this.expectWord("done");
      cmd = { kind: "while", until: w === "until", cond, body, redirects: [] };
    } else if (w === "{") {
      this.i++;
      const body = this.list(["}"]);
      this.expectWord("}");
      cmd = { kind: "group", body, subshell: false, redirects: [] };
    } else if (this.isOp("(")) {
      this.i++;
      const body = this.list([]);
      if (!this.isOp(")")) throw new ShellSyntaxError(`syntax error: unexpected "${this.describe()}" (expecting ")")`);
      this.i++;
      cmd = { kind: "group", body, subshell: true, redirects: [] };
    } else {
      return this.simple();
    }
    this.redirects(cmd.redirects);
    return cmd;
  }

  private redirects(into: Redirect[]): boolean {
    let found = false;
    for (;;) {
      let fd: number | undefined;
      const t = this.toks[this.i]!;
      if (t.t === "word" && t.raw.startsWith("\u0000fd")) {
        fd = Number(t.raw.slice(3));
        this.i++;
      }
      const o = this.toks[this.i]!;
      if (o.t !== "op" || ![">", ">>", "<", ">&", "<&"].includes(o.v)) {
        if (fd !== undefined) this.i--;
        return found;
      }
      this.i++;
      const target = this.toks[this.i]!;
      if (target.t !== "word") throw new ShellSyntaxError(`syntax error: unexpected "${this.describe()}"`);
      this.i++;
      const op = o.v as Redirect["op"];
      into.push({ fd: fd ?? (op === "<" || op === "<&" ? 0 : 1), op, target: target.w });
      found = true;
    }
  }

  private simple(): Command {
    const assigns: { name: string; value: Word }[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      if (this.redirects(redirects)) continue;
      const t = this.toks[this.i]!;
      if (t.t !== "word") break;
      const m = words.length === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.raw) : null;
      if (m) {
        const value = structuredClone(t.w);
        const first = value[0];
        if (first && first.kind === "lit") first.text = first.text.slice(m[1]!.length + 1);
        assigns.push({ name: m[1]!, value });
      } else words.push(t.w);
      this.i++;
      if (words.length === 1 && ["then", "do", "done", "fi", "elif", "else", "}", "in"].includes(t.raw)) {
        throw new ShellSyntaxError(`syntax error: unexpected "${t.raw}"`);
      }
    }
    if (words.length === 0 && assigns.length === 0 && redirects.length === 0) throw new ShellSyntaxError(`syntax error: unexpected "${this.describe()}"`);
    return { kind: "simple", assigns, words, redirects };
  }
}
