import { parsingError } from "./errors.js";
import type { Query } from "./query.js";

/**
 * The Lucene query syntax of `query_string` (and `?q=`): terms, `field:term`, `"phrases"`,
 * wildcards `*`/`?`, ranges `field:[a TO b]`/`{a TO b}`/`>=x`, `_exists_:field`, `AND`/`OR`/`NOT`
 * (also `&&`, `||`, `!`), `+`/`-` prefixes and parentheses, with `default_operator` between bare
 * clauses and `default_field` (or `fields`) where no field is given.
 */
export function parseQueryString(body: Record<string, unknown>): Query {
  const text = String(body["query"] ?? "");
  const fields = Array.isArray(body["fields"]) ? (body["fields"] as unknown[]).map(String) : [String(body["default_field"] ?? "*")];
  const defaultAnd = String(body["default_operator"] ?? "OR").toUpperCase() === "AND";
  return new QueryStringParser(text, fields, defaultAnd).parse();
}

type Token = { t: "(" | ")" | "AND" | "OR" | "NOT" | "+" | "-" } | { t: "term"; field?: string; value: string; quoted: boolean } | { t: "range"; field?: string; lower: string; upper: string; incLower: boolean; incUpper: boolean } | { t: "group"; field: string };

/** A clause marked by `+` (required) or `-`/`NOT` (prohibited), which keeps that meaning among OR'ed clauses. */
type Marked = Query & { required?: boolean; prohibited?: boolean };

const bool = (q: Partial<Extract<Query, { kind: "bool" }>>): Query => ({ kind: "bool", must: [], filter: [], should: [], mustNot: [], ...q });

