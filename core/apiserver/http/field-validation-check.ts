import type { ResourceDescriptor } from "../../api/resource.js";
import type { PatchType } from "../../client/client.js";
import { fieldIssueText, findFieldIssues, servedDefinitionName, strictDecodingError, type FieldIssue, type SchemaObject } from "../openapi/index.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** The OpenAPI definition a subresource's body is checked against (undefined: not checked). */
function definitionFor(d: ResourceDescriptor, subresource: string | undefined): string | SchemaObject | undefined {
  if (!subresource || subresource === "status") return (d.openApiSchema as SchemaObject | undefined) ?? servedDefinitionName(d);
  if (subresource === "scale") return "io.k8s.api.autoscaling.v1.Scale";
  return undefined;
}

/** Strategic-merge directives (`$patch`, `$setElementOrder/containers`, `$retainKeys`, ...) are not fields. */
function isDirective(issue: FieldIssue): boolean {
  return /(^|\.)\$/.test(issue.path);
}

/**
 * Applies `fieldValidation` to a request body: Strict → throws the 400 strict decoding error,
 * Warn → returns the `unknown field "..."` warnings, Ignore → nothing. JSON patches (a list of
 * operations) are not checked; strategic-merge directives are skipped. `raw` is the body text,
 * so duplicate fields in JSON are found; `parsed` is used for YAML apply patches.
 */
export function checkFields(d: ResourceDescriptor, subresource: string | undefined, mode: FieldValidation, raw: string, parsed: unknown, patchType?: PatchType): string[] {
  if (mode === "Ignore" || patchType === "json") return [];
  const definition = definitionFor(d, subresource);
  if (!definition) return [];
  let issues: FieldIssue[];
  try {
    issues = findFieldIssues(definition, patchType === "apply" && !raw.trimStart().startsWith("{") ? parsed : raw);
  } catch {
    return []; // malformed input is reported by decoding, not here
  }
  if (patchType === "strategic") issues = issues.filter((i) => !isDirective(i));
  if (!issues.length) return [];
  if (mode === "Strict") {
    const kind = subresource === "scale" ? "Scale" : d.kind;
    throw strictDecodingError(kind, d.version, issues);
  }
  return issues.map(fieldIssueText);
}
