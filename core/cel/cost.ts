import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";

/**
 * CEL's cost model (cel-go's checker cost estimator and runtime cost, in outline): identifiers
 * and field selections cost 1, constants 0, creating a list 10 and a map 30, string work a tenth
 * of a unit per character, regex matching a quarter per regex character times the string's
 * traversal, comprehensions their range times their body. The same walk gives the *estimated*
 * cost (sizes from the schema: maxLength, maxItems, maxProperties, or what fits in a 3 MiB
 * request) and the *actual* cost of one call (sizes of the values at hand).
 */

/** Request size kube-apiserver accepts; what unbounded strings, lists and maps are sized by. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;
/** celconfig.PerCallLimit: the runtime cost one rule evaluation may reach. */
export const PER_CALL_COST_LIMIT = 1_000_000;
/** apiextensions' StaticEstimatedCostLimit: the estimated cost of one rule times how often it may run. */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
/** apiextensions' StaticEstimatedCRDCostLimit: the sum of those over a whole schema. */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;

const SELECT_AND_IDENT = 1;
const LIST_CREATE = 10;
const MAP_CREATE = 30;
const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;

/** What the cost model knows of a value: its kind, its largest size, and its parts (lazily). */
export interface CostShape {
  readonly kind: "string" | "list" | "map" | "scalar" | "dyn";
  /** Characters of a string, items of a list, entries of a map (1 otherwise). */
  readonly size: number;
  /** A list's items, a map's values. */
  elem(): CostShape;
  /** An object's field. */
  prop(name: string): CostShape;
}

const DYN: CostShape = { kind: "dyn", size: 1, elem: () => DYN, prop: () => DYN };
const SCALAR: CostShape = { kind: "scalar", size: 1, elem: () => DYN, prop: () => DYN };

function stringShape(size: number): CostShape {
  return { kind: "string", size, elem: () => DYN, prop: () => DYN };
}

function listShape(size: number, elem: () => CostShape): CostShape {
  return { kind: "list", size, elem, prop: () => DYN };
}

/** The fewest bytes a value of a schema takes in JSON (cel's MinSerializedSize). */
export function minSerializedSize(s: JSONSchemaProps | undefined): number {
  if (!s) return 1;
  if ((s as Record<string, unknown>)["x-kubernetes-int-or-string"]) return 1;
  switch (s.type) {
    case "string": return 2 + (s.minLength ?? 0);
    case "boolean": return 4;
    case "integer":
    case "number": return 1;
    case "array":
    case "object": return 2;
    default: return 1;
  }
}

/** How many values of this schema a request can hold (cel's maxCardinality). */
export function unboundedCardinality(s: JSONSchemaProps | undefined): number {
  return Math.floor(MAX_REQUEST_SIZE_BYTES / (minSerializedSize(s) + 1));
}

/** The largest size a schema allows: its max keyword, else what fits in a request. */
export function schemaMaxSize(s: JSONSchemaProps): number | undefined {
  if (s.type === "string") return s.maxLength ?? MAX_REQUEST_SIZE_BYTES - 2;
  if (s.type === "array") return s.maxItems ?? unboundedCardinality(s.items as JSONSchemaProps | undefined);
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return s.maxProperties ?? unboundedCardinality(s.additionalProperties);
  return undefined;
}

/** The shape of values of a schema, sized by its limits. */
export function schemaShape(s: JSONSchemaProps | undefined): CostShape {
  if (!s) return DYN;
  if ((s as Record<string, unknown>)["x-kubernetes-int-or-string"]) return stringShape(MAX_REQUEST_SIZE_BYTES - 2);
  switch (s.type) {
    case "string":
      return s.format === "date-time" || s.format === "date" || s.format === "duration" ? SCALAR : stringShape(schemaMaxSize(s)!);
    case "array": {
      const items = s.items && !Array.isArray(s.items) ? (s.items as JSONSchemaProps) : undefined;
      return listShape(schemaMaxSize(s)!, () => schemaShape(items));
    }
    case "object": {
      const additional = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
      const props = s.properties;
      if (additional) return { kind: "map", size: schemaMaxSize(s)!, elem: () => schemaShape(additional), prop: () => schemaShape(additional) };
      return { kind: "map", size: Object.keys(props ?? {}).length || 1, elem: () => DYN, prop: (k) => (props?.[k] ? schemaShape(props[k]) : DYN) };
    }
    case "integer":
    case "number":
    case "boolean":
      return SCALAR;
    default:
      return DYN;
  }
}

