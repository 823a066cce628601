import type { ResourceRegistry } from "../../api/resource-registry.js";
import { servedGroups, typesIn } from "../discovery/group-versions.js";
import { KUBERNETES_VERSION } from "../discovery/version-info.js";
import { contentHash } from "./content-hash.js";
import { patchContentTypes, renderPaths, type OperationSpec, type ParameterSpec } from "./operations.js";
import { renderSchema } from "./render-schema.js";
import { documentDefinitions } from "./served-definitions.js";
import type { SchemaObject } from "./schema-object.js";

const REF = "#/components/schemas/";

export interface OpenApiV3Document {
  openapi: "3.0.0";
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes: Record<string, unknown> };
}

/** `/openapi/v3`: one link per served group/version (`api/v1`, `apis/apps/v1`), with the document's hash. */
export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** `api/v1` or `apis/<group>/<version>`: the key of a group/version in `/openapi/v3`. */
export function openApiV3PathKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function parameterV3(p: ParameterSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) out.required = true;
  return out;
}

function operationV3(op: OperationSpec): Record<string, unknown> {
  const json = (def: string): Record<string, unknown> => ({ schema: { $ref: REF + def } });
  const responses: Record<string, unknown> = {
    "200": { description: "OK", content: { "application/json": json(op.response), "application/yaml": json(op.response) } },
  };
  for (const code of op.alsoReturns ?? []) responses[String(code)] = { description: code === 201 ? "Created" : "Accepted", content: { "application/json": json(op.response) } };
  responses["401"] = { description: "Unauthorized" };
  const out: Record<string, unknown> = {
    tags: [],
    description: op.description,
    operationId: op.operationId,
    parameters: op.parameters.map(parameterV3),
    responses,
    "x-kubernetes-action": op.action,
    "x-kubernetes-group-version-kind": op.gvk,
  };
  if (op.body) {
    const types = op.method === "patch" ? patchContentTypes(op) : ["*/*"];
    out.requestBody = { content: Object.fromEntries(types.map((t) => [t, json(op.body!)])), required: op.method !== "delete" };
  }
  return out;
}

/**
 * The OpenAPI v3 document of one group/version (`/openapi/v3/apis/apps/v1`): its paths and the
 * schemas of its kinds and everything they reference, or undefined if not served.
 */
export function buildOpenApiV3Document(registry: ResourceRegistry, group: string, version: string): OpenApiV3Document | undefined {
  const types = typesIn(registry, group, version);
  if (!types.length) return undefined;
  const descriptors = types.map((t) => t.descriptor);
  const schemas = documentDefinitions(descriptors, (schema) => renderSchema(schema, REF, true));
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}` },
    paths: renderPaths(descriptors, parameterV3, operationV3),
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } },
    },
  };
}

/**
 * `/openapi/v3`: a link per served group/version with the hash of its document. `documentText`
 * returns the serialized document (so a caller caching documents hashes the bytes it serves).
 */
export function buildOpenApiV3Index(registry: ResourceRegistry, documentText: (group: string, version: string) => string = (g, v) => JSON.stringify(buildOpenApiV3Document(registry, g, v))): OpenApiV3Index {
  const paths: OpenApiV3Index["paths"] = {};
  for (const g of servedGroups(registry)) {
    for (const v of g.versions) {
      const key = openApiV3PathKey(g.name, v);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${contentHash(documentText(g.name, v))}` };
    }
  }
  return { paths };
}

/** Parses `api/v1` / `apis/apps/v1` (the part after `/openapi/v3/`) into a group/version. */
export function parseOpenApiV3PathKey(key: string): { group: string; version: string } | undefined {
  const parts = key.replace(/^\/+|\/+$/g, "").split("/");
  if (parts[0] === "api" && parts.length === 2) return { group: "", version: parts[1]! };
  if (parts[0] === "apis" && parts.length === 3) return { group: parts[1]!, version: parts[2]! };
  return undefined;
}

