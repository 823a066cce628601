/** Validation ratcheting (CRDValidationRatcheting): a tightened schema keeps unchanged invalid values, refuses new ones. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CustomResourceDefinition, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const cp = await testControlPlane();
const crds = cp.client.resource<CustomResourceDefinition & KubeObject>("CustomResourceDefinition");
type Widget = KubeObject & { spec: Record<string, unknown> };
const widgets = cp.client.resource<Widget>({ group: "example.com", version: "v1", resource: "widgets" });

/** The schema before (loose) and after (tight): maxLength, enum, a CEL rule, a map list and an atomic list of bounded strings. */
function schema(tight: boolean): JSONSchemaProps {
  const port = { type: "object", required: ["name"], properties: { name: { type: "string" }, port: { type: "integer", ...(tight ? { maximum: 1000 } : {}) } } };
  return {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          nickname: { type: "string", ...(tight ? { maxLength: 3 } : {}) },
          mode: { type: "string", ...(tight ? { enum: ["a", "b"] } : {}) },
          size: { type: "integer", ...(tight ? { "x-kubernetes-validations": [{ rule: "self <= 5", message: "size at most 5" }] } : {}) },
          note: { type: "string" },
          ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: port },
          tags: { type: "array", items: { type: "string", ...(tight ? { maxLength: 2 } : {}) } },
        },
      },
    },
  } as JSONSchemaProps;
}

await crds.create(widgetCrd(schema(false)));
await settle(cp);
await widgets.create({
  apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" },
  spec: { nickname: "toolong", mode: "legacy", size: 9, note: "x", ports: [{ name: "http", port: 8080 }, { name: "dns", port: 53 }], tags: ["abc", "d"] },
});
const current = await crds.get("widgets.example.com");
await crds.update({ ...current, spec: { ...current.spec, versions: [{ ...current.spec.versions[0]!, schema: { openAPIV3Schema: schema(true) } }] } });
await settle(cp);

async function patch(spec: Record<string, unknown>): Promise<Widget> {
  return widgets.patch("w", "merge", { spec }, { namespace: "default" });
}

test("an update that leaves the invalid values alone is accepted (schema keywords and CEL rules)", async () => {
  const updated = await patch({ note: "y" });
  assert.is(updated.spec["note"], "y");
  assert.is(updated.spec["nickname"], "toolong");
  // A map-list item correlates by key: the unchanged http port (8080) ratchets while dns changes.
  const ports = await patch({ ports: [{ name: "http", port: 8080 }, { name: "dns", port: 54 }] });
  assert.equal(ports.spec["ports"], [{ name: "http", port: 8080 }, { name: "dns", port: 54 }]);
});

test("changing an invalid value to another invalid one is refused with the usual messages", async () => {
  const err = await statusOf(patch({ nickname: "stilltoolong", mode: "other", size: 10 }));
  assert.is(err.status.code, 422);
  assert.equal((err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`).sort(), [
    '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    'spec.mode: Unsupported value: "other": supported values: "a", "b"',
    "spec.nickname: Too long: may not be more than 3 bytes",
  ]);
  // Schema errors first; with them fixed, the CEL rule on the changed size speaks.
  const cel = await statusOf(patch({ size: 10 }));
  assert.equal((cel.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), ["spec.size: Invalid value: \"integer\": size at most 5"]);
});

test("a new map-list item is validated; items of an atomic list do not correlate", async () => {
  const added = await statusOf(patch({ ports: [{ name: "http", port: 8080 }, { name: "dns", port: 54 }, { name: "admin", port: 9090 }] }));
  assert.equal((added.status.details?.causes ?? []).map((c) => c.field), ["spec.ports[2].port"]);
  // The atomic tags list changed, so its old too-long item is checked again.
  const tags = await statusOf(patch({ tags: ["abc", "e"] }));
  assert.equal((tags.status.details?.causes ?? []).map((c) => c.field), ["spec.tags[0]", "<nil>"]);
});

test("creates are not ratcheted", async () => {
  const err = await statusOf(widgets.create({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "fresh", namespace: "default" }, spec: { nickname: "toolong" } }));
  assert.is(err.status.code, 422);
});

test.after(() => cp.stop());

test.run();
