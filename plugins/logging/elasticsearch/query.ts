import { baseField, escapeRegExp, fieldMatches, fieldValues, isKeyword, leafPaths, tokens, type Source } from "./analysis.js";
import { parseDate } from "./date-math.js";
import { parsingError } from "./errors.js";

/** A compiled query: the score of a matching document, or undefined when it does not match. */
export type Matcher = (source: Source) => number | undefined;

/** Query DSL nodes the server compiles (also what the query_string parser produces). */
export type Query =
  | { kind: "all" }
  | { kind: "none" }
  | { kind: "match"; field: string; text: string; operator: "or" | "and" }
  | { kind: "phrase"; field: string; text: string }
  | { kind: "term"; field: string; value: unknown }
  | { kind: "terms"; field: string; values: unknown[] }
  | { kind: "range"; field: string; gte?: unknown; gt?: unknown; lte?: unknown; lt?: unknown }
  | { kind: "exists"; field: string }
  | { kind: "wildcard"; field: string; pattern: string }
  | { kind: "bool"; must: Query[]; filter: Query[]; should: Query[]; mustNot: Query[]; minimumShouldMatch?: number };

const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw parsingError(`[${what}] query malformed, no start_object after query name`);
  return v as Record<string, unknown>;
};

/** `{ field: value }` or `{ field: { <key>: value, ... } }` → field and the inner value/object. */
function single(body: unknown, what: string): [string, unknown] {
  const o = obj(body, what);
  const keys = Object.keys(o);
  if (keys.length !== 1) throw parsingError(`[${what}] query doesn't support multiple fields, found [${keys.join("] and [")}]`);
  return [keys[0]!, o[keys[0]!]];
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses a query DSL object (`{"match": {...}}`) into a {@link Query}; throws parsing_exception as ES does. */
export function parseQueryDsl(dsl: unknown, parseQueryString: (body: Record<string, unknown>) => Query): Query {
  const o = obj(dsl, "query");
  const keys = Object.keys(o);
  if (keys.length !== 1) throw parsingError(keys.length ? `[${keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]` : "query malformed, empty clause found");
  const type = keys[0]!;
  const body = o[type];
  switch (type) {
    case "match_all":
      return { kind: "all" };
    case "match_none":
      return { kind: "none" };
    case "match": {
      const [field, v] = single(body, type);
      if (v !== null && typeof v === "object") {
        const m = v as { query?: unknown; operator?: string };
        return { kind: "match", field, text: String(m.query ?? ""), operator: String(m.operator ?? "or").toLowerCase() === "and" ? "and" : "or" };
      }
      return { kind: "match", field, text: String(v), operator: "or" };
    }
    case "match_phrase": {
      const [field, v] = single(body, type);
      return { kind: "phrase", field, text: String(v !== null && typeof v === "object" ? (v as { query?: unknown }).query : v) };
    }
    case "term": {
      const [field, v] = single(body, type);
      return { kind: "term", field, value: v !== null && typeof v === "object" ? (v as { value?: unknown }).value : v };
    }
    case "terms": {
      const entries = Object.entries(obj(body, type)).filter(([k]) => k !== "boost");
      if (entries.length !== 1) throw parsingError("[terms] query does not support multiple fields");
      const [field, values] = entries[0]!;
      if (!Array.isArray(values)) throw parsingError(`[terms] query does not support [${field}]`);
      return { kind: "terms", field, values };
    }
    case "range": {
      const [field, v] = single(body, type);
      const r = obj(v, "range");
      const q: Query = { kind: "range", field };
      for (const k of ["gte", "gt", "lte", "lt"] as const) if (r[k] !== undefined && r[k] !== null) q[k] = r[k];
      if (r["from"] !== undefined) q[r["include_lower"] === false ? "gt" : "gte"] = r["from"];
      if (r["to"] !== undefined) q[r["include_upper"] === false ? "lt" : "lte"] = r["to"];
      return q;
    }
    case "exists":
      return { kind: "exists", field: String(obj(body, type)["field"]) };
    case "wildcard":
    case "prefix": {
      const [field, v] = single(body, type);
      const value = String(v !== null && typeof v === "object" ? ((v as { value?: unknown; wildcard?: unknown }).value ?? (v as { wildcard?: unknown }).wildcard) : v);
      return { kind: "wildcard", field, pattern: type === "prefix" ? `${value}*` : value };
    }
    case "query_string":
      return parseQueryString(obj(body, type));
    case "bool": {
      const b = obj(body, type);
      const sub = (k: string): Query[] => list(b[k]).map((x) => parseQueryDsl(x, parseQueryString));
      const msm = b["minimum_should_match"];
      return { kind: "bool", must: sub("must"), filter: sub("filter"), should: sub("should"), mustNot: sub("must_not"), ...(msm !== undefined ? { minimumShouldMatch: Number(String(msm).replace("%", "")) } : {}) };
    }
    default:
      throw parsingError(`unknown query [${type}]`);
  }
}

/** Values of `field` in `source`: a pattern (`*`, `kubernetes.*`) covers every matching leaf field. */
function valuesOf(source: Source, field: string): unknown[] {
  if (!field.includes("*")) return fieldValues(source, baseField(field));
  const out: unknown[] = [];
  for (const p of leafPaths(source)) if (fieldMatches(field, p)) out.push(...fieldValues(source, p));
  return out;
}

function wildcardRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : escapeRegExp(c))).join("")}$`, "s");
}

function compareBound(value: unknown, bound: unknown, now: number, roundUp: boolean): number {
  if (typeof value === "number") {
    const b = typeof bound === "number" ? bound : /^-?\d+(\.\d+)?$/.test(String(bound)) ? Number(bound) : parseDate(bound, now, roundUp);
    return value - b;
  }
  const s = String(value);
  const t = Date.parse(s);
  if (!Number.isNaN(t) && /^\d{4}-\d\d-\d\d/.test(s)) return t - parseDate(bound, now, roundUp);
  const b = String(bound);
  return s < b ? -1 : s > b ? 1 : 0;
}

/** Compiles a query; `now` is the clock date math resolves against. */
export function compile(q: Query, now: number): Matcher {
  switch (q.kind) {
    case "all":
      return () => 1;
    case "none":
      return () => undefined;
    case "match": {
      const want = isKeyword(q.field) ? [] : tokens(q.text);
      return (s) => {
        const values = valuesOf(s, q.field);
        if (isKeyword(q.field)) return values.some((v) => String(v) === q.text) ? 1 : undefined;
        const have = new Set<string>();
        for (const v of values) for (const t of tokens(String(v))) have.add(t);
        const hits = want.filter((t) => have.has(t)).length;
        if (hits === 0 || (q.operator === "and" && hits < want.length)) return undefined;
        return hits;
      };
    }
    case "phrase": {
      const want = tokens(q.text);
      return (s) => {
        for (const v of valuesOf(s, q.field)) {
          if (isKeyword(q.field)) {
            if (String(v) === q.text) return 1;
            continue;
          }
          const have = tokens(String(v));
          for (let i = 0; i + want.length <= have.length; i++) if (want.every((t, j) => have[i + j] === t)) return want.length;
        }
        return undefined;
      };
    }
    case "term":
    case "terms": {
      const wanted = (q.kind === "term" ? [q.value] : q.values).map((v) => String(v));
      return (s) => {
        for (const v of valuesOf(s, q.field)) {
          if (typeof v !== "string" || isKeyword(q.field)) {
            if (wanted.includes(String(v))) return 1;
          } else if (tokens(v).some((t) => wanted.includes(t))) return 1;
        }
        return undefined;
      };
    }
    case "range":
      return (s) =>
        valuesOf(s, q.field).some((v) => (q.gte === undefined || compareBound(v, q.gte, now, false) >= 0) && (q.gt === undefined || compareBound(v, q.gt, now, true) > 0) && (q.lte === undefined || compareBound(v, q.lte, now, true) <= 0) && (q.lt === undefined || compareBound(v, q.lt, now, false) < 0))
          ? 1
          : undefined;
    case "exists":
      return (s) => (valuesOf(s, q.field).length ? 1 : undefined);
    case "wildcard": {
      const keyword = isKeyword(q.field);
      const re = wildcardRegExp(keyword ? q.pattern : q.pattern.toLowerCase());
      return (s) => {
        for (const v of valuesOf(s, q.field)) {
          if (typeof v !== "string" || keyword) {
            if (re.test(String(v))) return 1;
          } else if (tokens(v).some((t) => re.test(t)) || re.test(v.toLowerCase())) return 1;
        }
        return undefined;
      };
    }
    case "bool": {
      const must = q.must.map((x) => compile(x, now));
      const filter = q.filter.map((x) => compile(x, now));
      const should = q.should.map((x) => compile(x, now));
      const mustNot = q.mustNot.map((x) => compile(x, now));
      const minShould = q.minimumShouldMatch ?? (must.length || filter.length ? 0 : should.length ? 1 : 0);
      return (s) => {
        let score = 0;
        for (const m of must) {
          const r = m(s);
          if (r === undefined) return undefined;
          score += r;
        }
        for (const f of filter) if (f(s) === undefined) return undefined;
        for (const n of mustNot) if (n(s) !== undefined) return undefined;
        let matched = 0;
        for (const m of should) {
          const r = m(s);
          if (r !== undefined) {
            matched++;
            score += r;
          }
        }
        if (matched < minShould) return undefined;
        return must.length || should.length ? score : 0;
      };
    }
  }
}
