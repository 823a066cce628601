/** Custom resources served from their CRDs, driven with kubectl (v1.32, on PATH). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const HTTPROUTES = fileURLToPath(new URL("../fixtures/crds/gateway.networking.k8s.io_httproutes.yaml", import.meta.url));

const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const ok = k.ok;

const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}, scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}}
    selectableFields: [{jsonPath: .spec.color}]
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing with a color.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [color]
            properties:
              color: {type: string, enum: [red, blue], description: The widget's color.}
              replicas: {type: integer, minimum: 0, default: 1}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 8}
          status:
            type: object
            properties:
              ready: {type: boolean}
              replicas: {type: integer}
`;

const widget = (name: string, spec: string): string => `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n${spec}\n`;

test("a CRD is named and established, then its resource is in api-resources with short names and categories", async () => {
  assert.is((await ok(["apply", "-f", "-"], WIDGETS)).trim(), "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");
  await ok(["wait", "--for", "condition=Established", "crd/widgets.example.com", "--timeout=10s"]);
  const crd = JSON.parse(await ok(["get", "crd", "widgets.example.com", "-o", "json"]));
  const conds = crd.status.conditions.map((c: { type: string; status: string; reason: string; message: string }) => [c.type, c.status, c.reason, c.message]);
  assert.equal(conds, [["NamesAccepted", "True", "NoConflicts", "no conflicts found"], ["Established", "True", "InitialNamesAccepted", "the initial names have been accepted"]]);
  assert.equal(crd.status.acceptedNames, { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"], categories: ["all"] });
  const row = (await ok(["api-resources", "--api-group", "example.com"])).split("\n")[1]!;
  assert.equal(row.trim().split(/\s+/), ["widgets", "wd", "example.com/v1", "true", "Widget"]);
});

test("create, get with printer columns, get all, field selectors on selectableFields, defaulting and pruning", async () => {
  assert.is((await ok(["apply", "-f", "-"], widget("w1", "  color: red\n  replicas: 3"))).trim(), "widget.example.com/w1 created");
  assert.is((await ok(["apply", "-f", "-"], widget("w2", "  color: blue"))).trim(), "widget.example.com/w2 created");
  const table = (await ok(["get", "wd"])).split("\n").map((l) => l.trim().split(/\s+/));
  assert.equal(table[0], ["NAME", "COLOR", "REPLICAS"]);
  assert.equal(table.slice(1, 3), [["w1", "red", "3"], ["w2", "blue", "1"]]);
  assert.ok((await ok(["get", "all"])).includes("widget.example.com/w1"));
  assert.is((await ok(["get", "widgets", "--field-selector", "spec.color=blue", "-o", "name"])).trim(), "widget.example.com/w2");
  const w2 = JSON.parse(await ok(["get", "widget", "w2", "-o", "json"]));
  assert.is(w2.spec.replicas, 1);
  assert.is(w2.metadata.generation, 1);
  const r = await k.run(["apply", "--validate=false", "-f", "-"], widget("w3", "  color: red\n  extra: 1"));
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(await ok(["get", "widget", "w3", "-o", "json"])).spec, { color: "red", replicas: 1 });
});

test("invalid custom resources are refused with apiextensions' messages; Strict field validation names unknown fields", async () => {
  let r = await k.run(["apply", "-f", "-"], widget("bad", '  color: red\n  replicas: "three"'));
  assert.is(r.code, 1);
  assert.match(r.stderr, 'The Widget "bad" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
  r = await k.run(["apply", "-f", "-"], widget("bad", "  color: green\n  name: Abc"));
  assert.match(r.stderr, 'spec.color: Unsupported value: "green": supported values: "red", "blue"');
  assert.match(r.stderr, "spec.name: Invalid value: \"Abc\": spec.name in body should match '^[a-z]+$'");
  r = await k.run(["apply", "-f", "-"], widget("bad", "  replicas: -1"));
  assert.match(r.stderr, "spec.color: Required value");
  assert.match(r.stderr, "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0");
  r = await k.run(["apply", "-f", "-"], widget("bad", "  color: red\n  colour: red"));
  assert.is(r.code, 1);
  assert.match(r.stderr, 'unknown field "spec.colour"');
});

test("generation bumps on spec changes only; status is a subresource", async () => {
  await ok(["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"replicas":4}}']);
  await ok(["patch", "widget", "w1", "--type=merge", "-p", '{"metadata":{"labels":{"a":"b"}}}']);
  await ok(["patch", "widget", "w1", "--type=merge", "-p", '{"status":{"ready":true}}']);
  let w1 = JSON.parse(await ok(["get", "widget", "w1", "-o", "json"]));
  assert.is(w1.metadata.generation, 2);
  assert.is(w1.status, undefined);
  await ok(["patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", '{"status":{"ready":true}}']);
  w1 = JSON.parse(await ok(["get", "widget", "w1", "-o", "json"]));
  assert.equal(w1.status, { ready: true });
  assert.is(w1.metadata.generation, 2);
});

test("kubectl scale a custom resource through its scale subresource", async () => {
  assert.is((await ok(["scale", "widget", "w2", "--replicas=5"])).trim(), "widget.example.com/w2 scaled");
  const w2 = JSON.parse(await ok(["get", "widget", "w2", "-o", "json"]));
  assert.is(w2.spec.replicas, 5);
  assert.is(w2.metadata.generation, 2);
  const scale = JSON.parse(await ok(["get", "--raw", "/apis/example.com/v1/namespaces/default/widgets/w2/scale"]));
  assert.equal([scale.kind, scale.spec.replicas, scale.status.replicas], ["Scale", 5, 0]);
});

test("explain reads the schema from OpenAPI v3", async () => {
  const out = await ok(["explain", "widgets.spec"]);
  assert.match(out, "What the widget should be.");
  assert.match(out, "color\t<string> -required-");
  assert.match(out, "The widget's color.");
});

test("a second CRD claiming a taken name is not accepted, with the naming controller's message", async () => {
  const clash = WIDGETS.replace("name: widgets.example.com", "name: gadgets.example.com").replace("plural: widgets, singular: widget, kind: Widget, shortNames: [wd]", "plural: gadgets, singular: gadget, kind: Widget, shortNames: [wd]");
  await ok(["apply", "-f", "-"], clash);
  let crd;
  for (let i = 0; i < 50; i++) {
    crd = JSON.parse(await ok(["get", "crd", "gadgets.example.com", "-o", "json"]));
    if (crd.status.conditions?.length) break;
  }
  const names = crd.status.conditions.find((c: { type: string }) => c.type === "NamesAccepted");
  assert.equal([names.status, names.reason, names.message], ["False", "ListKindConflict", '"WidgetList" is already in use']);
  const est = crd.status.conditions.find((c: { type: string }) => c.type === "Established");
  assert.equal([est.status, est.reason], ["False", "NotAccepted"]);
  const r = await k.run(["get", "gadgets"]);
  assert.is(r.code, 1);
  await ok(["delete", "crd", "gadgets.example.com"]);
});

test("Gateway API: the HTTPRoute CRD bundle, then a valid HTTPRoute: get, describe and explain work; an invalid one is refused", async () => {
  await ok(["apply", "-f", HTTPROUTES]);
  await ok(["wait", "--for", "condition=Established", "crd/httproutes.gateway.networking.k8s.io", "--timeout=10s"]);
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: store
  namespace: default
spec:
  parentRefs:
  - name: example-gateway
  hostnames: ["store.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /store}
    backendRefs:
    - name: store-v1
      port: 8080
`;
  assert.is((await ok(["apply", "-f", "-"], route)).trim(), "httproute.gateway.networking.k8s.io/store created");
  const table = (await ok(["get", "httproutes"])).split("\n");
  assert.equal(table[0]!.trim().split(/\s+/), ["NAME", "HOSTNAMES", "AGE"]);
  assert.match(table[1]!, /^store\s+\["store.example.com"\]\s+0s/);
  const stored = JSON.parse(await ok(["get", "httproute", "store", "-o", "json"]));
  // Defaults from the schema: the parentRef's group and kind, the match's path default.
  assert.equal(stored.spec.parentRefs[0], { group: "gateway.networking.k8s.io", kind: "Gateway", name: "example-gateway" });
  assert.is(stored.spec.rules[0].backendRefs[0].weight, 1);
  assert.match(await ok(["describe", "httproute", "store"]), "Kind:         HTTPRoute");
  assert.match(await ok(["explain", "httproute.spec.hostnames"]), "FIELD: hostnames <[]string>");
  const bad = route.replace("type: PathPrefix", "type: Prefix");
  const r = await k.run(["apply", "-f", "-"], bad.replace("name: store\n", "name: bad\n"));
  assert.is(r.code, 1);
  assert.match(r.stderr, 'spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"');
});

test("a deprecated version warns on every request; objects read through either version", async () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, kind: CronTab}
  versions:
  - {name: v1beta1, served: true, storage: false, deprecated: true, deprecationWarning: "stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1", schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`;
  await ok(["apply", "-f", "-"], crd);
  await ok(["wait", "--for", "condition=Established", "crd/crontabs.stable.example.com", "--timeout=10s"]);
  const r = await k.run(["apply", "-f", "-"], "apiVersion: stable.example.com/v1beta1\nkind: CronTab\nmetadata: {name: c, namespace: default}\nspec: {cronSpec: '* * * * */5'}\n");
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, "Warning: stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1");
  assert.is(JSON.parse(await ok(["get", "crontabs.v1.stable.example.com", "c", "-o", "json"])).apiVersion, "stable.example.com/v1");
});

test.after(() => fx.stop());

test.run();
