import { badRequest, type StatusError } from "../../api/status.js";
import { definitionNameOf } from "./schema-definitions.js";
import { withoutUndefined } from "../../api/patch/json-value.js";
import { copyUpTo } from "../../api/clone.js";
import { lookupDefinition } from "./served-definitions.js";
import type { SchemaObject } from "./schema-object.js";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** A value whose JSON type does not fit the field's type, as Go's encoding/json reports it. */
export interface TypeMismatch {
  /** `string`, `number`, `object`, `array` or `bool`: the JSON type found. */
  found: string;
  /** The Go struct holding the field (`PodSpec`). */
  struct: string;
  /** The field's path from the object root (`spec.containers`). */
  path: string;
  /** The Go type expected (`[]v1.Container`). */
  goType: string;
}

/**
 * A schema compiled for type checking: what JSON type a value must have and, for structs, arrays
 * and maps, the checkers of their members. Compiled once per schema node (lazily: the definitions
 * are recursive), then reused by every write. One class with every member set from the start, so
 * that every read of a checker sees one object shape (literals of a few shapes made each such
 * read a megamorphic load).
 */
class Checker {
  /** `kind` as a small integer (see the K_ constants): what `check` and `scalarFits` switch on. */
  code: number;
  /**
   * A struct's members in the order the last object checked against it listed them, with their
   * checkers: objects of one kind mostly list their members in one order, so a member is looked up
   * by position (one string comparison) before the `fields` map. Filled as objects are checked
   * (made on a struct's first check: most checkers are scalars, which need none).
   */
  seenKeys: string[] | undefined = undefined;
  seenFields: (Checker | undefined)[] | undefined = undefined;

  constructor(
    /** `any` accepts every value; `scalar` is a number or a string (IntOrString, Quantity). */
    public kind: CheckerKind,
    /** Go spelling of the type, for messages. */
    public goType: string,
    /** For structs: the struct's Go name (fields report it). */
    readonly struct: string | undefined = undefined,
    /** Struct fields. */
    public fields: Map<string, Checker> | undefined = undefined,
    /** Array items, or map values. */
    public element: Checker | undefined = undefined,
  ) {
    this.code = KIND_CODES[kind];
  }

  /** Sets the kind (a `$ref`'s placeholder takes its target's once compiled). */
  setKind(kind: CheckerKind): void {
    this.kind = kind;
    this.code = KIND_CODES[kind];
  }

  /** The checker of struct member `key`, the `index`th member of the object being checked (undefined: not a field). */
  field(key: string, index: number): Checker | undefined {
    const keys = (this.seenKeys ??= []);
    const fields = (this.seenFields ??= []);
    if (index < keys.length && keys[index] === key) return fields[index];
    const field = this.fields!.get(key);
    if (index <= keys.length && index < MAX_SEEN_KEYS) {
      keys[index] = key;
      fields[index] = field;
    }
    return field;
  }
}

type CheckerKind = "any" | "string" | "boolean" | "integer" | "number" | "scalar" | "array" | "object";
const K_ANY = 0;
const K_STRING = 1;
const K_BOOLEAN = 2;
const K_INTEGER = 3;
const K_NUMBER = 4;
const K_SCALAR = 5;
const K_ARRAY = 6;
const K_OBJECT = 7;
const KIND_CODES: Record<CheckerKind, number> = { any: K_ANY, string: K_STRING, boolean: K_BOOLEAN, integer: K_INTEGER, number: K_NUMBER, scalar: K_SCALAR, array: K_ARRAY, object: K_OBJECT };
/** Positions remembered per struct (structs list a few dozen members at most). */
const MAX_SEEN_KEYS = 64;

const ANY = new Checker("any", "interface {}");
const compiled = new WeakMap<SchemaObject, Checker>();