/** The shape of values at hand (a CEL value: strings, bigints, arrays, plain objects, Maps), the largest of them where there are several. */
export function valueShape(values: readonly unknown[]): CostShape {
  let kind: CostShape["kind"] = "dyn";
  let size = 0;
  for (const v of values) {
    if (typeof v === "string") [kind, size] = ["string", Math.max(size, v.length)];
    else if (Array.isArray(v)) [kind, size] = ["list", Math.max(size, v.length)];
    else if (v instanceof Map) [kind, size] = ["map", Math.max(size, v.size)];
    else if (v instanceof Uint8Array) [kind, size] = ["string", Math.max(size, v.length)];
    else if (v && typeof v === "object" && !(v instanceof Date)) [kind, size] = ["map", Math.max(size, Object.keys(v).length)];
    else if (v !== null && v !== undefined && kind === "dyn") [kind, size] = ["scalar", 1];
  }
  return {
    kind,
    size: Math.max(size, 1),
    elem: () => valueShape(values.flatMap((v) => (Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : v && typeof v === "object" && !(v instanceof Date) && !(v instanceof Uint8Array) ? Object.values(v) : []))),
    prop: (k) => valueShape(values.flatMap((v) => (v instanceof Map ? (v.has(k) ? [v.get(k)] : []) : v && typeof v === "object" && k in (v as object) ? [(v as Record<string, unknown>)[k]] : []))),
  };
}

interface Ast {
  op: string;
  args: unknown;
}

interface Estimate {
  cost: number;
  shape: CostShape;
}

const MACROS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter", "sortBy"]);
/** Functions whose work grows with the receiver's (or first argument's) characters (others, such as duration() or int(), cost 1). */
const STRING_LINEAR = new Set(["lowerAscii", "upperAscii", "trim", "replace", "split", "substring", "indexOf", "lastIndexOf", "charAt", "reverse", "join", "format", "quantity", "isQuantity", "url", "isURL", "ip", "isIP", "cidr", "isCIDR", "bytes", "base64.encode", "base64.decode", "getHost", "getPath", "getQuery", "getScheme", "getPort", "getEscapedPath"]);
/** Functions whose work grows with a list's items. */
const LIST_LINEAR = new Set(["isSorted", "sum", "min", "max", "indexOf", "lastIndexOf", "slice", "flatten", "distinct", "sort"]);

const traversal = (size: number, factor = STRING_TRAVERSAL): number => Math.ceil(size * factor);

function isAst(x: unknown): x is Ast {
  return typeof x === "object" && x !== null && typeof (x as Ast).op === "string";
}

/** Cost and result shape of an expression with variables of the given shapes. */
function estimate(node: unknown, vars: Readonly<Record<string, CostShape>>): Estimate {
  if (!isAst(node)) return { cost: 0, shape: DYN };
  const { op, args } = node;
  const sub = (x: unknown, v = vars): Estimate => estimate(x, v);
  switch (op) {
    case "value": {
      const v = args;
      return { cost: 0, shape: typeof v === "string" ? stringShape(v.length) : v instanceof Uint8Array ? stringShape(v.length) : SCALAR };
    }
    case "id":
      return { cost: SELECT_AND_IDENT, shape: vars[args as string] ?? DYN };
    case ".":
    case ".?": {
      const [target, name] = args as [unknown, string];
      const t = sub(target);
      return { cost: t.cost + SELECT_AND_IDENT, shape: t.shape.prop(name) };
    }
    case "[]":
    case "[?]": {
      const [target, index] = args as [unknown, unknown];
      const t = sub(target);
      const i = sub(index);
      return { cost: t.cost + i.cost + SELECT_AND_IDENT, shape: t.shape.kind === "list" ? t.shape.elem() : t.shape.elem() };
    }
    case "list": {
      const items = (args as unknown[]).map((x) => sub(x));
      return { cost: LIST_CREATE + items.reduce((a, e) => a + e.cost, 0), shape: listShape(items.length, () => items[0]?.shape ?? DYN) };
    }
    case "map": {
      const entries = (args as unknown[][]).flat().map((x) => sub(x));
      return { cost: MAP_CREATE + entries.reduce((a, e) => a + e.cost, 0), shape: { kind: "map", size: entries.length / 2, elem: () => DYN, prop: () => DYN } };
    }
    case "?:": {
      const [c, a, b] = (args as unknown[]).map((x) => sub(x));
      return { cost: c!.cost + Math.max(a!.cost, b!.cost), shape: a!.shape.size >= b!.shape.size ? a!.shape : b!.shape };
    }
    case "&&":
    case "||": {
      const [a, b] = (args as unknown[]).map((x) => sub(x));
      return { cost: a!.cost + b!.cost, shape: SCALAR };
    }
    case "!_":
    case "-_":
    case "!":
      return { cost: sub(Array.isArray(args) ? args[0] : args).cost + 1, shape: SCALAR };
    case "==":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const [a, b] = (args as unknown[]).map((x) => sub(x));
      // Bounded by the smaller side, a tenth of a unit per element, at least 1.
      return { cost: a!.cost + b!.cost + Math.max(1, traversal(Math.min(a!.shape.size, b!.shape.size))), shape: SCALAR };
    }
    case "in": {
      const [a, b] = (args as unknown[]).map((x) => sub(x));
      return { cost: a!.cost + b!.cost + 1 + (b!.shape.kind === "list" ? b!.shape.size : 0), shape: SCALAR };
    }
    case "+": {
      const [a, b] = (args as unknown[]).map((x) => sub(x));
      if (a!.shape.kind === "string" || b!.shape.kind === "string") {
        const size = a!.shape.size + b!.shape.size;
        return { cost: a!.cost + b!.cost + 1 + traversal(size), shape: stringShape(size) };
      }
      if (a!.shape.kind === "list" || b!.shape.kind === "list") {
        const size = a!.shape.size + b!.shape.size;
        return { cost: a!.cost + b!.cost + 1 + size, shape: listShape(size, () => a!.shape.elem()) };
      }
      return { cost: a!.cost + b!.cost + 1, shape: SCALAR };
    }
    case "-":
    case "*":
    case "/":
    case "%": {
      const [a, b] = (args as unknown[]).map((x) => sub(x));
      return { cost: a!.cost + b!.cost + 1, shape: SCALAR };
    }
    case "call":
    case "rcall":
      return call(op === "rcall", args as unknown[], vars);
    default: {
      // Any other node: the sum of its parts, plus one.
      const parts = Array.isArray(args) ? args.filter(isAst).map((x) => sub(x)) : [];
      return { cost: 1 + parts.reduce((a, e) => a + e.cost, 0), shape: DYN };
    }
  }
}

