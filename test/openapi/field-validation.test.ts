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
