import type { ResourceRegistry } from "../../api/resource-registry.js";
import { KUBERNETES_VERSION } from "../discovery/version-info.js";
import { renderPaths, type OperationSpec, type ParameterSpec } from "./operations.js";
import { renderSchema } from "./render-schema.js";
import { documentDefinitions } from "./served-definitions.js";
import { toOpenApiV2Schema } from "./v2-schema.js";
import type { SchemaObject } from "./schema-object.js";

const REF = "#/definitions/";

export interface SwaggerDocument {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  definitions: Record<string, SchemaObject>;
  securityDefinitions: Record<string, unknown>;
  security: Record<string, string[]>[];
}

function parameterV2(p: ParameterSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) out.required = true;
  return out;
}

function operationV2(op: OperationSpec): Record<string, unknown> {
  const parameters = op.parameters.map(parameterV2);
  if (op.body) parameters.unshift({ name: "body", in: "body", required: op.method !== "delete", schema: { $ref: REF + op.body } });
  const responses: Record<string, unknown> = { "200": { description: "OK", schema: { $ref: REF + op.response } } };
  for (const code of op.alsoReturns ?? []) responses[String(code)] = { description: code === 201 ? "Created" : "Accepted", schema: { $ref: REF + op.response } };
  responses["401"] = { description: "Unauthorized" };
  return {
    description: op.description,
    consumes: op.method === "patch" ? ["application/json-patch+json", "application/merge-patch+json", ...(op.noStrategicMerge ? [] : ["application/strategic-merge-patch+json"]), "application/apply-patch+yaml"] : ["*/*"],
    produces: ["application/json", "application/yaml"],
    schemes: ["https"],
    tags: [],
    operationId: op.operationId,
    parameters,
    responses,
    "x-kubernetes-action": op.action,
    "x-kubernetes-group-version-kind": op.gvk,
  };
}

/** `/openapi/v2`: one Swagger 2.0 document of every served path and every definition they need. */
export function buildOpenApiV2(registry: ResourceRegistry): SwaggerDocument {
  const descriptors = registry.all().map((t) => t.descriptor);
  const definitions = documentDefinitions(descriptors, (schema) => renderSchema(toOpenApiV2Schema(schema), REF, false));
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}` },
    paths: renderPaths(descriptors, parameterV2, operationV2),
    definitions,
    securityDefinitions: { BearerToken: { description: "Bearer Token authentication", type: "apiKey", name: "authorization", in: "header" } },
    security: [{ BearerToken: [] }],
  };
}