function call(receiverStyle: boolean, args: unknown[], vars: Readonly<Record<string, CostShape>>): Estimate {
  const name = args[0] as string;
  const receiver = receiverStyle ? estimate(args[1], vars) : undefined;
  const rawArgs = ((receiverStyle ? args[2] : args[1]) ?? []) as unknown[];
  if (receiver && MACROS.has(name) && rawArgs.length >= 2 && isAst(rawArgs[0]) && rawArgs[0].op === "id") {
    // A comprehension: the range, then the body once per item with the iteration variable bound.
    const iterVar = rawArgs[0].args as string;
    const range = receiver.shape;
    const item = range.kind === "map" ? stringShape(range.size) : range.elem();
    const bodyVars = { ...vars, [iterVar]: item };
    const bodies = rawArgs.slice(1).map((b) => estimate(b, bodyVars));
    const perItem = bodies.reduce((a, e) => a + e.cost, 0) + 2;
    const shape = name === "map" ? listShape(range.size, () => bodies[bodies.length - 1]!.shape) : name === "filter" ? listShape(range.size, () => item) : SCALAR;
    return { cost: receiver.cost + range.size * perItem + (name === "map" || name === "filter" ? LIST_CREATE : 0), shape };
  }
  if (name === "has" && !receiverStyle) {
    const target = rawArgs[0];
    const inner = isAst(target) && target.op === "." ? estimate((target.args as unknown[])[0], vars) : estimate(target, vars);
    return { cost: inner.cost + SELECT_AND_IDENT, shape: SCALAR };
  }
  const argEstimates = rawArgs.map((a) => estimate(a, vars));
  let cost = (receiver?.cost ?? 0) + argEstimates.reduce((a, e) => a + e.cost, 0) + 1;
  const subject = receiver ?? argEstimates[0];
  const subjectSize = subject?.shape.size ?? 1;
  let shape: CostShape = SCALAR;
  if ((name === "startsWith" || name === "endsWith") && receiver) {
    // Only the prefix (suffix) is traversed.
    cost += traversal(argEstimates[0]?.shape.size ?? 1) - 1;
  } else if (name === "contains" && receiver) {
    cost += traversal(receiver.shape.size) * traversal(argEstimates[0]?.shape.size ?? 1) - 1;
  } else if (name === "matches") {
    const [str, regex] = receiver ? [receiver, argEstimates[0]] : [argEstimates[0], argEstimates[1]];
    cost += traversal(1 + (str?.shape.size ?? 1)) * traversal(regex?.shape.size ?? 1, REGEX_LENGTH);
  } else if (name === "size") {
    // constant time
  } else if (subject?.shape.kind === "list" && LIST_LINEAR.has(name)) {
    cost += subjectSize;
    shape = name === "slice" || name === "sort" || name === "distinct" || name === "flatten" ? subject.shape : subject.shape.elem();
  } else if (STRING_LINEAR.has(name) && subject?.shape.kind !== "list") {
    cost += traversal(subjectSize);
    shape = name === "split" ? listShape(subjectSize, () => stringShape(subjectSize)) : ["lowerAscii", "upperAscii", "trim", "replace", "substring", "reverse", "string", "format", "join", "charAt"].includes(name) ? stringShape(subjectSize) : SCALAR;
  } else if (subject) {
    shape = subject.shape;
  }
  return { cost, shape };
}

/** The cost of evaluating an expression (its parsed AST) once, with variables of these shapes. */
export function celCost(ast: unknown, vars: Readonly<Record<string, CostShape>>): number {
  return estimate(ast, vars).cost;
}

/** getCostErrorMessage: `<what> exceeds budget by factor of <f> (try simplifying …)`. */
export function costErrorMessage(what: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const f = factor > 100 ? "more than 100x" : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${what} exceeds budget by factor of ${f} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
