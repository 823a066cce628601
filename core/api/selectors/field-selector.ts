import { badRequest } from "../status.js";

/**
 * Field selectors as apimachinery's `fields.Selector` (k8s.io/apimachinery/pkg/fields):
 * `a=b,c==d,e!=f`, terms ANDed. In values, `\`, `,` and `=` are escaped with a backslash
 * (`fields.EscapeValue`); field names are not escaped, the first operator splits a term.
 * Parse errors are 400 BadRequest `StatusError`s with Kubernetes' wording.
 */

export type FieldOperator = "=" | "==" | "!=";

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Reads one field of an object as a string (undefined when absent, which matches as ""). */
export type FieldGetter = (field: string) => string | undefined;

export class FieldSelector {
  static readonly everything = new FieldSelector([]);

  /** Terms in the order Kubernetes keeps them (sorted by their source text). */
  constructor(readonly requirements: readonly FieldRequirement[]) {
    Object.freeze(requirements);
    Object.freeze(this);
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  /** Every term holds for the fields `get` reports; an absent field reads as "". */
  matches(get: FieldGetter): boolean {
    for (const r of this.requirements) {
      const actual = get(r.field) ?? "";
      if ((r.operator === "!=") === (actual === r.value)) return false;
    }
    return true;
  }

  /** The value `field` must equal (`field=v` / `field==v`), for index hints. */
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator !== "!=") return r.value;
    return undefined;
  }

  /** The distinct field names the selector uses, so a server can refuse unsupported ones. */
  fields(): string[] {
    return [...new Set(this.requirements.map((r) => r.field))];
  }

  /** Canonical form, values escaped (`==` prints as `=`). */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator === "!=" ? "!=" : "="}${escapeFieldValue(r.value)}`).join(",");
  }
}

/** Escapes `\`, `,` and `=` in a value (`fields.EscapeValue`). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses {@link escapeFieldValue}; unescaped `,`/`=` or unknown escapes are errors. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = "";
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Go prints the rune with %v: its code point.
      throw badRequest(`invalid field selector: unescapedRune character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas not escaped with a backslash (the backslash stays in the term). */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS: readonly FieldOperator[] = ["!=", "==", "="];

function splitTerm(term: string): { field: string; operator: FieldOperator; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const operator of TERM_OPERATORS) {
      if (term.startsWith(operator, i)) return { field: term.slice(0, i), operator, rawValue: term.slice(i + operator.length) };
    }
  }
  return undefined;
}

/**
 * Parses a field selector (`fields.ParseSelector`); "" selects everything. Terms are sorted by
 * their text, as Kubernetes does. Throws BadRequest on malformed input.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const terms = splitTerms(selector).sort();
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (!parts) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    reqs.push(Object.freeze({ field: parts.field, operator: parts.operator, value: unescapeFieldValue(parts.rawValue) }));
  }
  return reqs.length === 0 ? FieldSelector.everything : new FieldSelector(reqs);
}

/** A selector requiring `field` to equal `value` (`fields.OneTermEqualSelector`). */
export function fieldEquals(field: string, value: string): FieldSelector {
  return new FieldSelector([{ field, operator: "=", value }]);
}

/**
 * Refuses a selector that uses a field outside `supported`, with the API server's message
 * (`field label not supported: <name>`, 400).
 */
export function assertFieldsSupported(selector: FieldSelector, supported: (field: string) => boolean): void {
  for (const field of selector.fields()) if (!supported(field)) throw badRequest(`field label not supported: ${field}`);
}

/**
 * The name a field selector pins a list or watch to (`metadata.name=x` or `metadata.name==x`,
 * alone or among other terms), or undefined: kube-apiserver's RequestInfo authorizes such a
 * request by that name (the Node authorizer lets a kubelet watch a referenced object this way).
 */
export function pinnedObjectName(fieldSelector: string | null | undefined): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(",")) {
    const m = /^\s*metadata\.name\s*==?\s*(.+?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}
