/** CRD `x-kubernetes-validations` (CEL): rules, messages, reasons, field paths, transition rules and the CRD's own checks. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const SCHEMA = {
  type: "object",
  "x-kubernetes-validations": [{ rule: "self.metadata.name.startsWith('w')", message: "name must start with w" }],
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        { rule: "self.minReplicas <= self.maxReplicas", messageExpression: "'minReplicas (' + string(self.minReplicas) + ') must not exceed maxReplicas (' + string(self.maxReplicas) + ')'" },
        { rule: "!has(self.mode) || self.mode != 'legacy'", reason: "FieldValueForbidden", fieldPath: ".mode", message: "legacy mode is gone" },
        { rule: "self.host.lowerAscii() == self.host", message: "host must be lower case" },
      ],
      properties: {
        minReplicas: { type: "integer" },
        maxReplicas: { type: "integer" },
        mode: { type: "string" },
        host: { type: "string", default: "example" },
        immutableId: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "Value is immutable" }] },
        version: { type: "integer", "x-kubernetes-validations": [{ rule: "self >= oldSelf", message: "version may not decrease" }] },
        firstSet: { type: "string", "x-kubernetes-validations": [{ rule: "!oldSelf.hasValue() || oldSelf.value() == self", optionalOldSelf: true, message: "firstSet is set once" }] },
        memory: { type: "string", "x-kubernetes-validations": [{ rule: "quantity(self).isLessThan(quantity('2Gi'))", message: "at most 2Gi" }] },
        endpoint: { type: "string", "x-kubernetes-validations": [{ rule: "isURL(self) && url(self).getScheme() == 'https'", message: "endpoint must be https" }] },
        subnet: { type: "string", "x-kubernetes-validations": [{ rule: "isCIDR(self) && cidr(self).containsIP('10.0.0.1')" }] },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          "x-kubernetes-validations": [{ rule: "self.all(p, p.port > 0 && p.port < 65536)", message: "ports must be valid" }, { rule: "self.exists_one(p, p.name == 'http')", message: "exactly one http port" }],
          items: {
            type: "object",
            required: ["name"],
            properties: { name: { type: "string" }, port: { type: "integer", "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "port is immutable" }] } },
          },
        },
        tags: { type: "array", maxItems: 10, items: { type: "string", maxLength: 20 }, "x-kubernetes-validations": [{ rule: "self.map(t, t.size()).sum() < 20", message: "tags too long" }, { rule: "self.filter(t, t.matches('^[a-z]+$')).size() == self.size()", message: "tags are lower-case words" }] },
        limits: { type: "object", additionalProperties: { type: "integer" }, "x-kubernetes-validations": [{ rule: "self.all(k, k.startsWith('x-'))", message: "keys start with x-" }] },
      },
    },
  },
} as JSONSchemaProps;

const cp = await testControlPlane();
await cp.client.resource("CustomResourceDefinition").create(widgetCrd(SCHEMA));
await settle(cp);
const widgets = cp.client.resource("widgets.example.com");

function widget(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "default" }, spec } as KubeObject;
}

const OK = { minReplicas: 1, maxReplicas: 3, ports: [{ name: "http", port: 80 }] };

async function refused(p: Promise<unknown>): Promise<{ message: string; causes: string[] }> {
  const err = await statusOf(p);
  assert.is(err.status.code, 422, err.status.message);
  return { message: err.status.message ?? "", causes: (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`) };
}

test("a valid widget passes every rule, defaults applied before rules", async () => {
  const w = await widgets.create(widget("w-ok", OK));
  assert.is((w as { spec: { host: string } }).spec.host, "example");
});

const TABLE: [string, string, Record<string, unknown>, string][] = [
  ["message", "w-1", { ...OK, host: "Example" }, 'spec: Invalid value: "object": host must be lower case'],
  ["messageExpression", "w-2", { ...OK, minReplicas: 5 }, 'spec: Invalid value: "object": minReplicas (5) must not exceed maxReplicas (3)'],
  ["reason and fieldPath", "w-3", { ...OK, mode: "legacy" }, "spec.mode: Forbidden: legacy mode is gone"],
  ["root rule on metadata.name", "x-1", OK, '<nil>: Invalid value: "object": name must start with w'],
  ["quantity library", "w-4", { ...OK, memory: "3Gi" }, 'spec.memory: Invalid value: "string": at most 2Gi'],
  ["url library", "w-5", { ...OK, endpoint: "http://x.example" }, 'spec.endpoint: Invalid value: "string": endpoint must be https'],
  ["cidr library, default message", "w-6", { ...OK, subnet: "192.168.0.0/16" }, "spec.subnet: Invalid value: \"string\": failed rule: isCIDR(self) && cidr(self).containsIP('10.0.0.1')"],
  ["all() on a list", "w-7", { ...OK, ports: [{ name: "http", port: 0 }] }, 'spec.ports: Invalid value: "array": ports must be valid'],
  ["exists_one()", "w-8", { ...OK, ports: [{ name: "a", port: 1 }] }, 'spec.ports: Invalid value: "array": exactly one http port'],
  ["map/sum", "w-9", { ...OK, tags: ["aaaaaaaaaa", "bbbbbbbbbbbb"] }, 'spec.tags: Invalid value: "array": tags too long'],
  ["filter/matches", "w-10", { ...OK, tags: ["ok", "Not"] }, 'spec.tags: Invalid value: "array": tags are lower-case words'],
  ["map keys", "w-11", { ...OK, limits: { "x-a": 1, b: 2 } }, 'spec.limits: Invalid value: "object": keys start with x-'],
  ["missing field", "w-12", { maxReplicas: 3, ports: [{ name: "http", port: 80 }] }, 'spec: Invalid value: "object": no such key: minReplicas evaluating rule: self.minReplicas <= self.maxReplicas'],
];

for (const [name, objName, spec, want] of TABLE) {
  test(`rule: ${name}`, async () => {
    const { causes } = await refused(widgets.create(widget(objName, spec)));
    assert.ok(causes.includes(want), `want ${want}\ngot ${causes.join("\n")}`);
  });
}

test("the message reads as kube-apiserver's", async () => {
  const { message } = await refused(widgets.create(widget("w-msg", { ...OK, host: "Example" })));
  assert.is(message, 'Widget.example.com "w-msg" is invalid: spec: Invalid value: "object": host must be lower case');
});

test("schema errors that block rules say the rules were not checked", async () => {
  const { causes } = await refused(widgets.create(widget("w-block", { ...OK, minReplicas: "one" })));
  assert.ok(causes.includes('spec.minReplicas: Invalid value: "string": spec.minReplicas in body must be of type integer: "string"'), causes.join("\n"));
  assert.ok(causes.includes('<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation'), causes.join("\n"));
});

test("transition rules: immutable field, monotonic version, list-map item correlation", async () => {
  await widgets.create(widget("w-t", { ...OK, immutableId: "a", version: 2, firstSet: "x" }));
  const update = (spec: Record<string, unknown>): Promise<unknown> => widgets.patch("w-t", "merge", { spec }, { namespace: "default" });
  let r = await refused(update({ immutableId: "b" }));
  assert.ok(r.causes.includes('spec.immutableId: Invalid value: "string": Value is immutable'), r.causes.join("\n"));
  r = await refused(update({ version: 1 }));
  assert.ok(r.causes.includes('spec.version: Invalid value: "integer": version may not decrease'), r.causes.join("\n"));
  r = await refused(update({ firstSet: "y" }));
  assert.ok(r.causes.includes('spec.firstSet: Invalid value: "string": firstSet is set once'), r.causes.join("\n"));
  r = await refused(update({ ports: [{ name: "http", port: 81 }] }));
  assert.ok(r.causes.includes('spec.ports[0].port: Invalid value: "integer": port is immutable'), r.causes.join("\n"));
  // A new list-map item has no old value: its transition rule does not run.
  const ok = await update({ version: 3, ports: [{ name: "http", port: 80 }, { name: "admin", port: 9000 }] });
  assert.is((ok as { spec: { version: number } }).spec.version, 3);
});

test("optionalOldSelf rules run on create with oldSelf none; plain transition rules do not", async () => {
  const w = await widgets.create(widget("w-opt", { ...OK, firstSet: "x", immutableId: "z" }));
  assert.is((w as { spec: { firstSet: string } }).spec.firstSet, "x");
});

test("status updates run transition rules against the stored object", async () => {
  // Widget has no status subresource: a whole-object update carries the same checks.
  const cur = (await widgets.get("w-t", { namespace: "default" })) as KubeObject & { spec: Record<string, unknown> };
  const r = await refused(widgets.update({ ...cur, spec: { ...cur.spec, immutableId: "c" } }));
  assert.ok(r.causes.includes('spec.immutableId: Invalid value: "string": Value is immutable'), r.causes.join("\n"));
});

test("CRDs with rules that do not compile, misplaced oldSelf or bad reasons are refused", async () => {
  const bad = widgetCrd({
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [{ rule: "self.x >" }, { rule: "self.x == 1", reason: "Nope" }, { rule: "self.x == 1", optionalOldSelf: true }],
        properties: { x: { type: "integer" }, list: { type: "array", items: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf" }] } } },
      },
    },
  } as JSONSchemaProps, {}, { plural: "bads", kind: "Bad" });
  const { causes } = await refused(cp.client.resource("CustomResourceDefinition").create(bad));
  const base = "spec.versions[0].schema.openAPIV3Schema.properties[spec]";
  assert.ok(causes.some((c) => c.startsWith(`${base}.x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.x >"`) && c.includes("compilation failed")), causes.join("\n"));
  assert.ok(causes.includes(`${base}.x-kubernetes-validations[1].reason: Unsupported value: "Nope": supported values: "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"`), causes.join("\n"));
  assert.ok(causes.includes(`${base}.x-kubernetes-validations[2].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`), causes.join("\n"));
  assert.ok(causes.includes(`${base}.properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${base}.properties[list].items`), causes.join("\n"));
});

test("a real CRD's rules (Gateway API HTTPRoute, has() on indexed operands) compile and refuse as upstream", async () => {
  const { readFileSync } = await import("node:fs");
  const { parse } = await import("yaml");
  const crd = parse(readFileSync(new URL("../fixtures/crds/gateway.networking.k8s.io_httproutes.yaml", import.meta.url), "utf8")) as KubeObject;
  await cp.client.resource("CustomResourceDefinition").create(crd);
  await settle(cp);
  const routes = cp.client.resource("httproutes.gateway.networking.k8s.io");
  const route = (name: string, matches: unknown[]): KubeObject => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace: "default" },
    spec: { parentRefs: [{ name: "gw" }], rules: [{ matches, filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } } }], backendRefs: [{ name: "svc", port: 80 }] }] },
  }) as KubeObject;
  await routes.create(route("one-prefix", [{ path: { type: "PathPrefix", value: "/v1" } }]));
  const { causes } = await refused(routes.create(route("two-prefixes", [{ path: { type: "PathPrefix", value: "/a" } }, { path: { type: "PathPrefix", value: "/b" } }])));
  assert.ok(causes.includes('spec.rules[0]: Invalid value: "object": When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'), causes.join("\n"));
});

test("a Webhook conversion needs a valid client config and review versions", async () => {
  const crd = widgetCrd({ type: "object" }, {}, { plural: "convs", kind: "Conv" });
  (crd.spec as unknown as Record<string, unknown>)["conversion"] = { strategy: "Webhook", webhook: { clientConfig: { url: "http://convert.example/" } } };
  const { causes } = await refused(cp.client.resource("CustomResourceDefinition").create(crd));
  assert.ok(causes.includes(`spec.conversion.webhook.clientConfig.url: Invalid value: "http://convert.example/": 'https' is the only allowed URL scheme`), causes.join("\n"));
  assert.ok(causes.includes("spec.conversion.webhook.conversionReviewVersions: Required value: must specify one of v1, v1beta1"), causes.join("\n"));
});

test.after(() => cp.stop());
test.run();