function refName(schema: SchemaObject): string | undefined {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  return ref?.replace(/^#\/(?:definitions|components\/schemas)\//, "");
}

function compile(schema: SchemaObject): Checker {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const ref = refName(schema);
  if (ref) {
    const target = lookupDefinition(ref);
    const parts = ref.split(".");
    const goType = `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
    if (!target) return ANY;
    if (ref === QUANTITY || ref === INT_OR_STRING) return remember(schema, new Checker("scalar", goType));
    // Placeholder first: recursive definitions (JSONSchemaProps) reach themselves.
    const checker = new Checker("object", goType, parts[parts.length - 1]!);
    compiled.set(schema, checker);
    const inner = compile(target);
    checker.setKind(inner.kind);
    checker.fields = inner.fields;
    checker.element = inner.element;
    return checker;
  }
  if (schema["x-kubernetes-preserve-unknown-fields"]) return remember(schema, ANY);
  if (schema["x-kubernetes-int-or-string"] || schema.format === "int-or-string") return remember(schema, new Checker("scalar", "intstr.IntOrString"));
  switch (schema.type ?? (schema.properties ? "object" : undefined)) {
    case "string":
      return remember(schema, new Checker("string", "string"));
    case "boolean":
      return remember(schema, new Checker("boolean", "bool"));
    case "integer":
      return remember(schema, new Checker("integer", schema.format === "int64" ? "int64" : "int32"));
    case "number":
      return remember(schema, new Checker("number", "float64"));
    case "array": {
      const checker = new Checker("array", "");
      compiled.set(schema, checker);
      checker.element = schema.items ? compile(schema.items) : ANY;
      checker.goType = `[]${checker.element.goType}`;
      return checker;
    }
    case "object": {
      const checker = new Checker("object", "struct");
      compiled.set(schema, checker);
      if (schema.properties) {
        checker.fields = new Map();
        for (const [name, prop] of Object.entries(schema.properties)) checker.fields.set(name, compile(prop));
      }
      if (typeof schema.additionalProperties === "object") {
        checker.element = compile(schema.additionalProperties);
        if (!schema.properties) checker.goType = `map[string]${checker.element.goType}`;
      }
      return checker;
    }
    default:
      return remember(schema, ANY);
  }
}

function remember(schema: SchemaObject, checker: Checker): Checker {
  compiled.set(schema, checker);
  return checker;
}

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/** The field path being checked, as a stack of names: joined only when a mismatch is reported. */
type PathStack = string[];

function mismatch(value: unknown, checker: Checker, struct: string, path: PathStack): TypeMismatch {
  return { found: jsonTypeOf(value), struct, path: path.join("."), goType: checker.goType };
}

/** What a null decodes to in a slice element or map value of this type: Go's zero value, as JSON. */
function zeroOf(c: Checker): unknown {
  switch (c.kind) {
    case "string":
      return "";
    case "boolean":
      return false;
    case "integer":
    case "number":
      return 0;
    case "scalar":
      return c.goType.endsWith("Quantity") ? "0" : 0;
    case "object":
      return c.fields ? {} : null; // a struct is a zero struct; a nil map stays null
    default:
      return null; // interface{}, nil slices
  }
}

/**
 * Whether `value` is a scalar `c` takes as it is: the members most values are (strings, numbers,
 * booleans) are checked in their container's loop, without a call to `check` or a path entry.
 * False for anything else, which `check` then decodes (or reports).
 */
function scalarFits(value: unknown, c: Checker): boolean {
  // By the value's JSON type first (most members are strings), then one bit of the kind's mask.
  if (typeof value === "string") return ((TAKES_STRING >> c.code) & 1) === 1;
  if (typeof value === "number") return c.code === K_INTEGER ? Number.isInteger(value) : ((TAKES_NUMBER >> c.code) & 1) === 1 && Number.isFinite(value);
  return typeof value === "boolean" && c.code === K_BOOLEAN;
}

/** The kinds a string is (string, IntOrString/Quantity), and those a finite number is (besides integer, checked apart). */
const TAKES_STRING = (1 << K_STRING) | (1 << K_SCALAR);
const TAKES_NUMBER = (1 << K_NUMBER) | (1 << K_SCALAR);

/** A value found to be of the wrong JSON type (thrown through `check`, caught by decodeTyped). */
class Mismatch {
  constructor(readonly found: TypeMismatch) {}
}

function fail(value: unknown, c: Checker, struct: string, path: PathStack): never {
  throw new Mismatch(mismatch(value, c, struct, path));
}

/**
 * `value` as decoding into its Go type leaves it: nulls in struct fields are dropped (the field
 * keeps its zero value and is omitted), nulls in slices and map values become the element type's
 * zero value. Returns `value` itself when it holds no such null (subtrees are shared, never
 * mutated); throws a Mismatch at the first value whose JSON type cannot decode into its field.
 * A subtree that is `known` itself (the same subtree of a stored object, decoded when it was
 * written) is not walked again.
 */
function check(value: unknown, c: Checker, struct: string, path: PathStack, known: unknown): unknown {
  if (value === known) return value;
  switch (c.code) {
    case K_ANY:
      return value;
    case K_STRING:
    case K_BOOLEAN:
    case K_INTEGER:
    case K_NUMBER:
    case K_SCALAR:
      return scalarFits(value, c) ? value : fail(value, c, struct, path);
    case K_ARRAY: {
      if (!Array.isArray(value)) return fail(value, c, struct, path);
      const element = c.element!;
      if (element.code === K_ANY) return value;
      let out: unknown[] | undefined;
      const knownItems = Array.isArray(known) ? known : undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (scalarFits(item, element)) continue;
        const decoded = item === null || item === undefined ? zeroOf(element) : check(item, element, struct, path, knownItems?.[i]);
        if (decoded !== item) (out ??= value.slice())[i] = decoded;
      }
      return out ?? value;
    }
    default: {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(value, c, struct, path);
      const owner = c.struct ?? struct;
      const element = c.element;
      const record = value as Record<string, unknown>;
      const knownFields = typeof known === "object" && known !== null && !Array.isArray(known) ? (known as Record<string, unknown>) : undefined;
      // The copy is made at the first member that changes, with the members before it; dropped
      // members are left out of it (no spread, no second copy to drop them).
      let out: Record<string, unknown> | undefined;
      let dropped = false;
      let index = 0;
      for (const key in record) {
        const item = record[key];
        const field = c.fields === undefined ? undefined : c.field(key, index++);
        let decoded: unknown = item;
        if (field) {
          if (item === null || item === undefined) {
            out ??= copyUpTo(record, key);
            dropped = true;
            continue;
          }
          if (field.code !== K_ANY && !scalarFits(item, field)) {
            path.push(key);
            decoded = check(item, field, owner, path, knownFields?.[key]);
            path.pop();
          }
        } else if (element) {
          // map values report the map's field, as Go does
          if (!scalarFits(item, element)) decoded = item === null || item === undefined ? zeroOf(element) : check(item, element, struct, path, knownFields?.[key]);
        } // unknown fields are fieldValidation's business
        if (decoded !== item) out ??= copyUpTo(record, key);
        if (out !== undefined) out[key] = decoded;
      }
      // Once a member is dropped, undefined members are dropped too (as JSON drops them).
      return out ? (dropped && hasUndefined(out) ? withoutUndefined(out) : out) : value;
    }
  }
}

function hasUndefined(record: Record<string, unknown>): boolean {
  for (const k in record) if (record[k] === undefined) return true;
  return false;
}

/** Root checkers by group, version and kind (null: no generated schema), so a write builds no key string. */
const roots = new Map<string, Map<string, Map<string, Checker | null>>>();

/** The checker of a built-in kind's root, compiled on first use; null for kinds without a generated schema. */
function rootChecker(group: string, version: string, kind: string): Checker | null {
  let byVersion = roots.get(group);
  if (!byVersion) roots.set(group, (byVersion = new Map()));
  let byKind = byVersion.get(version);
  if (!byKind) byVersion.set(version, (byKind = new Map()));
  let root = byKind.get(kind);
  if (root === undefined) {
    const definition = definitionNameOf(group, version, kind);
    root = definition ? compile({ $ref: definition }) : null;
    byKind.set(kind, root);
  }
  return root;
}

/** The outcome of decodeTyped: the object as its Go type holds it, or the first type mismatch. */
export type TypedDecoding<T> = { object: T; mismatch?: undefined } | { object?: undefined; mismatch: TypeMismatch };

/**
 * Decodes `obj` as kube-apiserver's JSON decoding into the built-in kind's Go type would: the
 * first field whose JSON type cannot decode into its Go type is reported (a 400 before anything
 * else), and nulls become what Go leaves for them (see `check`), so no later stage meets a null
 * where the type has none. Kinds without a generated schema (custom resources) are returned as
 * they are. `known` is an object already decoded (the stored version of the object being
 * written): subtrees of `obj` that are its subtrees themselves are taken as they are, so a patch
 * or an update built from the stored object costs only what it changed.
 */
export function decodeTyped<T>(group: string, version: string, kind: string, obj: T, known?: unknown): TypedDecoding<T> {
  const root = rootChecker(group, version, kind);
  if (!root) return { object: obj };
  try {
    return { object: check(obj, root, kind, [], known) as T };
  } catch (err) {
    if (err instanceof Mismatch) return { mismatch: err.found };
    throw err;
  }
}

/** The first field of `obj` whose JSON type its built-in kind cannot decode (see decodeTyped). */
export function findTypeMismatch(group: string, version: string, kind: string, obj: unknown): TypeMismatch | undefined {
  return decodeTyped(group, version, kind, obj).mismatch;
}

/** `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container` (400). */
export function typeMismatchError(kind: string, version: string, m: TypeMismatch): StatusError {
  const target = m.path ? `Go struct field ${m.struct}.${m.path} of type ${m.goType}` : `Go value of type ${m.goType}`;
  return badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${m.found} into ${target}`);
}
