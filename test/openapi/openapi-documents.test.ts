import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { ResourceRegistry } from "../../core/api/resource-registry.js";
import type { ResourceDescriptor } from "../../core/api/resource.js";
import { buildOpenApiV2, buildOpenApiV3Document, buildOpenApiV3Index, OpenApiDocuments, parseOpenApiV3PathKey } from "../../core/apiserver/openapi/index.js";
import type { SchemaObject } from "../../core/apiserver/openapi/index.js";

const d = (x: Partial<ResourceDescriptor> & Pick<ResourceDescriptor, "group" | "version" | "kind" | "plural" | "singular">): ResourceDescriptor => ({
  listKind: `${x.kind}List`, namespaced: true, shortNames: [], categories: [], subresources: [], ...x,
});

function registry(): ResourceRegistry {
  return new ResourceRegistry([
    { descriptor: d({ group: "", version: "v1", kind: "Pod", plural: "pods", singular: "pod", subresources: ["status", "log"] }) },
    { descriptor: d({ group: "", version: "v1", kind: "Namespace", plural: "namespaces", singular: "namespace", namespaced: false, subresources: ["status"] }) },
    { descriptor: d({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", singular: "deployment", subresources: ["status", "scale"] }) },
    { descriptor: d({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets", singular: "widget" }) },
  ]);
}

type Op = { parameters: { name: string; in: string }[]; "x-kubernetes-group-version-kind": { group: string; version: string; kind: string }; "x-kubernetes-action": string };

/** kubectl's queryparam_verifier_v3: the first PATCH operation of the GVK must list the query parameter. */
function supportsFieldValidation(doc: { paths: Record<string, Record<string, unknown>> }, gvk: { group: string; version: string; kind: string }): boolean | "not found" {
  for (const item of Object.values(doc.paths)) {
    const op = item.patch as Op | undefined;
    if (!op) continue;
    const g = op["x-kubernetes-group-version-kind"];
    if (g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    return op.parameters.some((p) => p.name === "fieldValidation" && p.in === "query");
  }
  return "not found";
}

function refsResolve(schemas: Record<string, SchemaObject>, prefix: string): string[] {
  const missing: string[] = [];
  const visit = (s: unknown): void => {
    if (!s || typeof s !== "object") return;
    const ref = (s as { $ref?: unknown }).$ref;
    if (typeof ref === "string") {
      if (!ref.startsWith(prefix) || !schemas[ref.slice(prefix.length)]) missing.push(ref);
    }
    for (const [k, v] of Object.entries(s)) if (k !== "properties" || typeof v === "object") visit(v);
  };
  for (const s of Object.values(schemas)) visit(s.properties ?? {}), visit(s.items), visit(s.additionalProperties);
  return missing;
}

test("v3 group/version document: schemas with GVK, descriptions, patch extensions; paths kubectl relies on", () => {
  const doc = buildOpenApiV3Document(registry(), "apps", "v1")!;
  assert.is(doc.openapi, "3.0.0");
  const deployment = doc.components.schemas["io.k8s.api.apps.v1.Deployment"]!;
  assert.equal(deployment["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "Deployment", version: "v1" }]);
  assert.ok(deployment.description!.startsWith("Deployment enables declarative updates"));
  assert.equal(deployment.properties!.spec!.allOf, [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }]);
  const containers = doc.components.schemas["io.k8s.api.core.v1.PodSpec"]!.properties!.containers!;
  assert.is(containers["x-kubernetes-patch-merge-key"], "name");
  assert.is(containers["x-kubernetes-patch-strategy"], "merge");
  assert.is(containers["x-kubernetes-list-type"], "map");
  assert.ok(doc.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
  assert.ok(doc.components.schemas["io.k8s.api.autoscaling.v1.Scale"], "scale subresource needs Scale");
  assert.equal(refsResolve(doc.components.schemas, "#/components/schemas/"), []);
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!;
  assert.equal((item.get as Op)["x-kubernetes-action"], "get");
  assert.equal((item.get as Op)["x-kubernetes-group-version-kind"], { group: "apps", version: "v1", kind: "Deployment" });
  assert.is((item.patch as { operationId: string }).operationId, "patchAppsV1NamespacedDeployment");
  assert.is(supportsFieldValidation(doc, { group: "apps", version: "v1", kind: "Deployment" }), true);
  assert.is(supportsFieldValidation(doc, { group: "autoscaling", version: "v1", kind: "Scale" }), true);
  assert.ok(doc.paths["/apis/apps/v1/deployments"], "list across namespaces");
  assert.ok(doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]);
});

test("core and custom resource documents; unknown group/version is undefined", () => {
  const r = registry();
  const core = buildOpenApiV3Document(r, "", "v1")!;
  assert.ok(core.paths["/api/v1/namespaces/{namespace}/pods"]);
  assert.ok(core.paths["/api/v1/namespaces/{name}"], "cluster-scoped item path");
  assert.is((core.paths["/api/v1/namespaces/{name}"]!.get as { operationId: string }).operationId, "readCoreV1Namespace");
  assert.is(supportsFieldValidation(core, { group: "", version: "v1", kind: "Pod" }), true);
  const cr = buildOpenApiV3Document(r, "example.com", "v1")!;
  assert.equal(cr.components.schemas["com.example.v1.Widget"], { type: "object", "x-kubernetes-group-version-kind": [{ group: "example.com", kind: "Widget", version: "v1" }], "x-kubernetes-preserve-unknown-fields": true });
  assert.is(buildOpenApiV3Document(r, "apps", "v2"), undefined);
});

test("index links every group/version with the sha512 of the served bytes; cache serves the same text", () => {
  const r = registry();
  const docs = new OpenApiDocuments(r);
  const index = JSON.parse(docs.v3Index()) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.equal(Object.keys(index.paths), ["api/v1", "apis/apps/v1", "apis/example.com/v1"]);
  const text = docs.v3Document("apps", "v1")!;
  const hash = createHash("sha512").update(text).digest("hex").toUpperCase();
  assert.is(index.paths["apis/apps/v1"]!.serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${hash}`);
  assert.is(docs.v3Document("apps", "v1"), text);
  assert.equal(buildOpenApiV3Index(r).paths["apis/apps/v1"], index.paths["apis/apps/v1"]);
  assert.equal(parseOpenApiV3PathKey("apis/apps/v1"), { group: "apps", version: "v1" });
  assert.equal(parseOpenApiV3PathKey("api/v1"), { group: "", version: "v1" });
  r.remove("example.com", "v1", "widgets");
  assert.equal(Object.keys((JSON.parse(docs.v3Index()) as { paths: object }).paths), ["api/v1", "apis/apps/v1"]);
  docs.dispose();
});

test("v2 swagger: all definitions resolve, plain $ref siblings, patch operations carry fieldValidation", () => {
  const swagger = buildOpenApiV2(registry());
  assert.is(swagger.swagger, "2.0");
  assert.equal(refsResolve(swagger.definitions, "#/definitions/"), []);
  assert.is(swagger.definitions["io.k8s.api.apps.v1.Deployment"]!.properties!.spec!.$ref, "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
  const patch = swagger.paths["/api/v1/namespaces/{namespace}/pods/{name}"]!.patch as { parameters: { name: string; in: string }[] };
  assert.ok(patch.parameters.some((p) => p.name === "fieldValidation" && p.in === "query"));
  assert.ok(patch.parameters.some((p) => p.name === "body" && p.in === "body"));
});

test.run();
