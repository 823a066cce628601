import { test } from "uvu";
import * as assert from "uvu/assert";
import { fieldIssueText, findFieldIssues, strictDecodingError } from "../../core/apiserver/openapi/index.js";
import { scanJson } from "../../core/apiserver/openapi/json-members.js";

const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment";

test("unknown fields at any depth, with Kubernetes' paths", () => {
  const body = {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { anything: "goes" }, unknownMeta: 1 },
    spec: { replica: 3, selector: { matchLabels: { a: "b" } }, template: { spec: { containers: [{ name: "c", image: "i", unknownNested: true, env: [{ name: "X", valu: "1" }] }] } } },
  };
  assert.equal(findFieldIssues(DEPLOYMENT, body).map(fieldIssueText), [
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.replica"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'unknown field "spec.template.spec.containers[0].env[0].valu"',
  ]);
});

test("duplicate fields need the raw JSON text and come in document order with unknown ones", () => {
  const raw = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","name":"b"},"spec":{"paused":true,"unknown1":1,"paused":false,"template":{"spec":{"containers":[{"name":"c","imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}';
  const issues = findFieldIssues(DEPLOYMENT, raw);
  assert.equal(issues.map(fieldIssueText), [
    'duplicate field "metadata.name"',
    'unknown field "spec.unknown1"',
    'duplicate field "spec.paused"',
    'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  ]);
  const err = strictDecodingError("Deployment", "v1", issues);
  assert.is(err.code, 400);
  assert.is(err.reason, "BadRequest");
  assert.is(err.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "metadata.name", unknown field "spec.unknown1", duplicate field "spec.paused", duplicate field "spec.template.spec.containers[0].imagePullPolicy"');
});

const CRD = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition";

test("a CRD schema's maps of properties are maps, and its x-kubernetes-* members are fields", () => {
  const prop = {
    type: "array",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    "x-kubernetes-validations": [{ rule: "self.size() < 10", message: "too many" }],
    items: { type: "object", properties: { name: { type: "string" }, port: { "x-kubernetes-int-or-string": true } }, "x-kubernetes-map-type": "atomic" },
  };
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: { parentRefs: prop, type: { type: "string" }, properties: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, template: { type: "object", "x-kubernetes-embedded-resource": true } },
        patternProperties: { "^x-": { type: "string" } },
        definitions: { anything: { type: "string" } },
        dependencies: { a: ["b"] },
      },
    },
  };
  const body = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "routes.example.com" }, spec: { group: "example.com", names: { plural: "routes", kind: "Route" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema } }] } };
  assert.equal(findFieldIssues(CRD, body), []);
  assert.equal(findFieldIssues(CRD, JSON.stringify(body)), []);
  const bad = structuredClone(body);
  (bad.spec.versions[0]!.schema.openAPIV3Schema.properties.spec as Record<string, unknown>)["x-kubernetes-unknown"] = true;
  assert.equal(findFieldIssues(CRD, bad).map(fieldIssueText), ['unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-unknown"']);
});

test("field names that are also Object.prototype members are unknown fields, not inherited ones", () => {
  const raw = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"constructor":1,"toString":2,"__proto__":{"x":1},"selector":{"hasOwnProperty":true}}}';
  assert.equal(findFieldIssues(DEPLOYMENT, raw).map(fieldIssueText), [
    'unknown field "spec.constructor"',
    'unknown field "spec.toString"',
    'unknown field "spec.__proto__"',
    'unknown field "spec.selector.hasOwnProperty"',
  ]);
});

test("free-form fields (RawExtension, FieldsV1, maps) and unknown definitions report nothing", () => {
  assert.equal(findFieldIssues("io.k8s.api.apps.v1.ControllerRevision", { revision: 1, data: { whatever: { deep: 1 } } }), []);
  assert.equal(findFieldIssues("io.k8s.api.core.v1.ConfigMap", { data: { "any.key": "v" }, metadata: { managedFields: [{ fieldsV1: { "f:x": {} } }] } }), []);
  assert.equal(findFieldIssues("com.example.v1.Widget", { spec: { x: 1 } }), []);
});

test("the JSON scanner rejects malformed input and keeps duplicate members", () => {
  assert.throws(() => scanJson('{"a":1,}'), SyntaxError);
  assert.throws(() => scanJson("[1 2]"), SyntaxError);
  const node = scanJson(' {"a": [1, "x\\"y", {"b": null}], "a": -1.5e3} ');
  assert.is(node.kind, "object");
  assert.equal(node.kind === "object" && node.members.map((m) => m[0]), ["a", "a"]);
});

test.run();
