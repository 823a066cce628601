import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import { badRequest } from "../status.js";
import { isQualifiedName, isValidLabelValue } from "../validation/names.js";

/**
 * Label selectors as apimachinery's `labels.Selector` (k8s.io/apimachinery/pkg/labels): parsed
 * from the query-string syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h,n>5`) or built from a
 * `metav1.LabelSelector`, matched against an object's labels, printed in canonical form.
 * Parse and validation errors are 400 BadRequest `StatusError`s with Kubernetes' wording.
 */

/** `selection.Operator` values, spelled as Kubernetes spells them. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One condition on one label; `values` sorted and without duplicates. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** An object's labels (`metadata.labels`), possibly absent. */
export type Labels = Readonly<Record<string, string>> | undefined | null;

/** A conjunction of requirements. Immutable. */
export class LabelSelector {
  /** Matches every object (the empty selector). */
  static readonly everything = new LabelSelector([], false);
  /** Matches no object (what a nil `metav1.LabelSelector` means). */
  static readonly nothing = new LabelSelector([], true);

  private constructor(
    /** Sorted by key (stable), as Kubernetes sorts them. */
    readonly requirements: readonly LabelRequirement[],
    private readonly matchesNothing: boolean,
  ) {
    Object.freeze(requirements);
    Object.freeze(this);
  }

  /** A selector of the given requirements (assumed valid), sorted by key. */
  static of(requirements: readonly LabelRequirement[]): LabelSelector {
    return requirements.length === 0 ? LabelSelector.everything : new LabelSelector(sortByKey(requirements), false);
  }

  /** True when the selector does not restrict anything (matches every object). */
  get empty(): boolean {
    return this.requirements.length === 0 && !this.matchesNothing;
  }

  matches(labels: Labels): boolean {
    if (this.matchesNothing) return false;
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) if (!requirementMatches(reqs[i]!, labels)) return false;
    return true;
  }

  /**
   * The value a matching object must have for `key`, when the selector pins it to exactly one
   * (`key=v`, `key==v`, `key in (v)`): an index hint for the caller.
   */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }

  /** Canonical form, as `Selector.String()`: requirements sorted by key, values sorted. */
  toString(): string {
    return this.requirements.map(requirementToString).join(",");
  }
}

function sortByKey(requirements: readonly LabelRequirement[]): LabelRequirement[] {
  return [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function labelValue(labels: Labels, key: string): string | undefined {
  if (!labels) return undefined;
  const v = labels[key];
  return typeof v === "string" ? v : undefined; // also ignores inherited members such as "constructor"
}

function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  const value = labelValue(labels, r.key);
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return value !== undefined && r.values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !r.values.includes(value);
    case "exists":
      return value !== undefined;
    case "!":
      return value === undefined;
    case "gt":
    case "lt": {
      if (value === undefined) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0] ?? "");
      if (have === undefined || want === undefined) return false;
      return r.operator === "gt" ? have > want : have < want;
    }
  }
}

function requirementToString(r: LabelRequirement): string {
  const values = r.values.join(",");
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
      return `${r.key} in (${values})`;
    case "notin":
      return `${r.key} notin (${values})`;
    case "gt":
      return `${r.key}>${values}`;
    case "lt":
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** Go's strconv.ParseInt(s, 10, 64) as a bigint, or undefined. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/**
 * Validates and builds one requirement, as `labels.NewRequirement`: the key must be a qualified
 * name, values valid label values, and the value count fit the operator. `values` are sorted and
 * de-duplicated. Throws BadRequest listing every problem.
 */
export function labelRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errors = requirementErrors(key, operator, values);
  if (errors.length > 0) throw badRequest(aggregate(errors));
  return Object.freeze({ key, operator, values: Object.freeze([...new Set(values)].sort()) });
}

