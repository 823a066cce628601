import type { ResourceDescriptor } from "../../api/resource.js";
import { STANDARD_VERBS } from "../../api/resource.js";
import { servedDefinitionName } from "./served-definitions.js";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** One query or path parameter, independent of the OpenAPI version. */
export interface ParameterSpec {
  name: string;
  in: "query" | "path";
  type: "string" | "integer" | "boolean";
  description: string;
  required?: boolean;
}

/** One operation, independent of the OpenAPI version; rendered by the v2 and v3 builders. */
export interface OperationSpec {
  method: "get" | "put" | "post" | "patch" | "delete";
  operationId: string;
  description: string;
  action: "get" | "list" | "post" | "put" | "patch" | "delete" | "deletecollection";
  gvk: { group: string; version: string; kind: string };
  parameters: ParameterSpec[];
  /** Definition name of the request body (patches use meta/v1 Patch). */
  body?: string;
  /** Definition name of the 200 answer. */
  response: string;
  /** Extra success codes (201 for create, 202 for delete). */
  alsoReturns?: (201 | 202)[];
  /** A patch of a custom resource: no strategic merge patch (kubectl then sends a merge patch). */
  noStrategicMerge?: boolean;
}

export interface PathSpec {
  path: string;
  pathParameters: ParameterSpec[];
  operations: OperationSpec[];
}

const q = (name: string, type: ParameterSpec["type"], description: string): ParameterSpec => ({ name, in: "query", type, description });

