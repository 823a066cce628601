import type { JSONSchemaProps, ValidationRule } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../api/object.js";
import { cloneJson } from "../../api/clone.js";
import { fieldError, type FieldError } from "../../api/status.js";
import { compileRule, evaluateRules, type CompiledRule, type RuleBudget } from "../../api/builtin/apiextensions/validation-rules.js";
import { semanticEqual } from "../../api/validation/semantic-equal.js";

/** A CRD version's schema compiled once: validation with kube-openapi's messages, pruning and defaulting. */
export interface CompiledSchema {
  /**
   * Field errors of an object (root members apiVersion, kind and metadata are the API server's).
   * With `old` (an update), validation ratchets (CRDValidationRatcheting, GA in 1.33, on by
   * default since 1.30): a value equal to its correlated old value — by field, map key,
   * `list-type: map` keys or `list-type: set` value — keeps the errors it already had.
   */
  validate(obj: KubeObject, old?: KubeObject): FieldError[];
  /** Prunes fields the schema does not declare (unless preserved) and fills defaults, in place. */
  applyDefaults(obj: KubeObject): void;
  /** The schema has `x-kubernetes-validations` rules. */
  readonly hasRules: boolean;
  /**
   * Field errors of the CEL rules (`old`: the stored object on updates, which transition rules
   * compare with). Run only on objects that pass the schema. Rules without `oldSelf` ratchet as
   * the schema does: they are not run on a value equal to its correlated old value.
   */
  validateRules(obj: KubeObject, old: KubeObject | undefined): FieldError[];
}

/** Longest string a `pattern` is matched against; longer input fails the pattern instead of running the regex. */
const MAX_PATTERN_INPUT = 64 * 1024;

interface Node {
  s: JSONSchemaProps;
  props?: Map<string, Node>;
  additional?: Node | boolean;
  items?: Node;
  allOf?: Node[];
  anyOf?: Node[];
  oneOf?: Node[];
  not?: Node;
  pattern?: RegExp;
  enumKeys?: Set<string>;
  preserve: boolean;
  embedded: boolean;
  /** This node's compiled `x-kubernetes-validations` (rules that do not compile are left out: the CRD refuses them). */
  rules?: CompiledRule[];
  /** Some node at or below this one has rules. */
  celBelow: boolean;
  /** `x-kubernetes-list-map-keys` of a list of type map: how old items correlate with new ones. */
  mapKeys?: string[];
}

const ext = (s: JSONSchemaProps, name: string): unknown => (s as Record<string, unknown>)[`x-kubernetes-${name}`];

function compile(s: JSONSchemaProps, correlatable = true): Node {
  const n: Node = { s, preserve: ext(s, "preserve-unknown-fields") === true, embedded: ext(s, "embedded-resource") === true, celBelow: false };
  const listType = ext(s, "list-type");
  const mapKeys = ext(s, "list-map-keys") as string[] | undefined;
  if (listType === "map" && mapKeys?.length) n.mapKeys = mapKeys;
  if (s.properties) n.props = new Map(Object.entries(s.properties).map(([k, v]) => [k, compile(v, correlatable)]));
  if (s.additionalProperties !== undefined) n.additional = typeof s.additionalProperties === "object" ? compile(s.additionalProperties, correlatable) : s.additionalProperties;
  if (s.items && !Array.isArray(s.items)) n.items = compile(s.items as JSONSchemaProps, correlatable && !!n.mapKeys);
  if (s.allOf) n.allOf = s.allOf.map((x) => compile(x, correlatable));
  if (s.anyOf) n.anyOf = s.anyOf.map((x) => compile(x, correlatable));
  if (s.oneOf) n.oneOf = s.oneOf.map((x) => compile(x, correlatable));
  if (s.not) n.not = compile(s.not, correlatable);
  const rules = (ext(s, "validations") as ValidationRule[] | undefined) ?? [];
  if (rules.length) {
    n.rules = [];
    for (const r of rules) {
      const c = compileRule(r, correlatable ? undefined : "", s);
      if (!Array.isArray(c)) n.rules.push(c);
    }
  }
  n.celBelow = !!n.rules?.length || [...(n.props?.values() ?? []), ...(typeof n.additional === "object" ? [n.additional] : []), ...(n.items ? [n.items] : [])].some((c) => c.celBelow);
  if (s.pattern) {
    try {
      n.pattern = new RegExp(s.pattern, "u");
    } catch {
      n.pattern = new RegExp(s.pattern);
    }
  }
  if (s.enum) n.enumKeys = new Set(s.enum.map((e) => JSON.stringify(e)));
  return n;
}

