import type { ValidationRule } from "kubernetes-types/apiextensions/v1.js";
import { Optional } from "@marcbachmann/cel-js";
import type { Environment } from "@marcbachmann/cel-js";
import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { kubernetesCelEnvironment } from "../../../cel/environment.js";
import { rewriteHasCalls } from "../../../cel/has-rewrite.js";
import { rewriteRe2Literals } from "../../../cel/re2-literals.js";
import {
  celCost, costErrorMessage, PER_CALL_COST_LIMIT, schemaShape, STATIC_ESTIMATED_COST_LIMIT, STATIC_ESTIMATED_CRD_COST_LIMIT, unboundedCardinality, valueShape,
} from "../../../cel/cost.js";
import { fieldError, type FieldError } from "../../status.js";

/** A CRD's `x-kubernetes-validations` rule, compiled once. */
export interface CompiledRule {
  readonly rule: ValidationRule;
  /** The rule is a transition rule: it names `oldSelf`. */
  readonly transition: boolean;
  /** `fieldPath` normalized to dotted field names (`spec.replicas`), appended to the error's path. */
  readonly fieldPath: string;
  readonly program: (ctx: Record<string, unknown>) => unknown;
  readonly messageProgram?: (ctx: Record<string, unknown>) => unknown;
  /** The rule's parsed form, for the cost model. */
  readonly ast: unknown;
  /** Estimated cost of one evaluation from the schema's limits (0 when compiled without the schema). */
  readonly estimatedCost: number;
}

/** Why a rule is refused, reported against the CRD under `x-kubernetes-validations[i].<field>`. */
export interface RuleCompileError {
  field: "rule" | "messageExpression" | "fieldPath" | "reason" | "optionalOldSelf" | "message";
  /** What the error prints as the invalid value (upstream prints the rule, or the whole rule struct). */
  value: string;
  detail: string;
}

let envs: { plain: Environment; optional: Environment } | undefined;

/** CRD rules see `self` and, in transition rules, `oldSelf` (optional<dyn> with optionalOldSelf). */
function ruleEnvironments(): { plain: Environment; optional: Environment } {
  envs ??= {
    plain: kubernetesCelEnvironment([{ name: "self", type: "dyn" }, { name: "oldSelf", type: "dyn" }]),
    optional: kubernetesCelEnvironment([{ name: "self", type: "dyn" }, { name: "oldSelf", type: "optional<dyn>" }]),
  };
  return envs;
}

type Program = (ctx: Record<string, unknown>) => unknown;
interface Parsed {
  program?: Program;
  ast?: unknown;
  names: Set<string>;
  error?: string;
  resultType?: string;
}

/** Parsed programs by environment and text: a CRD's validation and its serving share one compile. */
const parsedCache = new Map<string, Parsed>();
const PARSED_CACHE_LIMIT = 8192;

function collectIdentifiers(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== "object") return;
  const n = node as { op?: string; args?: unknown };
  if (n.op === "id" && typeof n.args === "string") out.add(n.args);
  if (Array.isArray(n.args)) for (const a of n.args) collectIdentifiers(a, out);
  else if (n.args && typeof n.args === "object") collectIdentifiers(n.args, out);
}

/** The summary of a CEL error, without the library's source excerpt. */
export function celErrorText(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  return (e.summary ?? e.message ?? String(err)).split("\n")[0]!.replace(/^No such key/, "no such key");
}

function parse(text: string, optionalOldSelf: boolean): Parsed {
  const key = `${optionalOldSelf ? 1 : 0}\u0000${text}`;
  let p = parsedCache.get(key);
  if (p) return p;
  const env = optionalOldSelf ? ruleEnvironments().optional : ruleEnvironments().plain;
  try {
    const program = env.parse(rewriteRe2Literals(rewriteHasCalls(text))) as Program & { ast: unknown; check(): { valid: boolean; type?: string; error?: unknown } };
    const names = new Set<string>();
    collectIdentifiers(program.ast, names);
    const checked = program.check();
    p = checked.valid ? { program, ast: program.ast, names, ...(checked.type ? { resultType: checked.type } : {}) } : { names, error: celErrorText(checked.error) };
  } catch (err) {
    p = { names: new Set(), error: celErrorText(err) };
  }
  if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
  parsedCache.set(key, p);
  return p;
}

const REASONS = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"];

/** `.spec.replicas`, `.spec['x.y']` → `spec.replicas`, `spec.x.y`; undefined when not a valid path. */
function normalizeFieldPath(path: string): string | undefined {
  const parts: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return undefined;
    parts.push(m[1] ?? m[2]!.replace(/\\(.)/g, "$1"));
    i = re.lastIndex;
  }
  return parts.join(".");
}

/**
 * Compiles one rule (once per CRD version; parsing is shared by text). Returns the compiled rule or
 * the reasons it is refused, as the CRD validator reports them under `x-kubernetes-validations[i]`.
 * `self` is the schema node the rule sits on: its limits size the rule's estimated cost.
 */