const PRETTY = q("pretty", "string", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");
const DRY_RUN = q("dryRun", "string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed");
const FIELD_MANAGER = q("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.");
const FIELD_VALIDATION = q(
  "fieldValidation",
  "string",
  "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
);
const FORCE = q("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.");
const LIST_PARAMS: ParameterSpec[] = [
  q("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
  q("continue", "string", "The continue option should be set when retrieving more results from the server."),
  q("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  q("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  q("limit", "integer", "limit is a maximum number of responses to return for a list call."),
  q("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  q("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  q("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
  q("timeoutSeconds", "integer", "Timeout for the list/watch call."),
  q("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
];
const DELETE_PARAMS: ParameterSpec[] = [
  DRY_RUN,
  q("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
  q("propagationPolicy", "string", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
];
const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];

const NAME_PARAM = (kind: string): ParameterSpec => ({ name: "name", in: "path", type: "string", required: true, description: `name of the ${kind}` });
const NAMESPACE_PARAM: ParameterSpec = { name: "namespace", in: "path", type: "string", required: true, description: "object name and auth scope, such as for teams and projects" };

/** `Core`, `Apps`, `NetworkingV1`'s `Networking`, `RbacAuthorization`, `ExampleCom`: the group part of operation ids. */
function groupPart(group: string): string {
  if (!group) return "Core";
  return group
    .replace(/\.k8s\.io$/, "")
    .split(/[.-]/)
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join("");
}

/**
 * The REST paths and operations of one resource as kube-apiserver's OpenAPI lists them (list,
 * create, deletecollection, read, replace, patch, delete, the all-namespaces list, and the
 * `status` and `scale` subresources), limited to the resource's verbs.
 */
export function resourcePaths(d: ResourceDescriptor): PathSpec[] {
  const verbs = new Set(d.verbs ?? STANDARD_VERBS);
  const prefix = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
  const gv = `${groupPart(d.group)}${d.version.charAt(0).toUpperCase()}${d.version.slice(1)}`;
  const scoped = d.namespaced ? `Namespaced${d.kind}` : d.kind;
  const gvk = { group: d.group, version: d.version, kind: d.kind };
  const def = servedDefinitionName(d);
  const listDef = `${def}List`;
  const collection = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.plural}` : `${prefix}/${d.plural}`;
  const scopeParams = d.namespaced ? [NAMESPACE_PARAM] : [];
  const paths: PathSpec[] = [];

  const collectionOps: OperationSpec[] = [];
  if (verbs.has("list")) collectionOps.push({ method: "get", operationId: `list${gv}${scoped}`, description: `list or watch objects of kind ${d.kind}`, action: "list", gvk, parameters: LIST_PARAMS, response: listDef });
  if (verbs.has("create")) collectionOps.push({ method: "post", operationId: `create${gv}${scoped}`, description: `create a ${d.kind}`, action: "post", gvk, parameters: WRITE_PARAMS, body: def, response: def, alsoReturns: [201, 202] });
  if (verbs.has("deletecollection")) collectionOps.push({ method: "delete", operationId: `delete${gv}Collection${scoped}`, description: `delete collection of ${d.kind}`, action: "deletecollection", gvk, parameters: [...DELETE_PARAMS, ...LIST_PARAMS], body: `${META}.DeleteOptions`, response: `${META}.Status` });
  if (collectionOps.length) paths.push({ path: collection, pathParameters: [...scopeParams, PRETTY], operations: collectionOps });

  const itemOps: OperationSpec[] = [];
  if (verbs.has("get")) itemOps.push({ method: "get", operationId: `read${gv}${scoped}`, description: `read the specified ${d.kind}`, action: "get", gvk, parameters: [], response: def });
  if (verbs.has("update")) itemOps.push({ method: "put", operationId: `replace${gv}${scoped}`, description: `replace the specified ${d.kind}`, action: "put", gvk, parameters: WRITE_PARAMS, body: def, response: def, alsoReturns: [201] });
  if (verbs.has("patch")) itemOps.push({ method: "patch", operationId: `patch${gv}${scoped}`, description: `partially update the specified ${d.kind}`, action: "patch", gvk, parameters: [...WRITE_PARAMS, FORCE], body: `${META}.Patch`, response: def, alsoReturns: [201], ...(d.openApiSchema ? { noStrategicMerge: true } : {}) });
  if (verbs.has("delete")) itemOps.push({ method: "delete", operationId: `delete${gv}${scoped}`, description: `delete a ${d.kind}`, action: "delete", gvk, parameters: DELETE_PARAMS, body: `${META}.DeleteOptions`, response: `${META}.Status`, alsoReturns: [202] });
  if (itemOps.length) paths.push({ path: `${collection}/{name}`, pathParameters: [NAME_PARAM(d.kind), ...scopeParams, PRETTY], operations: itemOps });

  if (d.namespaced && verbs.has("list")) {
    paths.push({ path: `${prefix}/${d.plural}`, pathParameters: [PRETTY], operations: [{ method: "get", operationId: `list${gv}${d.kind}ForAllNamespaces`, description: `list or watch objects of kind ${d.kind}`, action: "list", gvk, parameters: LIST_PARAMS, response: listDef }] });
  }

  for (const sub of d.subresources) {
    if (sub !== "status" && sub !== "scale") continue;
    const subKind = sub === "status" ? "Status" : "Scale";
    const subGvk = sub === "status" ? gvk : { group: "autoscaling", version: "v1", kind: "Scale" };
    const subDef = sub === "status" ? def : "io.k8s.api.autoscaling.v1.Scale";
    paths.push({
      path: `${collection}/{name}/${sub}`,
      pathParameters: [NAME_PARAM(subKind === "Scale" ? "Scale" : d.kind), ...scopeParams, PRETTY],
      operations: [
        { method: "get", operationId: `read${gv}${scoped}${subKind}`, description: `read ${sub} of the specified ${d.kind}`, action: "get", gvk: subGvk, parameters: [], response: subDef },
        { method: "put", operationId: `replace${gv}${scoped}${subKind}`, description: `replace ${sub} of the specified ${d.kind}`, action: "put", gvk: subGvk, parameters: WRITE_PARAMS, body: subDef, response: subDef, alsoReturns: [201] },
        { method: "patch", operationId: `patch${gv}${scoped}${subKind}`, description: `partially update ${sub} of the specified ${d.kind}`, action: "patch", gvk: subGvk, parameters: [...WRITE_PARAMS, FORCE], body: `${META}.Patch`, response: subDef, alsoReturns: [201], ...(d.openApiSchema ? { noStrategicMerge: true } : {}) },
      ],
    });
  }
  return paths;
}

/** The media types a PATCH accepts. */
export const PATCH_CONTENT_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"] as const;

/** The patch types a path consumes: custom resources take every one but strategic merge patch. */
export function patchContentTypes(op: OperationSpec): readonly string[] {
  return op.noStrategicMerge ? PATCH_CONTENT_TYPES.filter((t) => t !== "application/strategic-merge-patch+json") : PATCH_CONTENT_TYPES;
}

/**
 * The `paths` of a document serving `descriptors`, sorted by path, each operation and path
 * parameter rendered by the document's own (v2 or v3) renderers.
 */
export function renderPaths(descriptors: readonly ResourceDescriptor[], parameter: (p: ParameterSpec) => unknown, operation: (op: OperationSpec) => unknown): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of descriptors) {
    for (const p of resourcePaths(d)) {
      const item: Record<string, unknown> = { parameters: p.pathParameters.map(parameter) };
      for (const op of p.operations) item[op.method] = operation(op);
      paths[p.path] = item;
    }
  }
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
