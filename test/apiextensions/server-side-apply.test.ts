/** Server-side apply on custom resources follows the schema's list and map types. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const SCHEMA = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name", "protocol"],
          items: { type: "object", required: ["name"], properties: { name: { type: "string" }, protocol: { type: "string", default: "TCP" }, port: { type: "integer" } } },
        },
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        args: { type: "array", items: { type: "string" } },
        selector: { type: "object", "x-kubernetes-map-type": "atomic", additionalProperties: { type: "string" } },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
} as JSONSchemaProps;

const cp = await testControlPlane();
await cp.client.resource("CustomResourceDefinition").create(widgetCrd(SCHEMA));
await settle(cp);
const widgets = cp.client.resource("widgets.example.com");

type Spec = { ports?: { name: string; protocol?: string; port?: number }[]; tags?: string[]; args?: string[]; selector?: Record<string, string>; labels?: Record<string, string> };

function apply(manager: string, spec: Spec, force = false): Promise<KubeObject & { spec: Spec }> {
  const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" }, spec };
  return widgets.patch("w", "apply", body, { namespace: "default", fieldManager: manager, ...(force ? { force: true } : {}) }) as Promise<KubeObject & { spec: Spec }>;
}

test("list-map items are owned per key: two managers' ports merge", async () => {
  await apply("a", { ports: [{ name: "http", port: 80 }], tags: ["x"], args: ["--one"], selector: { app: "a" }, labels: { a: "1" } });
  const w = await apply("b", { ports: [{ name: "admin", port: 9000 }], tags: ["y"], labels: { b: "2" } });
  assert.equal(w.spec.ports, [{ name: "http", protocol: "TCP", port: 80 }, { name: "admin", protocol: "TCP", port: 9000 }]);
  assert.equal(w.spec.tags, ["x", "y"], "set items merge");
  assert.equal(w.spec.labels, { a: "1", b: "2" }, "granular maps merge");
  const managed = (w.metadata?.managedFields ?? []).find((m) => m.manager === "b")!;
  const fields = JSON.stringify(managed.fieldsV1);
  assert.ok(fields.includes('k:{\\"name\\":\\"admin\\",\\"protocol\\":\\"TCP\\"}'), fields);
  assert.ok(fields.includes('v:\\"y\\"'), fields);
});

test("a conflicting list-map item field is a 409 naming the item; force takes it", async () => {
  const err = await statusOf(apply("b", { ports: [{ name: "http", port: 8080 }] }));
  assert.is(err.status.code, 409);
  assert.is(err.status.message, 'Apply failed with 1 conflict: conflict with "a": .spec.ports[name="http",protocol="TCP"].port');
  const w = await apply("b", { ports: [{ name: "http", port: 8080 }, { name: "admin", port: 9000 }] }, true);
  assert.equal(w.spec.ports?.find((p) => p.name === "http")?.port, 8080);
});

test("atomic lists and maps are replaced whole and owned as one field", async () => {
  const err = await statusOf(apply("b", { args: ["--two"] }));
  assert.is(err.status.message, 'Apply failed with 1 conflict: conflict with "a": .spec.args');
  const err2 = await statusOf(apply("b", { selector: { app: "b" } }));
  assert.is(err2.status.message, 'Apply failed with 1 conflict: conflict with "a": .spec.selector');
  // Removing an item a manager alone owned removes it; the other manager's items stay.
  const w = await apply("a", { args: ["--one"], selector: { app: "a" }, labels: { a: "1" }, tags: ["x"] });
  assert.equal(w.spec.ports?.map((p) => p.name), ["http", "admin"], "http is now b's (forced), so a dropping it keeps it");
});

test.after(() => cp.stop());
test.run();