export function compileRule(rule: ValidationRule, uncorrelatableWithin?: string, self?: JSONSchemaProps): CompiledRule | RuleCompileError[] {
  const errors: RuleCompileError[] = [];
  const q = (s: string): string => JSON.stringify(s);
  if (!rule.rule?.trim()) return [{ field: "rule", value: "", detail: "" }];
  const optional = rule.optionalOldSelf === true;
  const parsed = parse(rule.rule, optional);
  const struct = `apiextensions.ValidationRule{Rule:${q(rule.rule)}, Message:${q(rule.message ?? "")}, MessageExpression:${q(rule.messageExpression ?? "")}, Reason:${rule.reason ? `&${q(rule.reason)}` : "(*apiextensions.FieldValueErrorReason)(nil)"}, FieldPath:${q(rule.fieldPath ?? "")}, OptionalOldSelf:${rule.optionalOldSelf === undefined ? "(*bool)(nil)" : `&${rule.optionalOldSelf}`}}`;
  if (parsed.error) errors.push({ field: "rule", value: struct, detail: `compilation failed: ERROR: <input>: ${parsed.error}` });
  else if (parsed.resultType && parsed.resultType !== "bool" && parsed.resultType !== "dyn") errors.push({ field: "rule", value: struct, detail: "compilation failed: cel expression must evaluate to a bool" });
  const transition = parsed.names.has("oldSelf");
  if (transition && uncorrelatableWithin !== undefined) errors.push({ field: "rule", value: q(rule.rule), detail: `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatableWithin}` });
  if (rule.optionalOldSelf !== undefined && !transition && !parsed.error) errors.push({ field: "optionalOldSelf", value: String(rule.optionalOldSelf), detail: "may not be set if oldSelf is not used in rule" });
  let messageProgram: Program | undefined;
  if (rule.messageExpression !== undefined) {
    if (!rule.messageExpression.trim()) errors.push({ field: "messageExpression", value: q(rule.messageExpression), detail: "must be non-empty if specified" });
    else {
      const m = parse(rule.messageExpression, optional);
      if (m.error) errors.push({ field: "messageExpression", value: struct, detail: `messageExpression compilation failed: ERROR: <input>: ${m.error}` });
      else if (m.resultType && m.resultType !== "string" && m.resultType !== "dyn") errors.push({ field: "messageExpression", value: struct, detail: "must evaluate to a string" });
      else messageProgram = m.program;
    }
  }
  if (rule.message !== undefined && /[\r\n]/.test(rule.message)) errors.push({ field: "message", value: q(rule.message), detail: "message must not contain line breaks" });
  let fieldPath = "";
  if (rule.fieldPath) {
    const n = normalizeFieldPath(rule.fieldPath);
    if (n === undefined) errors.push({ field: "fieldPath", value: q(rule.fieldPath), detail: "must be a valid path" });
    else fieldPath = n;
  }
  if (rule.reason !== undefined && !REASONS.includes(rule.reason)) errors.push({ field: "reason", value: q(rule.reason), detail: `NOTSUPPORTED` });
  if (errors.length) return errors;
  const shape = self ? schemaShape(self) : undefined;
  const estimatedCost = shape ? celCost(parsed.ast, { self: shape, oldSelf: shape }) : 0;
  return { rule, transition, fieldPath, program: parsed.program!, ast: parsed.ast, estimatedCost, ...(messageProgram ? { messageProgram } : {}) };
}

/** ruleMessageOrDefault. */
function defaultMessage(rule: ValidationRule): string {
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

/** ruleErrorString: the rule's message, else its text. */
function ruleErrorString(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : rule.rule.trim();
}

/** The runtime cost budget of one object's validation: once a call exceeds its limit, no further rules run. */
export interface RuleBudget {
  exhausted: boolean;
}

/** fieldErrorForReason. */
function reasonError(path: string, typeName: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case "FieldValueForbidden": return fieldError.forbidden(path, detail);
    case "FieldValueRequired": return fieldError.required(path, detail);
    case "FieldValueDuplicate": return fieldError.duplicate(path, typeName);
    default: return fieldError.invalid(path, typeName, detail);
  }
}

function join(path: string, rel: string): string {
  if (!rel) return path;
  return path && path !== "<nil>" ? `${path}.${rel}` : rel;
}

/**
 * Evaluates the rules of one schema node against `self` (a CEL value). `oldSelf` is the correlated
 * old value, absent on create or where nothing correlates: transition rules are then skipped,
 * unless optionalOldSelf (oldSelf is `optional.none()`). Errors read as the apiextensions CEL
 * validator's; `typeName` is the schema node's type, printed as the invalid value.
 */
