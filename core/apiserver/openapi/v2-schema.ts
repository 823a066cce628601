import type { SchemaObject } from "./schema-object.js";

/** Keywords OpenAPI v2 (Swagger 2.0) has no place for, dropped from custom resource schemas as upstream's v2 conversion does. */
const V3_ONLY = new Set(["nullable", "anyOf", "oneOf", "not", "x-kubernetes-validations"]);

/**
 * A custom resource schema as `/openapi/v2` publishes it: the v3-only keywords removed at every
 * level. Schemas without them are returned as they are (no copy).
 */
export function toOpenApiV2Schema(schema: SchemaObject): SchemaObject {
  let out: Record<string, unknown> | undefined;
  const set = (k: string, v: unknown): void => {
    out ??= { ...schema };
    if (v === undefined) delete out[k];
    else out[k] = v;
  };
  for (const k of Object.keys(schema)) if (V3_ONLY.has(k)) set(k, undefined);
  if (schema.properties) {
    let props: Record<string, SchemaObject> | undefined;
    for (const [name, p] of Object.entries(schema.properties)) {
      const q = toOpenApiV2Schema(p);
      if (q !== p) (props ??= { ...schema.properties })[name] = q;
    }
    if (props) set("properties", props);
  }
  if (schema.items) {
    const q = toOpenApiV2Schema(schema.items);
    if (q !== schema.items) set("items", q);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    const q = toOpenApiV2Schema(schema.additionalProperties);
    if (q !== schema.additionalProperties) set("additionalProperties", q);
  }
  if (schema.allOf) {
    const all = schema.allOf.map(toOpenApiV2Schema);
    if (all.some((q, i) => q !== schema.allOf![i])) set("allOf", all);
  }
  return (out as SchemaObject | undefined) ?? schema;
}
