/** CEL rule cost limits: the estimated cost (sized by maxItems/maxLength/maxProperties) refused at CRD time, the per-call runtime limit. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const cp = await testControlPlane();
const crds = cp.client.resource("CustomResourceDefinition");
const HINT = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

function specSchema(properties: Record<string, unknown>): JSONSchemaProps {
  return { type: "object", properties: { spec: { type: "object", properties } } } as JSONSchemaProps;
}

async function causesOf(schema: JSONSchemaProps): Promise<string[]> {
  const err = await statusOf(crds.create(widgetCrd(schema)));
  assert.is(err.status.code, 422);
  return (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

const P = "spec.versions[0].schema.openAPIV3Schema.properties[spec]";

test("a regex over every item of an unbounded list of unbounded strings is refused; bounds make it acceptable", async () => {
  const rule = { rule: "self.all(x, x.matches('^[a-z]+$'))" };
  const causes = await causesOf(specSchema({ names: { type: "array", items: { type: "string" }, "x-kubernetes-validations": [rule] } }));
  // The rule alone, and the schema's total it dominates.
  assert.equal(causes, [
    `${P}.properties[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${HINT}`,
    `spec.versions[0].schema.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${HINT}`,
    `${P}.properties[names].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema`,
  ]);
  await crds.create(widgetCrd(specSchema({ names: { type: "array", maxItems: 20, items: { type: "string", maxLength: 10 }, "x-kubernetes-validations": [rule] } })));
  await crds.delete("widgets.example.com");
  await settle(cp);
});

test("a rule inside a list runs once per item: the enclosing maxItems multiplies its estimate", async () => {
  const items = { type: "string", maxLength: 1000, "x-kubernetes-validations": [{ rule: "!self.contains('x')" }] };
  const causes = await causesOf(specSchema({ names: { type: "array", items } }));
  assert.match(causes.find((c) => c.includes("estimated rule cost exceeds"))!, new RegExp(`^${P.replace(/[[\]]/g, "\\$&")}\\.properties\\[names\\]\\.items\\.x-kubernetes-validations\\[0\\]\\.rule: Forbidden: estimated rule cost exceeds budget by factor of \\d+\\.\\dx \\(try simplifying`));
  await crds.create(widgetCrd(specSchema({ names: { type: "array", maxItems: 100, items } })));
  await crds.delete("widgets.example.com");
  await settle(cp);
});

test("a rule within the estimate but over the per-call limit on the object at hand stops validation with upstream's message", async () => {
  const schema = specSchema({
    ids: { type: "array", maxItems: 1000, items: { type: "integer" }, "x-kubernetes-validations": [{ rule: "self.all(x, self.exists_one(y, x == y))", message: "ids must be unique" }] },
    name: { type: "string", maxLength: 10, "x-kubernetes-validations": [{ rule: "self != 'bad'", message: "not bad" }] },
  });
  await crds.create(widgetCrd(schema));
  await settle(cp);
  const widgets = cp.client.resource({ group: "example.com", version: "v1", resource: "widgets" });
  const widget = (name: string, ids: number[]): KubeObject => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "default" }, spec: { ids, name: "bad" } } as KubeObject);
  // A few ids: the rule runs (and the other rule's refusal shows).
  const small = await statusOf(widgets.create(widget("small", [1, 2, 2])));
  assert.equal((small.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), ['spec.ids: Invalid value: "array": ids must be unique', 'spec.name: Invalid value: "string": not bad']);
  // A thousand ids: about five million units for one call, over the one-million limit; nothing after it runs.
  const big = await statusOf(widgets.create(widget("big", Array.from({ length: 1000 }, (_, i) => i))));
  assert.equal((big.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), [
    "spec.ids: Invalid value: \"array\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ids must be unique",
  ]);
  await crds.delete("widgets.example.com");
  await settle(cp);
});

test.after(() => cp.stop());

test.run();