export function evaluateRules(rules: readonly CompiledRule[], self: unknown, oldSelf: unknown, hasOld: boolean, path: string, typeName: string, out: FieldError[], budget: RuleBudget = { exhausted: false }): void {
  const at = path || "<nil>";
  for (const r of rules) {
    if (budget.exhausted) return;
    let ctx: Record<string, unknown>;
    if (r.transition) {
      if (r.rule.optionalOldSelf) ctx = { self, oldSelf: hasOld ? Optional.of(oldSelf) : Optional.none() };
      else if (!hasOld) continue;
      else ctx = { self, oldSelf };
    } else ctx = { self };
    // A rule whose estimate could exceed the per-call limit is costed with the values at hand first
    // (as cel-go's runtime cost tracking stops it), so a costly rule never runs away.
    if (r.estimatedCost > PER_CALL_COST_LIMIT && celCost(r.ast, { self: valueShape([self]), oldSelf: valueShape(hasOld ? [oldSelf] : []) }) > PER_CALL_COST_LIMIT) {
      out.push(fieldError.invalid(at, typeName, `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(r.rule)}`));
      budget.exhausted = true;
      return;
    }
    let result: unknown;
    try {
      result = r.program(ctx);
    } catch (err) {
      const text = celErrorText(err);
      if (/^(no such overload|found no matching overload)/.test(text)) out.push(fieldError.invalid(at, typeName, `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(r.rule)}`));
      else out.push(fieldError.invalid(at, typeName, `${text} evaluating rule: ${ruleErrorString(r.rule)}`));
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      out.push(fieldError.invalid(at, typeName, `rule did not evaluate to a bool: ${r.rule.rule.trim()}`));
      continue;
    }
    const errPath = join(at, r.fieldPath);
    let detail = defaultMessage(r.rule);
    if (r.messageProgram) {
      try {
        const m = r.messageProgram(ctx);
        if (typeof m === "string" && m.trim() && !m.includes("\n")) detail = m.trim();
      } catch {
        // upstream logs and falls back to the rule's message
      }
    }
    out.push(reasonError(errPath, typeName, detail, r.rule.reason));
  }
}

/**
 * The CRD validator's checks of every `x-kubernetes-validations` rule in a version's schema at
 * `path`: each must compile, transition rules only where old values correlate (every enclosing
 * list a list-map), reasons and field paths well-formed, and the cost limits hold — a rule's
 * estimated cost times how many times it may run per request (the product of the enclosing
 * lists' maxItems and maps' maxProperties; what fits in a request when one is unbounded) within
 * 10M, the whole schema's within 100M.
 */
export function validateSchemaRules(schema: JSONSchemaProps, path: string): FieldError[] {
  const out: FieldError[] = [];
  const costs: { field: string; cost: number }[] = [];
  /** `cardinality`: how many values this node may have per request (undefined: unbounded). */
  const walk = (s: JSONSchemaProps, at: string, uncorrelatable: string | undefined, cardinality: number | undefined): void => {
    const rules = (s as Record<string, unknown>)["x-kubernetes-validations"] as ValidationRule[] | undefined;
    (rules ?? []).forEach((r, i) => {
      const c = compileRule(r, uncorrelatable, s);
      const base = `${at}.x-kubernetes-validations[${i}]`;
      if (!Array.isArray(c)) {
        const cost = c.estimatedCost * (cardinality ?? unboundedCardinality(s));
        if (cost > STATIC_ESTIMATED_COST_LIMIT) out.push(fieldError.forbidden(`${base}.rule`, costErrorMessage("estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT)));
        costs.push({ field: `${base}.rule`, cost });
        return;
      }
      for (const e of c) {
        if (e.field === "rule" && !e.detail) out.push(fieldError.required(`${base}.rule`));
        else if (e.detail === "NOTSUPPORTED") out.push(fieldError.notSupported(`${base}.reason`, r.reason, REASONS));
        else out.push({ type: "FieldValueInvalid", field: `${base}.${e.field}`, detail: `Invalid value: ${e.value}: ${e.detail}` });
      }
    });
    const times = (max: number | undefined): number | undefined => (cardinality === undefined || max === undefined ? undefined : cardinality * max);
    for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${at}.properties[${k}]`, uncorrelatable, cardinality);
    if (typeof s.additionalProperties === "object") walk(s.additionalProperties, `${at}.additionalProperties`, uncorrelatable, times(s.maxProperties));
    if (s.items && !Array.isArray(s.items)) {
      const isMap = (s as Record<string, unknown>)["x-kubernetes-list-type"] === "map";
      walk(s.items as JSONSchemaProps, `${at}.items`, uncorrelatable ?? (isMap ? undefined : `${at}.items`), times(s.maxItems));
    }
  };
  walk(schema, path, undefined, 1);
  const total = costs.reduce((a, c) => a + c.cost, 0);
  if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    out.push(fieldError.forbidden(path, costErrorMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", total, STATIC_ESTIMATED_CRD_COST_LIMIT)));
    for (const c of [...costs].sort((a, b) => b.cost - a.cost).slice(0, 4)) {
      out.push(fieldError.forbidden(c.field, "contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema"));
    }
  }
  return out;
}
