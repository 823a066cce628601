/** Custom resources validated, pruned and defaulted by their CRD's schema, with apiextensions' messages. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const SCHEMA: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "integer", minimum: 1, maximum: 10 },
        exclusive: { type: "number", minimum: 0, exclusiveMinimum: true },
        color: { type: "string", enum: ["red", "blue"], default: "red" },
        name: { type: "string", pattern: "^[a-z]+$", minLength: 2, maxLength: 5 },
        when: { type: "string", format: "date-time" },
        port: { "x-kubernetes-int-or-string": true } as JSONSchemaProps,
        maybe: { type: "string", nullable: true },
        tags: { type: "array", maxItems: 2, minItems: 1, items: { type: "string" }, "x-kubernetes-list-type": "set" } as JSONSchemaProps,
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object", required: ["name"], properties: { name: { type: "string" }, protocol: { type: "string", default: "TCP" } } },
        } as JSONSchemaProps,
        labels: { type: "object", maxProperties: 1, additionalProperties: { type: "string" } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true } as JSONSchemaProps,
        either: { type: "string", oneOf: [{ pattern: "^a" }, { pattern: "b$" }] },
        any: { type: "integer", anyOf: [{ minimum: 5 }, { maximum: 0 }] },
        never: { type: "string", not: { enum: ["x"] } },
        nested: { type: "object", default: {}, properties: { depth: { type: "integer", default: 3 } } },
        template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true } as JSONSchemaProps,
      },
    },
  },
};

const cp = await testControlPlane();
await cp.client.resource("CustomResourceDefinition").create(widgetCrd(SCHEMA));
await settle(cp);
const widgets = cp.client.resource("widgets.example.com");

function widget(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "default" }, spec } as KubeObject;
}

async function refusal(spec: Record<string, unknown>): Promise<string[]> {
  const err = await statusOf(widgets.create(widget("bad", spec)));
  assert.is(err.status.code, 422);
  assert.is(err.status.reason, "Invalid");
  return (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

const TABLE: [string, Record<string, unknown>, string][] = [
  ["type", { size: "3" }, 'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"'],
  ["integer", { size: 1.5 }, 'spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"'],
  ["required", {}, "spec.size: Required value"],
  ["maximum", { size: 11 }, "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"],
  ["minimum", { size: 0 }, "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"],
  ["exclusiveMinimum", { size: 1, exclusive: 0 }, "spec.exclusive: Invalid value: 0: spec.exclusive in body should be greater than 0"],
  ["enum", { size: 1, color: "green" }, 'spec.color: Unsupported value: "green": supported values: "red", "blue"'],
  ["pattern", { size: 1, name: "A1" }, "spec.name: Invalid value: \"A1\": spec.name in body should match '^[a-z]+$'"],
  ["minLength", { size: 1, name: "a" }, 'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'],
  ["maxLength", { size: 1, name: "abcdef" }, "spec.name: Too long: may not be more than 5 bytes"],
  ["format", { size: 1, when: "yesterday" }, 'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"'],
  ["int-or-string", { size: 1, port: true }, 'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'],
  ["nullable false", { size: 1, name: null }, 'spec.name: Invalid value: "null": spec.name in body must be of type string: "null"'],
  ["maxItems", { size: 1, tags: ["a", "b", "c"] }, "spec.tags: Too many: 3: must have at most 2 items"],
  ["minItems", { size: 1, tags: [] }, "spec.tags: Invalid value: []: spec.tags in body should have at least 1 items"],
  ["list-type set", { size: 1, tags: ["a", "a"] }, 'spec.tags[1]: Duplicate value: "a"'],
  ["list-type map", { size: 1, ports: [{ name: "http" }, { name: "http" }] }, 'spec.ports[1]: Duplicate value: {"name":"http"}'],
  ["items required", { size: 1, ports: [{ protocol: "UDP" }] }, "spec.ports[0].name: Required value"],
  ["additionalProperties", { size: 1, labels: { a: 1 } }, 'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"'],
  ["maxProperties", { size: 1, labels: { a: "x", b: "y" } }, "spec.labels: Too many: 2: must have at most 1 items"],
  ["oneOf", { size: 1, either: "ab" }, 'spec.either: Invalid value: "ab": spec.either in body must validate one and only one schema (oneOf)'],
  ["anyOf", { size: 1, any: 3 }, "spec.any: Invalid value: 3: spec.any in body must validate at least one schema (anyOf)"],
  ["not", { size: 1, never: "x" }, 'spec.never: Invalid value: "x": spec.never in body must not validate the schema (not)'],
];

for (const [name, spec, message] of TABLE) {
  test(`refused: ${name}`, async () => {
    assert.equal(await refusal(spec), [message]);
  });
}

test("the whole message reads as kube-apiserver's", async () => {
  const err = await statusOf(widgets.create(widget("bad", { size: "3" })));
  assert.is(err.status.message, 'Widget.example.com "bad" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
});

test("accepted values: int-or-string both ways, nullable null, preserved and embedded objects kept", async () => {
  const w = (await widgets.create(widget("ok", { size: 2, port: "http", maybe: null, free: { any: { thing: 1 } }, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: 1 } } }))) as KubeObject & { spec: Record<string, unknown> };
  assert.is(w.spec["port"], "http");
  assert.is(w.spec["maybe"], null);
  assert.equal(w.spec["free"], { any: { thing: 1 } });
  assert.equal(w.spec["template"], { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: 1 } });
  const n = (await widgets.create(widget("num", { size: 3, port: 8080 }))) as KubeObject & { spec: Record<string, unknown> };
  assert.is(n.spec["port"], 8080);
});

test("defaulting (nested objects and array items) and pruning of unknown fields", async () => {
  const w = (await widgets.create({ ...widget("d", { size: 1, ports: [{ name: "a" }, { name: "b", protocol: "UDP" }], unknown: 1 }), extra: true } as KubeObject)) as KubeObject & { spec: Record<string, unknown> };
  assert.equal(w.spec, { size: 1, color: "red", nested: { depth: 3 }, ports: [{ name: "a", protocol: "TCP" }, { name: "b", protocol: "UDP" }] });
  assert.is((w as Record<string, unknown>)["extra"], undefined);
});

test("a pattern is not run on overlong input", async () => {
  assert.equal(await refusal({ size: 1, either: "a".repeat(70_000) + "b" }), [`spec.either: Invalid value: "${"a".repeat(70_000)}b": spec.either in body must validate one and only one schema (oneOf)`]);
});

test.after(async () => {
  cp.stop();
  await cp.store.close();
});

test.run();
