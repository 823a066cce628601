import { test } from "uvu";
import * as assert from "uvu/assert";
import { CUSTOM_RESOURCE_DEFINITION } from "../../../core/api/builtin/apiextensions/custom-resource-definition.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, update } from "./strategy-harness.js";

const CRD = CUSTOM_RESOURCE_DEFINITION as ApiTypeRegistration;
const schema = { openAPIV3Schema: { type: "object" } };
const crd = (spec: Record<string, unknown> = {}, name = "widgets.example.com") => ({
  metadata: { name },
  spec: { group: "example.com", scope: "Namespaced", names: { kind: "Widget", plural: "widgets" }, versions: [{ name: "v1", served: true, storage: true, schema }], ...spec },
});

test("CRD defaults and initial status", () => {
  const { obj, errors } = create(CRD, crd());
  assert.equal(errors, []);
  assert.equal(obj.spec.names, { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" });
  assert.equal(obj.spec.conversion, { strategy: "None" });
  assert.equal(obj.status, { acceptedNames: { kind: "", plural: "" }, storedVersions: ["v1"] });
});

test("CRD validation causes", () => {
  const cases: [object, string][] = [
    [crd({}, "widgets.other.com"), 'metadata.name: Invalid value: "widgets.other.com": must be spec.names.plural+"."+spec.group'],
    [crd({ scope: "Global" }), 'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'],
    [crd({ versions: [{ name: "v1", served: true, storage: true, schema }, { name: "v2", served: true, storage: true, schema }] }), "must have exactly one version marked as storage version"],
    [crd({ versions: [{ name: "v1", served: true, storage: true }] }), "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"],
    [crd({ group: "example" }, "widgets.example"), 'spec.group: Invalid value: "example": should be a domain with at least one dot'],
    [crd({ names: { kind: "Widget", plural: "Widgets" } }, "Widgets.example.com"), 'spec.names.plural: Invalid value: "Widgets": '],
  ];
  for (const [obj, want] of cases) {
    const { errors } = create(CRD, obj);
    assert.ok(errors.some((e) => e.includes(want)), `${want} → ${JSON.stringify(errors)}`);
  }
});

test("CRD updates: scope and group immutable; a new storage version is recorded", () => {
  const { obj } = create(CRD, crd());
  assert.equal(update(CRD, { ...obj, spec: { ...obj.spec, scope: "Cluster" } }, obj).errors, ['spec.scope: Invalid value: "Cluster": field is immutable']);
  const v2 = update(CRD, { ...obj, spec: { ...obj.spec, versions: [{ name: "v1", served: true, storage: false, schema }, { name: "v2", served: true, storage: true, schema }] } }, obj);
  assert.equal(v2.errors, []);
  assert.equal(v2.obj.status.storedVersions, ["v1", "v2"]);
  assert.is(v2.obj.metadata.generation, 2);
});

test.run();
