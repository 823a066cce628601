import definitionsJson from "./schemas.json" with { type: "json" };
import type { SchemaObject } from "./schema-object.js";

/**
 * Every API type's OpenAPI schema, generated from kubernetes-types by generate-schemas.ts, keyed by
 * the definition name kube-apiserver uses (`io.k8s.api.core.v1.Pod`). `$ref`s hold bare definition
 * names. Shared and immutable: never mutate what this returns.
 */
export const SCHEMA_DEFINITIONS: Readonly<Record<string, SchemaObject>> = definitionsJson as Record<string, SchemaObject>;

/** The description of one field of a definition, as `SwaggerDoc()` gives it upstream ("" if unknown). */
export function fieldDescription(definition: string, field: string): string {
  return SCHEMA_DEFINITIONS[definition]?.properties?.[field]?.description ?? "";
}

/** Definition names by `group/version/kind` (core group: `/v1/Pod`). */
let byGvk: Map<string, string> | undefined;

/** The definition name of a kind, e.g. `("apps", "v1", "Deployment")` → `io.k8s.api.apps.v1.Deployment`. */
export function definitionNameOf(group: string, version: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, schema] of Object.entries(SCHEMA_DEFINITIONS)) {
      for (const gvk of schema["x-kubernetes-group-version-kind"] ?? []) byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }
  return byGvk.get(`${group}/${version}/${kind}`);
}