class QueryStringParser {
  private readonly tokens: Token[] = [];
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly fields: readonly string[],
    private readonly defaultAnd: boolean,
  ) {
    this.lex();
  }

  parse(): Query {
    if (this.tokens.length === 0) return { kind: "none" };
    const q = this.or(this.fields);
    if (this.pos < this.tokens.length) throw this.error(`unexpected ${JSON.stringify(this.tokens[this.pos])}`);
    return q;
  }

  private error(why: string): Error {
    return parsingError(`Failed to parse query [${this.text}]: ${why}`);
  }

  private lex(): void {
    const s = this.text;
    let i = 0;
    const readWord = (): string => {
      let w = "";
      while (i < s.length && !/[\s()"]/.test(s[i]!) && !(s[i] === ":" && w.length && s[i - 1] !== "\\")) {
        if (s[i] === "\\" && i + 1 < s.length) {
          w += s[i + 1];
          i += 2;
          continue;
        }
        w += s[i++];
      }
      return w;
    };
    const readQuoted = (): string => {
      i++;
      let w = "";
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        w += s[i++];
      }
      if (s[i] !== '"') throw this.error("unterminated phrase");
      i++;
      return w;
    };
    while (i < s.length) {
      const c = s[i]!;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === "(" || c === ")") {
        this.tokens.push({ t: c });
        i++;
        continue;
      }
      if (s.startsWith("&&", i) || s.startsWith("||", i)) {
        this.tokens.push({ t: c === "&" ? "AND" : "OR" });
        i += 2;
        continue;
      }
      if ((c === "+" || c === "-" || c === "!") && i + 1 < s.length && !/\s/.test(s[i + 1]!)) {
        this.tokens.push({ t: c === "!" ? "NOT" : c });
        i++;
        continue;
      }
      if (c === '"') {
        this.tokens.push({ t: "term", value: readQuoted(), quoted: true });
        continue;
      }
      const word = readWord();
      if (s[i] === ":") {
        i++;
        const field = word;
        if (s[i] === '"') this.tokens.push({ t: "term", field, value: readQuoted(), quoted: true });
        else if (s[i] === "(") this.tokens.push({ t: "group", field });
        else if (s[i] === "[" || s[i] === "{") {
          const close = s.slice(i).search(/[\]}]/);
          if (close < 0) throw this.error("unterminated range");
          const inner = s.slice(i + 1, i + close).trim();
          const m = /^(\S+)\s+TO\s+(\S+)$/.exec(inner);
          if (!m) throw this.error(`invalid range [${inner}]`);
          this.tokens.push({ t: "range", field, lower: m[1]!, upper: m[2]!, incLower: s[i] === "[", incUpper: s[i + close] === "]" });
          i += close + 1;
        } else if (s[i] === ">" || s[i] === "<") {
          const op = s[i + 1] === "=" ? s.slice(i, i + 2) : s[i]!;
          i += op.length;
          const v = readWord();
          this.tokens.push(op[0] === ">" ? { t: "range", field, lower: v, upper: "*", incLower: op.length === 2, incUpper: true } : { t: "range", field, lower: "*", upper: v, incLower: true, incUpper: op.length === 2 });
        } else this.tokens.push({ t: "term", field, value: readWord(), quoted: false });
        continue;
      }
      if (word === "AND" || word === "OR" || word === "NOT") this.tokens.push({ t: word });
      else this.tokens.push({ t: "term", value: word, quoted: false });
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private startsClause(): boolean {
    const t = this.peek();
    return t !== undefined && t.t !== ")" && t.t !== "AND" && t.t !== "OR";
  }

  private or(fields: readonly string[]): Query {
    const parts = [this.and(fields)];
    for (;;) {
      if (this.peek()?.t === "OR") {
        this.pos++;
        parts.push(this.and(fields));
      } else if (!this.defaultAnd && this.startsClause()) parts.push(this.and(fields));
      else break;
    }
    if (parts.length === 1) return parts[0]!;
    // `+x` and `-x` among OR'ed clauses keep their meaning (required / prohibited).
    const flags = (p: Query): Marked => p as Marked;
    const must = parts.filter((p) => flags(p).required || flags(p).prohibited);
    const should = parts.filter((p) => !flags(p).required && !flags(p).prohibited);
    // As in Lucene: a required clause makes the optional ones optional; prohibited ones alone do not.
    return bool({ must, should, minimumShouldMatch: parts.some((p) => flags(p).required) || should.length === 0 ? 0 : 1 });
  }

  private and(fields: readonly string[]): Query {
    const parts = [this.unary(fields)];
    for (;;) {
      if (this.peek()?.t === "AND") {
        this.pos++;
        parts.push(this.unary(fields));
      } else if (this.defaultAnd && this.startsClause()) parts.push(this.unary(fields));
      else break;
    }
    if (parts.length === 1) return parts[0]!;
    return bool({ must: parts });
  }

  private unary(fields: readonly string[]): Query {
    const t = this.peek();
    if (!t) throw this.error("unexpected end of query");
    if (t.t === "NOT" || t.t === "-") {
      this.pos++;
      const inner = this.unary(fields);
      return Object.assign(bool({ mustNot: [inner] }), { prohibited: true });
    }
    if (t.t === "+") {
      this.pos++;
      return Object.assign(this.unary(fields), { required: true });
    }
    if (t.t === "(") {
      this.pos++;
      const q = this.or(fields);
      if (this.peek()?.t !== ")") throw this.error("missing )");
      this.pos++;
      return q;
    }
    if (t.t === "group") {
      this.pos++;
      this.pos++; // the group's "(" is implied by the token
      const q = this.or([t.field]);
      if (this.peek()?.t !== ")") throw this.error("missing )");
      this.pos++;
      return q;
    }
    if (t.t === "range") {
      this.pos++;
      const q: Query = { kind: "range", field: t.field ?? fields[0]! };
      if (t.lower !== "*") q[t.incLower ? "gte" : "gt"] = t.lower;
      if (t.upper !== "*") q[t.incUpper ? "lte" : "lt"] = t.upper;
      return q;
    }
    if (t.t === "term") {
      this.pos++;
      const targets = t.field ? [t.field] : fields;
      const one = (field: string): Query => {
        if (t.field === "_exists_") return { kind: "exists", field: t.value };
        if (!t.quoted && /[*?]/.test(t.value)) return { kind: "wildcard", field, pattern: t.value };
        return { kind: "phrase", field, text: t.value };
      };
      return targets.length === 1 ? one(targets[0]!) : bool({ should: targets.map(one) });
    }
    throw this.error(`unexpected ${t.t}`);
  }
}