/** The JSON type name kube-openapi reports for a value. */
function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object": return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array": return Array.isArray(v);
    case "string": return typeof v === "string";
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "number": return typeof v === "number";
    case "boolean": return typeof v === "boolean";
    default: return true;
  }
}

const FORMATS: Record<string, (v: string) => boolean> = {
  "date-time": (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v),
  hostname: (v) => v.length <= 255 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(v),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
};

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** No correlated old value (creates, new map keys, uncorrelatable list items). */
const NO_OLD: unique symbol = Symbol("no old value");
type Old = unknown;

/** The old value correlated with item `item` of a list (ratcheting): by map keys for `list-type: map`, by value for `set`. */
function correlatedItem(n: Node, item: unknown, old: Old): Old {
  if (old === NO_OLD || !Array.isArray(old)) return NO_OLD;
  if (n.mapKeys) {
    if (!isObject(item)) return NO_OLD;
    const keys = n.mapKeys;
    const found = old.find((o) => isObject(o) && keys.every((k) => semanticEqual(o[k], item[k])));
    return found === undefined ? NO_OLD : found;
  }
  if (n.s["x-kubernetes-list-type" as keyof JSONSchemaProps] === "set") return old.some((o) => semanticEqual(o, item)) ? item : NO_OLD;
  return NO_OLD;
}

/**
 * kube-openapi's value validations with apiextensions-apiserver's field error mapping; with a
 * correlated `old` value equal to `v`, nothing is reported (validation ratcheting).
 */
