/** One OpenAPI schema (the subset Kubernetes' published documents use). */
export interface SchemaObject {
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  items?: SchemaObject;
  required?: string[];
  /** In schemas.json: a bare definition name; in served documents: a JSON pointer. */
  $ref?: string;
  allOf?: SchemaObject[];
  default?: unknown;
  "x-kubernetes-group-version-kind"?: { group: string; kind: string; version: string }[];
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  [extension: `x-${string}`]: unknown;
}
