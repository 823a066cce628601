import type { ResourceDescriptor } from "../../api/resource.js";
import { definitionNameOf, SCHEMA_DEFINITIONS } from "./schema-definitions.js";
import type { SchemaObject } from "./schema-object.js";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Definitions every document with operations needs besides its kinds. */
export const OPERATION_DEFINITIONS = [`${META}.DeleteOptions`, `${META}.Status`, `${META}.Patch`] as const;

const PATCH_SCHEMA: SchemaObject = { description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.", type: "object" };

/**
 * The OpenAPI definition name of a served kind: the generated one for built-in kinds, else the
 * name apiextensions-apiserver gives custom resources (reversed group + version + kind:
 * `com.example.v1.Widget`).
 */
export function servedDefinitionName(d: Pick<ResourceDescriptor, "group" | "version" | "kind">): string {
  return definitionNameOf(d.group, d.version, d.kind) ?? `${d.group.split(".").reverse().join(".")}.${d.version}.${d.kind}`;
}

/** A schema of a kind without a generated one: any object, with its group/version/kind. */
function permissiveSchema(d: Pick<ResourceDescriptor, "group" | "version" | "kind">, kind = d.kind): SchemaObject {
  return {
    type: "object",
    "x-kubernetes-group-version-kind": [{ group: d.group, kind, version: d.version }],
    "x-kubernetes-preserve-unknown-fields": true,
  };
}

/** The `<Kind>List` definition of a custom resource version. */
function customResourceListSchema(d: Pick<ResourceDescriptor, "group" | "version" | "kind" | "listKind">, itemName: string): SchemaObject {
  return {
    description: `${d.listKind} is a list of ${d.kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources", type: "string" },
      items: { description: `List of ${d.kind.toLowerCase()}s. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: "array", items: { $ref: itemName } },
      kind: { description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", type: "string" },
      metadata: { description: "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", $ref: `${META}.ListMeta` },
    },
    "x-kubernetes-group-version-kind": [{ group: d.group, kind: d.listKind, version: d.version }],
  };
}

/** Looks a definition up among the generated ones and the few synthesised here. */
export function lookupDefinition(name: string): SchemaObject | undefined {
  return name === `${META}.Patch` ? PATCH_SCHEMA : SCHEMA_DEFINITIONS[name];
}

function collectRefs(schema: SchemaObject, out: Set<string>, pending: string[]): void {
  if (schema.$ref && !out.has(schema.$ref)) {
    out.add(schema.$ref);
    pending.push(schema.$ref);
  }
  if (schema.items) collectRefs(schema.items, out, pending);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") collectRefs(schema.additionalProperties, out, pending);
  if (schema.properties) for (const p of Object.values(schema.properties)) collectRefs(p, out, pending);
  if (schema.allOf) for (const s of schema.allOf) collectRefs(s, out, pending);
}

/**
 * Every definition a set of served kinds needs: the kinds, their lists, `extra` names, and all
 * they reference, transitively. Kinds without a generated schema get a permissive one.
 * Returned schemas keep bare-name `$ref`s.
 */
export function closureOfDefinitions(descriptors: readonly ResourceDescriptor[], extra: readonly string[] = []): Map<string, SchemaObject> {
  const result = new Map<string, SchemaObject>();
  const seen = new Set<string>();
  const pending: string[] = [];
  const want = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name);
      pending.push(name);
    }
  };
  for (const d of descriptors) {
    const name = servedDefinitionName(d);
    const listName = definitionNameOf(d.group, d.version, d.listKind) ?? `${name}List`;
    if (d.openApiSchema) {
      // A custom resource: its schema from the CRD, and the list apiextensions-apiserver defines.
      const schema = d.openApiSchema as SchemaObject;
      seen.add(name);
      result.set(name, schema);
      collectRefs(schema, seen, pending);
      seen.add(listName);
      result.set(listName, customResourceListSchema(d, name));
      want(`${META}.ListMeta`);
      continue;
    }
    if (lookupDefinition(name)) want(name);
    else {
      seen.add(name);
      result.set(name, permissiveSchema(d));
    }
    if (lookupDefinition(listName)) want(listName);
    else if (!seen.has(listName)) {
      seen.add(listName);
      result.set(listName, permissiveSchema(d, d.listKind));
    }
  }
  for (const name of extra) want(name);
  while (pending.length) {
    const name = pending.pop()!;
    const schema = lookupDefinition(name);
    if (!schema) continue;
    result.set(name, schema);
    collectRefs(schema, seen, pending);
  }
  return new Map([...result].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The definitions a document serving `descriptors`' operations needs: theirs, the operations'
 * (DeleteOptions, Status, Patch) and Scale when a scale subresource is served, rendered for the
 * document by `render`.
 */
export function documentDefinitions(descriptors: readonly ResourceDescriptor[], render: (schema: SchemaObject) => SchemaObject): Record<string, SchemaObject> {
  const extra: string[] = [...OPERATION_DEFINITIONS];
  if (descriptors.some((d) => d.subresources.includes("scale"))) extra.push("io.k8s.api.autoscaling.v1.Scale");
  const out: Record<string, SchemaObject> = {};
  for (const [name, schema] of closureOfDefinitions(descriptors, extra)) out[name] = render(schema);
  return out;
}