function check(n: Node, v: unknown, path: string, out: FieldError[], old: Old = NO_OLD): void {
  if (old !== NO_OLD && semanticEqual(v, old)) return;
  const s = n.s;
  const name = path || "body";
  if (v === null) {
    if (s.nullable || n.preserve && !s.type) return;
    if (s.type) out.push(fieldError.typeInvalid(path, "null", `${name} in body must be of type ${s.type}: "null"`));
    return;
  }
  const intOrString = s["x-kubernetes-int-or-string" as keyof JSONSchemaProps] === true;
  if (intOrString) {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) {
      out.push(fieldError.typeInvalid(path, typeName(v), `${name} in body must be of type integer,string: "${typeName(v)}"`));
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    out.push(fieldError.typeInvalid(path, typeName(v), `${name} in body must be of type ${s.type}: "${typeName(v)}"`));
    return;
  }
  if (n.enumKeys && !n.enumKeys.has(JSON.stringify(v))) {
    out.push(fieldError.notSupported(path, v, (s.enum ?? []).map((e) => (typeof e === "string" ? e : JSON.stringify(e)))));
  }
  if (typeof v === "string") {
    if (s.maxLength !== undefined && [...v].length > s.maxLength) out.push(fieldError.tooLong(path, s.maxLength));
    if (s.minLength !== undefined && [...v].length < s.minLength) out.push(fieldError.invalid(path, v, `${name} in body should be at least ${s.minLength} chars long`));
    if (n.pattern && (v.length > MAX_PATTERN_INPUT || !n.pattern.test(v))) out.push(fieldError.invalid(path, v, `${name} in body should match '${s.pattern}'`));
    const f = s.format && FORMATS[s.format];
    if (f && !f(v)) out.push(fieldError.invalid(path, v, `${name} in body must be of type ${s.format}: ${JSON.stringify(v)}`));
  }
  if (typeof v === "number") {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) out.push(fieldError.invalid(path, v, `${name} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`));
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) out.push(fieldError.invalid(path, v, `${name} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`));
    if (s.multipleOf !== undefined && s.multipleOf !== 0 && !Number.isInteger(v / s.multipleOf)) out.push(fieldError.invalid(path, v, `${name} in body should be a multiple of ${s.multipleOf}`));
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(fieldError.tooMany(path, v.length, s.maxItems));
    if (s.minItems !== undefined && v.length < s.minItems) out.push(fieldError.invalid(path, v, `${name} in body should have at least ${s.minItems} items`));
    if (s.uniqueItems || s["x-kubernetes-list-type" as keyof JSONSchemaProps] === "set") {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push(fieldError.duplicate(`${path}[${i}]`, item));
        seen.add(k);
      });
    }
    const mapKeys = s["x-kubernetes-list-map-keys" as keyof JSONSchemaProps] as string[] | undefined;
    if (s["x-kubernetes-list-type" as keyof JSONSchemaProps] === "map" && mapKeys?.length) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (typeof item !== "object" || item === null) return;
        const key = JSON.stringify(mapKeys.map((k) => (item as Record<string, unknown>)[k] ?? null));
        if (seen.has(key)) out.push(fieldError.duplicate(`${path}[${i}]`, Object.fromEntries(mapKeys.map((k) => [k, (item as Record<string, unknown>)[k]]))));
        seen.add(key);
      });
    }
    if (n.items) v.forEach((item, i) => check(n.items!, item, `${path}[${i}]`, out, correlatedItem(n, item, old)));
  } else if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) out.push(fieldError.tooMany(path, keys.length, s.maxProperties));
    if (s.minProperties !== undefined && keys.length < s.minProperties) out.push(fieldError.invalid(path, keys.length, `${name} in body should have at least ${s.minProperties} properties`));
    for (const r of s.required ?? []) if (!Object.hasOwn(o, r)) out.push(fieldError.required(child(path, r), ""));
    const oldObj = old !== NO_OLD && isObject(old) ? old : undefined;
    for (const k of keys) {
      if (!path && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      if (n.embedded && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      const p = n.props?.get(k) ?? (typeof n.additional === "object" ? n.additional : undefined);
      if (p) check(p, o[k], child(path, k), out, oldObj && Object.hasOwn(oldObj, k) ? oldObj[k] : NO_OLD);
    }
  }
  for (const sub of n.allOf ?? []) check(sub, v, path, out, old);
  if (n.anyOf && !n.anyOf.some((sub) => passes(sub, v, path))) out.push(fieldError.invalid(path, v, `${name} in body must validate at least one schema (anyOf)`));
  if (n.oneOf && n.oneOf.filter((sub) => passes(sub, v, path)).length !== 1) out.push(fieldError.invalid(path, v, `${name} in body must validate one and only one schema (oneOf)`));
  if (n.not && passes(n.not, v, path)) out.push(fieldError.invalid(path, v, `${name} in body must not validate the schema (not)`));
}

function passes(n: Node, v: unknown, path: string): boolean {
  const errs: FieldError[] = [];
  check(n, v, path, errs);
  return errs.length === 0;
}

/** Structural pruning and defaulting (pruning.Prune then structuraldefaulting.Default), in place. */
function normalize(n: Node, v: unknown, root: boolean): void {
  if (Array.isArray(v)) {
    if (n.items) for (const item of v) normalize(n.items, item, false);
    return;
  }
  if (typeof v !== "object" || v === null) return;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if ((root || n.embedded) && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
    const p = n.props?.get(k) ?? (typeof n.additional === "object" ? n.additional : undefined);
    if (p) normalize(p, o[k], false);
    else if (!n.preserve && n.additional !== true) delete o[k];
  }
  if (n.props) {
    for (const [k, p] of n.props) {
      if (o[k] === undefined && p.s.default !== undefined) {
        o[k] = cloneJson(p.s.default);
        normalize(p, o[k], false);
      }
    }
  }
}

/** `format`s whose strings CEL sees as timestamps or bytes (k8s.io/apiserver/pkg/cel/common/values.go). */
function celString(s: JSONSchemaProps, v: string): unknown {
  if (s.format === "date-time" || s.format === "date") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? v : d;
  }
  if (s.format === "byte") return Buffer.from(v, "base64");
  return v;
}

/**
 * A JSON value as CEL sees it through its schema: integers (and int-or-string numbers) as `int`
 * (bigint), numbers as `double`, date-time strings as timestamps. At the root, metadata shows only
 * name and generateName, as in kube-apiserver.
 */
