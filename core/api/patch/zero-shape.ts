import shapesJson from "./zero-shapes.json" with { type: "json" };

/**
 * What a built-in type's Go value looks like to structured-merge-diff: the API server converts the
 * live object (on a create: the kind's Go zero value) to unstructured JSON before comparing it with
 * the new one, so a non-pointer struct field is there even when the stored JSON leaves it out (as
 * `{}`), a field without `omitempty` is there as null or its zero scalar, and an empty map or list
 * behind `omitempty` is not there at all. Compare marks a map, struct or list that was not there
 * with `.` (the node itself becomes the writer's): `f:labels: {".": {}, ...}` on a create,
 * `f:spec` never. Custom resources are compared as the JSON they are: no shape.
 */
export interface ZeroShape {
  /** Fields present in the type's zero value: a struct (`{}`), null, or a scalar's zero. */
  readonly zero: Readonly<Record<string, ZeroValue>> | undefined;
  /** Shapes of the fields holding structs (of a list's items, of a map's values). */
  readonly fields: Readonly<Record<string, ZeroShape>> | undefined;
  /** Non-pointer scalars behind `omitempty`, with their zero: absent when they hold it. */
  readonly omit: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Fields that are maps (`map[string]...`): empty means absent unless {@link zero} has them. */
  readonly maps: ReadonlySet<string> | undefined;
  /** A map of structs' shape: the shape of every value in it (the map's own fields are its keys). */
  readonly each: ZeroShape | undefined;
}

/** A field's value in the Go zero value of its struct: {@link ZERO_STRUCT}, null, or a scalar. */
export type ZeroValue = object | string | number | boolean | null;

/** The value a non-pointer struct field has in the zero value: an empty object (frozen, shared). */
export const ZERO_STRUCT: Readonly<Record<string, never>> = Object.freeze({});

/** The shape of the value at `key` of a value with `shape` (a struct's field, a list's items, a map's values). */
export function shapeAt(shape: ZeroShape | undefined, key: string): ZeroShape | undefined {
  return shape === undefined ? undefined : (shape.each ?? shape.fields?.[key]);
}

/**
 * The generated table's form of one type: `z` zero fields (`true`: a struct), `o` the scalars
 * `omitempty` drops at their zero, `t` the types of the fields holding structs or lists of them,
 * `e` of the maps of structs, `m` the map fields.
 */
interface TypeEntry {
  z?: Record<string, true | null | string | number | boolean>;
  o?: Record<string, string | number | boolean>;
  t?: Record<string, string>;
  e?: Record<string, string>;
  m?: string[];
}

const TYPES = (shapesJson as { types: Record<string, TypeEntry> }).types;
const KINDS = (shapesJson as { kinds: Record<string, string> }).kinds;
const shapes = new Map<string, ZeroShape>();
/** Shapes by kind, then apiVersion (no key string built per write). */
const byKind = new Map<string, Map<string, ZeroShape | undefined>>();

/** The shape of an OpenAPI definition (`io.k8s.api.apps.v1.DeploymentSpec`), built once; undefined for types the table lacks. */
export function zeroShapeOf(definition: string): ZeroShape | undefined {
  const known = shapes.get(definition);
  if (known) return known;
  const entry = TYPES[definition];
  if (!entry) return undefined;
  let zero: Record<string, ZeroValue> | undefined;
  for (const k in entry.z ?? {}) {
    const v = entry.z![k]!;
    (zero ??= {})[k] = v === true ? ZERO_STRUCT : v;
  }
  const fields: Record<string, ZeroShape> = {};
  const shape: ZeroShape = { zero: zero && Object.freeze(zero), omit: entry.o, fields: entry.t || entry.e ? fields : undefined, maps: entry.m ? new Set(entry.m) : undefined, each: undefined };
  // Registered before its fields are resolved: types refer to themselves (JSONSchemaProps).
  shapes.set(definition, shape);
  for (const k in entry.t ?? {}) {
    const s = zeroShapeOf(entry.t![k]!);
    if (s) fields[k] = s;
  }
  for (const k in entry.e ?? {}) {
    const s = zeroShapeOf(entry.e![k]!);
    if (s) fields[k] = { zero: undefined, omit: undefined, fields: undefined, maps: undefined, each: s };
  }
  Object.freeze(fields);
  return shape;
}

/**
 * The shape of a built-in kind by `apiVersion` (`apps/v1`, `v1`) and kind; undefined for kinds
 * the table does not know (custom resources), which are compared as plain JSON.
 */
export function zeroShapeFor(apiVersion: string, kind: string): ZeroShape | undefined {
  let versions = byKind.get(kind);
  if (versions === undefined) byKind.set(kind, (versions = new Map()));
  else if (versions.has(apiVersion)) return versions.get(apiVersion);
  const def = KINDS[`${apiVersion}/${kind}`];
  const shape = def ? zeroShapeOf(def) : undefined;
  versions.set(apiVersion, shape);
  return shape;
}

/**
 * Whether a JSON value at `key` of a struct with `shape` is in the Go value: an empty list or map,
 * or a scalar at its zero, behind `omitempty` is dropped by the conversion. Without a shape
 * (custom resources, untyped parts) every value is there.
 */
export function presentInGo(value: unknown, key: string, shape: ZeroShape | undefined): boolean {
  if (shape === undefined || value === null || shape.each !== undefined) return true;
  // One lookup: `omit` holds scalars only, so a key it lacks (undefined, or an inherited member) never equals a scalar value.
  if (typeof value !== "object") return shape.omit === undefined || shape.omit[key] !== value;
  if (shape.zero !== undefined && key in shape.zero) return true;
  if (Array.isArray(value)) return value.length > 0;
  if (shape.maps === undefined || !shape.maps.has(key)) return true;
  for (const _ in value) return true;
  return false;
}
