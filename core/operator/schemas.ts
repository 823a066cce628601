import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";

/**
 * The schema of `status.conditions` as kubebuilder generates it for `[]metav1.Condition`: a map
 * list keyed by `type`, every field of a Condition typed and the required ones required.
 */
export const conditionsSchema: JSONSchemaProps = {
  type: "array",
  items: {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: { type: "string", maxLength: 316 },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      observedGeneration: { type: "integer", format: "int64", minimum: 0 },
      lastTransitionTime: { type: "string", format: "date-time" },
      reason: { type: "string", maxLength: 1024 },
      message: { type: "string", maxLength: 32768 },
    },
  },
  ...({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] } as object),
};

/**
 * A custom resource's top-level schema: `apiVersion`, `kind`, `metadata` (as every CRD declares
 * them) plus the given `spec` and `status` (each an object schema's properties and required list).
 */
export function resourceSchema(o: { description?: string; spec: JSONSchemaProps; status?: JSONSchemaProps }): JSONSchemaProps {
  return {
    type: "object",
    ...(o.description ? { description: o.description } : {}),
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: { type: "object", ...o.spec },
      ...(o.status ? { status: { type: "object", ...o.status } } : {}),
    },
  };
}
