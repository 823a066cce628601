import { badRequest, type StatusError } from "../../api/status.js";
import { nodeOf, scanJson, type JsonNode } from "./json-members.js";
import { lookupDefinition } from "./served-definitions.js";
import type { SchemaObject } from "./schema-object.js";

/** An unknown or duplicate field found in a request body, with its path as Kubernetes prints it (`spec.containers[0].foo`). */
export interface FieldIssue {
  kind: "unknown" | "duplicate";
  path: string;
}

/** `unknown field "spec.foo"` / `duplicate field "spec.replicas"`: the text of one issue (also the Warn-mode warning). */
export function fieldIssueText(issue: FieldIssue): string {
  return `${issue.kind} field "${issue.path}"`;
}

function resolve(schema: SchemaObject | undefined): SchemaObject | undefined {
  let s = schema;
  for (let depth = 0; s && depth < 8; depth++) {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]!.$ref : undefined);
    if (!ref) return s;
    s = lookupDefinition(ref.replace(/^#\/(?:definitions|components\/schemas)\//, ""));
  }
  return s;
}

function walk(node: JsonNode, schema: SchemaObject | undefined, path: string, out: FieldIssue[]): void {
  const s = resolve(schema);
  if (!s || s["x-kubernetes-preserve-unknown-fields"]) return;
  if (node.kind === "object") {
    const seen = new Set<string>();
    for (const [key, child] of node.members) {
      const childPath = path ? `${path}.${key}` : key;
      if (seen.has(key)) out.push({ kind: "duplicate", path: childPath });
      seen.add(key);
      if (s.properties) {
        const prop = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined; // not Object.prototype's members
        if (!prop) {
          if (!(typeof s.additionalProperties === "object")) out.push({ kind: "unknown", path: childPath });
          else walk(child, s.additionalProperties, childPath, out);
        } else walk(child, prop, childPath, out);
      } else if (typeof s.additionalProperties === "object") {
        walk(child, s.additionalProperties, childPath, out);
      }
    }
  } else if (node.kind === "array" && s.items) {
    node.items.forEach((item, i) => walk(item, s.items, `${path}[${i}]`, out));
  }
}

/**
 * Unknown and duplicate fields of a request body checked against a definition
 * (`io.k8s.api.apps.v1.Deployment`, or a custom resource's schema), in document order. Pass the raw JSON text to find duplicate
 * fields (a parsed object cannot have any). Unknown definitions and objects marked
 * `x-kubernetes-preserve-unknown-fields` report nothing below them.
 */
export function findFieldIssues(definition: string | SchemaObject, body: string | unknown): FieldIssue[] {
  const node = typeof body === "string" ? scanJson(body) : nodeOf(body);
  const out: FieldIssue[] = [];
  walk(node, typeof definition === "string" ? { $ref: definition } : definition, "", out);
  return out;
}

/**
 * The 400 of `fieldValidation=Strict`:
 * `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", ...`.
 */
export function strictDecodingError(kind: string, version: string, issues: readonly FieldIssue[]): StatusError {
  return badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${issues.map(fieldIssueText).join(", ")}`);
}