function toCel(n: Node | undefined, v: unknown, root = false): unknown {
  if (v === null || v === undefined) return null;
  const s = n?.s;
  if (typeof v === "number") {
    if (s?.type === "number") return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string") return s ? celString(s, v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(n?.items, x));
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      if (root && k === "metadata") {
        const m = o[k] as { name?: string; generateName?: string } | undefined;
        const meta: Record<string, unknown> = {};
        if (m?.name !== undefined) meta["name"] = m.name;
        if (m?.generateName !== undefined) meta["generateName"] = m.generateName;
        out[k] = meta;
        continue;
      }
      const p = n?.props?.get(k) ?? (typeof n?.additional === "object" ? n.additional : undefined);
      out[k] = toCel(p, o[k]);
    }
    return out;
  }
  return v;
}

/** The type a rule failure prints as its invalid value. */
function celTypeName(n: Node): string {
  return n.s.type ?? "";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Walks the nodes that hold rules, with the correlated old value (by field, map key, or list-map key). */
function checkRules(n: Node, v: unknown, old: unknown, hasOld: boolean, path: string, root: boolean, out: FieldError[], budget: RuleBudget, celSelf?: unknown, celOld?: unknown): void {
  if (!n.celBelow || v === null || v === undefined || budget.exhausted) return;
  if (n.rules?.length) {
    // Ratcheting: rules without oldSelf are not run on an unchanged value.
    const unchanged = hasOld && semanticEqual(v, old);
    const rules = unchanged ? n.rules.filter((r) => r.transition) : n.rules;
    if (rules.length) {
      celSelf ??= toCel(n, v, root);
      if (hasOld) celOld ??= toCel(n, old, root);
      evaluateRules(rules, celSelf, celOld, hasOld, path, celTypeName(n), out, budget);
    }
  }
  if (Array.isArray(v)) {
    if (!n.items?.celBelow) return;
    const celList = Array.isArray(celSelf) ? celSelf : undefined;
    let olds: Map<string, number> | undefined;
    const keyOf = (item: unknown): string => JSON.stringify(n.mapKeys!.map((k) => (isObject(item) ? item[k] ?? null : null)));
    if (hasOld && n.mapKeys && Array.isArray(old)) olds = new Map(old.map((item, i) => [keyOf(item), i]));
    v.forEach((item, i) => {
      const oi = olds?.get(keyOf(item));
      const oldItem = oi === undefined ? undefined : (old as unknown[])[oi];
      checkRules(n.items!, item, oldItem, oi !== undefined, `${path}[${i}]`, false, out, budget, celList?.[i], oi === undefined || !Array.isArray(celOld) ? undefined : celOld[oi]);
    });
    return;
  }
  if (!isObject(v)) return;
  const celObj = isObject(celSelf) ? celSelf : undefined;
  const celOldObj = isObject(celOld) ? celOld : undefined;
  for (const k of Object.keys(v)) {
    if ((root || n.embedded) && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
    const p = n.props?.get(k) ?? (typeof n.additional === "object" ? n.additional : undefined);
    if (!p?.celBelow) continue;
    const childHasOld = hasOld && isObject(old) && Object.hasOwn(old, k);
    checkRules(p, v[k], childHasOld ? old[k] : undefined, childHasOld, child(path, k), false, out, budget, celObj?.[k], childHasOld ? celOldObj?.[k] : undefined);
  }
}

/** Compiles a version's openAPIV3Schema (absent: anything goes). */
export function compileSchema(schema: JSONSchemaProps | undefined): CompiledSchema {
  if (!schema) return { validate: () => [], applyDefaults: () => {}, hasRules: false, validateRules: () => [] };
  const root = compile(schema);
  return {
    hasRules: root.celBelow,
    validateRules(obj, old) {
      const out: FieldError[] = [];
      checkRules(root, obj, old, old !== undefined, "", true, out, { exhausted: false });
      return out;
    },
    validate(obj, old) {
      const out: FieldError[] = [];
      check(root, obj, "", out, old ?? NO_OLD);
      return out;
    },
    applyDefaults(obj) {
      normalize(root, obj, true);
    },
  };
}
