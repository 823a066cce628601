import type { SchemaObject } from "./schema-object.js";

/**
 * Copies a stored schema for a served document, turning bare-name `$ref`s into JSON pointers
 * under `prefix` (`#/definitions/` or `#/components/schemas/`). With `wrapRefs` (OpenAPI v3), a
 * reference that has siblings (a description) becomes `allOf: [{$ref}]` as kube-apiserver writes
 * it, since v3.0 ignores siblings of `$ref`.
 */
export function renderSchema(schema: SchemaObject, prefix: string, wrapRefs: boolean): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema) as [keyof SchemaObject, unknown][]) {
    if (key === "$ref") continue;
    if (key === "properties") {
      const props: Record<string, SchemaObject> = {};
      for (const [name, prop] of Object.entries(value as Record<string, SchemaObject>)) props[name] = renderSchema(prop, prefix, wrapRefs);
      out.properties = props;
    } else if (key === "items" || (key === "additionalProperties" && typeof value === "object")) {
      (out as Record<string, unknown>)[key] = renderSchema(value as SchemaObject, prefix, wrapRefs);
    } else {
      (out as Record<string, unknown>)[key] = value;
    }
  }
  if (schema.$ref) {
    const ref = prefix + schema.$ref;
    if (wrapRefs && Object.keys(out).length) return { allOf: [{ $ref: ref }], ...out };
    return { $ref: ref, ...out };
  }
  return out;
}