function requirementErrors(key: string, operator: LabelOperator, values: readonly string[]): string[] {
  const errors: string[] = [];
  const keyProblems = isQualifiedName(key);
  if (keyProblems.length > 0) errors.push(invalidValue("key", key, keyProblems.join("; ")));
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) errors.push(invalidValue("values", values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) errors.push(invalidValue("values", values, "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (values.length !== 0) errors.push(invalidValue("values", values, "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) errors.push(invalidValue("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errors.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errors.push(`operator: Unsupported value: ${JSON.stringify(operator)}: supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`);
  }
  values.forEach((v, i) => {
    const problems = isValidLabelValue(v);
    if (problems.length > 0) errors.push(invalidValue(`values[${i}][${key}]`, v, problems.join("; ")));
  });
  return errors;
}

/** `field: Invalid value: <value>: detail`, as field.Invalid(...).Error() prints it. */
function invalidValue(field: string, value: unknown, detail: string): string {
  const shown = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? `[]string{${value.map((v) => JSON.stringify(v)).join(", ")}}` : String(value);
  return `${field}: Invalid value: ${shown}: ${detail}`;
}

/** utilerrors.Aggregate's message: the one error, or `[e1, e2]`. */
function aggregate(errors: readonly string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
}

/**
 * Builds a selector from a `metav1.LabelSelector`, as `metav1.LabelSelectorAsSelector`: an absent
 * selector matches nothing, an empty one everything; `matchLabels` become `=` requirements and
 * `matchExpressions` In/NotIn/Exists/DoesNotExist ones. Invalid input throws BadRequest.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelSelector {
  if (!selector) return LabelSelector.nothing;
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return LabelSelector.everything;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => labelRequirement(k, "=", [v]));
  for (const expr of expressions) {
    const operator = OBJECT_OPERATORS[expr.operator];
    if (!operator) throw badRequest(`"${expr.operator}" is not a valid label selector operator`);
    reqs.push(labelRequirement(expr.key, operator, expr.values ?? []));
  }
  return LabelSelector.of(reqs);
}

const OBJECT_OPERATORS: Readonly<Record<string, LabelOperator>> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };

/** A selector matching objects whose labels include every pair of `set` (`labels.SelectorFromSet`). */
export function labelSelectorFromSet(set: Readonly<Record<string, string>> | undefined): LabelSelector {
  const entries = Object.entries(set ?? {});
  return LabelSelector.of(entries.map(([key, value]) => labelRequirement(key, "=", [value])));
}

// ---------------------------------------------------------------------------------------------
// The string syntax: a lexer and a recursive-descent parser with labels.Parse's grammar and
// error messages.

type TokenKind = "end" | "(" | ")" | "," | "!" | "==" | "=" | ">" | "<" | "!=" | "in" | "notin" | "identifier" | "error";

interface Token {
  kind: TokenKind;
  literal: string;
}

const SYMBOL_TOKENS: ReadonlySet<string> = new Set(["(", ")", ",", "!", "==", "=", ">", "<", "!="]);

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

function isSpecialSymbol(ch: string): boolean {
  return ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<";
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  // As the Go lexer, a NUL character ends the input.
  const nul = input.indexOf("\u0000");
  const s = nul >= 0 ? input.slice(0, nul) : input;
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      tokens.push({ kind: "end", literal: "" });
      return tokens;
    }
    if (isSpecialSymbol(s[pos]!)) {
      // Longest run of symbol characters that still forms a known operator.
      let buffer = "";
      let last: Token | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos]!)) {
        buffer += s[pos];
        if (SYMBOL_TOKENS.has(buffer)) {
          last = { kind: buffer as TokenKind, literal: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      tokens.push(last ?? { kind: "error", literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecialSymbol(s[pos]!) && !isWhitespace(s[pos]!)) pos++;
      const word = s.slice(start, pos);
      tokens.push({ kind: word === "in" || word === "notin" ? word : "identifier", literal: word });
    }
  }
}

/** In value position, `in` and `notin` are plain identifiers (`x in (in)`). */
type Context = "keyAndOperator" | "values";

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private lookahead(context: Context): Token {
    return asContext(this.tokens[this.position]!, context);
  }

  private consume(context: Context): Token {
    return asContext(this.tokens[this.position++]!, context);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.lookahead("values");
      switch (t.kind) {
        case "identifier":
        case "!": {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (err) {
            throw new SyntaxProblem(`unable to parse requirement: ${problemText(err)}`);
          }
          reqs.push(r);
          const after = this.consume("values");
          if (after.kind === "end") return reqs;
          if (after.kind === ",") {
            const next = this.lookahead("values");
            if (next.kind !== "identifier" && next.kind !== "!") throw new SyntaxProblem(`found '${next.literal}', expected: identifier after ','`);
            break;
          }
          throw new SyntaxProblem(`found '${after.literal}', expected: ',' or 'end of string'`);
        }
        case "end":
          return reqs;
        default:
          throw new SyntaxProblem(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred) return labelRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    return labelRequirement(key, operator, values);
  }

  /** The key, and `exists`/`!` when no binary operator follows. */
  private parseKeyAndInferOperator(): { key: string; operator?: "exists" | "!" } {
    let operator: "exists" | "!" | undefined;
    let t = this.consume("values");
    if (t.kind === "!") {
      operator = "!";
      t = this.consume("values");
    }
    if (t.kind !== "identifier") throw new SyntaxProblem(`found '${t.literal}', expected: identifier`);
    const problems = isQualifiedName(t.literal);
    if (problems.length > 0) throw new SyntaxProblem(invalidValue("<nil>", t.literal, problems.join("; ")));
    const next = this.lookahead("values").kind;
    if ((next === "end" || next === ",") && operator !== "!") operator = "exists";
    return { key: t.literal, operator };
  }

  private parseOperator(): LabelOperator {
    const t = this.consume("keyAndOperator");
    switch (t.kind) {
      case "in":
        return "in";
      case "notin":
        return "notin";
      case "=":
        return "=";
      case "==":
        return "==";
      case "!=":
        return "!=";
      case ">":
        return "gt";
      case "<":
        return "lt";
      default:
        throw new SyntaxProblem(`found '${t.literal}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume("values");
    if (open.kind !== "(") throw new SyntaxProblem(`found '${open.literal}' expected: '('`);
    const t = this.lookahead("values");
    switch (t.kind) {
      case "identifier":
      case ",": {
        const values = this.parseIdentifiersList();
        if (this.consume("values").kind !== ")") throw new SyntaxProblem(`found '${t.literal}', expected: ')'`);
        return values;
      }
      case ")":
        this.consume("values");
        return [""];
      default:
        throw new SyntaxProblem(`found '${t.literal}', expected: ',', ')' or identifier`);
    }
  }

  /** A comma-separated list of possibly empty values, up to (not including) `)`. */
  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const t = this.consume("values");
      if (t.kind === "identifier") {
        values.add(t.literal);
        const next = this.lookahead("values");
        if (next.kind === ",") continue;
        if (next.kind === ")") return [...values];
        throw new SyntaxProblem(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (t.kind === ",") {
        if (values.size === 0) values.add(""); // "(,"
        const next = this.lookahead("values");
        if (next.kind === ")") {
          values.add(""); // ",)"
          return [...values];
        }
        if (next.kind === ",") {
          this.consume("values");
          values.add(""); // ",,"
        }
        continue;
      }
      throw new SyntaxProblem(`found '${t.literal}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead("values");
    if (next.kind === "end" || next.kind === ",") return [""];
    const t = this.consume("values");
    if (t.kind === "identifier") return [t.literal];
    throw new SyntaxProblem(`found '${t.literal}', expected: identifier`);
  }
}

function asContext(t: Token, context: Context): Token {
  return context === "values" && (t.kind === "in" || t.kind === "notin") ? { kind: "identifier", literal: t.literal } : t;
}

/** A parse failure, before it becomes a BadRequest. */
class SyntaxProblem extends Error {}

function problemText(err: unknown): string {
  if (err instanceof SyntaxProblem) return err.message;
  if (err instanceof Error) return err.message; // a BadRequest from labelRequirement
  throw err;
}

/**
 * Parses Kubernetes' label selector syntax (`labels.Parse`). The empty string selects everything.
 * Throws a 400 BadRequest `StatusError` with Kubernetes' message on a syntax or validation error.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  let reqs: LabelRequirement[];
  try {
    reqs = new Parser(tokenize(selector)).parse();
  } catch (err) {
    if (err instanceof SyntaxProblem) throw badRequest(err.message);
    throw err;
  }
  return LabelSelector.of(reqs);
}
