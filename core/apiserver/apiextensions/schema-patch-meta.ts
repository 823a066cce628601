import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { ObjectMeta, type FieldMeta, type TypeMeta } from "../../api/patch/patch-meta.js";

const ext = (s: JSONSchemaProps, name: string): unknown => (s as Record<string, unknown>)[`x-kubernetes-${name}`];

/** The struct meta of an object schema: its properties' list and map types; undefined when all defaults. */
function typeMeta(s: JSONSchemaProps, depth: number): TypeMeta | undefined {
  if (depth > 64) return undefined;
  const atomic = ext(s, "map-type") === "atomic";
  const fields: Record<string, FieldMeta> = {};
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const f = fieldMeta(p, depth + 1);
    if (f) fields[k] = f;
  }
  if (!atomic && !Object.keys(fields).length) return undefined;
  return { ...(atomic ? { atomic: true } : {}), ...(Object.keys(fields).length ? { fields } : {}) };
}

function fieldMeta(s: JSONSchemaProps, depth: number): FieldMeta | undefined {
  if (s.type === "array") {
    const listType = ext(s, "list-type") as string | undefined;
    const items = s.items && !Array.isArray(s.items) ? (s.items as JSONSchemaProps) : undefined;
    const type = items ? typeMeta(items, depth) : undefined;
    if (listType === "map") {
      const keys = (ext(s, "list-map-keys") as string[] | undefined) ?? [];
      const keyDefaults: Record<string, unknown> = {};
      for (const k of keys) {
        const d = items?.properties?.[k]?.default;
        if (d !== undefined) keyDefaults[k] = d;
      }
      return { list: "map", keys, ...(Object.keys(keyDefaults).length ? { keyDefaults } : {}), ...(type ? { type } : {}) };
    }
    if (listType === "set") return { list: "set" };
    return type ? { list: "atomic", type } : undefined;
  }
  const type = typeMeta(s, depth);
  return type ? { type } : undefined;
}

/**
 * The server-side apply meta of a custom resource version, read from its schema as the structured
 * merge diff converter reads it: `x-kubernetes-list-type` (atomic by default, set, map with
 * `x-kubernetes-list-map-keys`) and `x-kubernetes-map-type: atomic`, with ObjectMeta's own rules.
 */
export function schemaPatchMeta(schema: JSONSchemaProps | undefined): TypeMeta {
  const root = schema ? typeMeta(schema, 0) : undefined;
  return { ...(root?.atomic ? { atomic: true } : {}), fields: { ...(root?.fields ?? {}), metadata: { type: ObjectMeta } } };
}
