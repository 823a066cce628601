/** CRD naming, establishing, structural schema checks and serving, in process. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { settle, widgetCrd } from "./support.js";

const cp = await testControlPlane();
const crds = cp.client.resource<CustomResourceDefinition & KubeObject>("CustomResourceDefinition");
const OBJ = { type: "object" as const, properties: { spec: { type: "object" as const, "x-kubernetes-preserve-unknown-fields": true } } };

function condition(crd: CustomResourceDefinition, type: string): [string, string, string] | undefined {
  const c = crd.status?.conditions?.find((x) => x.type === type);
  return c && [c.status, c.reason ?? "", c.message ?? ""];
}

test("non-structural schemas are refused with the structural schema messages, sorted", async () => {
  const err = await statusOf(crds.create(widgetCrd({
    type: "object",
    properties: {
      spec: { properties: { a: { type: "string" } } },
      list: { type: "array" },
      either: { type: "string", anyOf: [{ type: "string", description: "d" }] },
      metadata: { type: "object", properties: { labels: { type: "object" } } },
    },
    additionalProperties: { type: "string" },
  } as never)));
  assert.is(err.status.code, 422);
  const p = "spec.versions[0].schema.openAPIV3Schema";
  assert.equal((err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), [
    `${p}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    `${p}.additionalProperties: Forbidden: must not be used at the root`,
    `${p}.properties[either].anyOf[0].description: Forbidden: must be empty to be structural`,
    `${p}.properties[either].anyOf[0].type: Forbidden: must be empty to be structural`,
    `${p}.properties[list].items: Required value: must be specified`,
    `${p}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    `${p}.properties[spec].type: Required value: must not be empty for specified object fields`,
  ]);
});

test("int-or-string anyOf pattern is structural; $ref and uniqueItems are refused", async () => {
  const ok = await crds.create(widgetCrd({ type: "object", properties: { port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] } } } as never, {}, { plural: "ports", kind: "Port" }), { dryRun: ["All"] });
  assert.is(ok.metadata?.name, "ports.example.com");
  const err = await statusOf(crds.create(widgetCrd({ type: "object", properties: { a: { $ref: "#/x" }, b: { type: "array", uniqueItems: true, items: { type: "string" } } } } as never)));
  const p = "spec.versions[0].schema.openAPIV3Schema";
  assert.equal((err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), [
    `${p}.properties[a].$ref: Forbidden: $ref is not supported`,
    `${p}.properties[a].type: Required value: must not be empty for specified object fields`,
    `${p}.properties[b].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
  ]);
});

test("a CRD in a Kubernetes-owned group needs the API approval annotation", async () => {
  const crd = widgetCrd(OBJ);
  crd.metadata!.name = "widgets.x.k8s.io";
  crd.spec.group = "x.k8s.io";
  const err = await statusOf(crds.create(crd, { dryRun: ["All"] }));
  assert.equal((err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), [
    'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
  ]);
});

test("a CRD is established and served; its resource is in the registry under the accepted names", async () => {
  await crds.create(widgetCrd(OBJ, {}, { shortNames: ["wd"], categories: ["all"] }));
  await settle(cp);
  const crd = await crds.get("widgets.example.com");
  assert.equal(condition(crd, "NamesAccepted"), ["True", "NoConflicts", "no conflicts found"]);
  assert.equal(condition(crd, "Established"), ["True", "InitialNamesAccepted", "the initial names have been accepted"]);
  const t = cp.registry.find("wd");
  assert.is(t?.descriptor.kind, "Widget");
  assert.equal(t?.descriptor.categories, ["all"]);
  const w = await cp.client.resource("Widget.example.com").create({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "a", namespace: "default" }, spec: { x: 1 } } as KubeObject);
  assert.is(w.metadata?.generation, 1);
  await settle(cp);
  const apiService = (await cp.client.resource("apiservices.apiregistration.k8s.io").get("v1.example.com")) as KubeObject & { spec?: { group?: string; groupPriorityMinimum?: number } };
  assert.equal([apiService.spec?.group, apiService.spec?.groupPriorityMinimum], ["example.com", 1000]);
});

test("conflicting names: the later CRD is not accepted (plural, short name, kind) and not served", async () => {
  await crds.create(widgetCrd(OBJ, {}, { plural: "gizmos", singular: "widget", kind: "Gizmo" }));
  await settle(cp);
  let crd = await crds.get("gizmos.example.com");
  assert.equal(condition(crd, "NamesAccepted"), ["False", "SingularConflict", '"widget" is already in use']);
  assert.equal(condition(crd, "Established"), ["False", "NotAccepted", "not all names are accepted"]);
  assert.is(cp.registry.find("gizmos.example.com"), undefined);
  await crds.create(widgetCrd(OBJ, {}, { plural: "things", kind: "Thing", shortNames: ["wd", "th"] }));
  await settle(cp);
  crd = await crds.get("things.example.com");
  assert.equal(condition(crd, "NamesAccepted"), ["False", "ShortNamesConflict", '"wd" is already in use']);
  assert.equal(crd.status?.acceptedNames?.plural, "things");
  await crds.create(widgetCrd(OBJ, {}, { plural: "others", kind: "Widget" }));
  await settle(cp);
  assert.equal(condition(await crds.get("others.example.com"), "NamesAccepted"), ["False", "ListKindConflict", '"WidgetList" is already in use']);
});

test("names of built-in types in the same group are taken", async () => {
  const crd = widgetCrd(OBJ, {}, { plural: "ingresses", kind: "Ingress" });
  crd.metadata!.name = "ingresses.networking.k8s.io";
  crd.metadata!.annotations = { "api-approved.kubernetes.io": "unapproved, test" };
  crd.spec.group = "networking.k8s.io";
  await crds.create(crd);
  await settle(cp);
  assert.equal(condition(await crds.get("ingresses.networking.k8s.io"), "NamesAccepted"), ["False", "ListKindConflict", '"IngressList" is already in use']);
});

test("fixing the conflict accepts the names and serves the resource", async () => {
  const crd = await crds.get("gizmos.example.com");
  await crds.update({ ...crd, spec: { ...crd.spec, names: { ...crd.spec.names, singular: "gizmo" } } });
  await settle(cp);
  assert.equal(condition(await crds.get("gizmos.example.com"), "Established"), ["True", "InitialNamesAccepted", "the initial names have been accepted"]);
  assert.is(cp.registry.find("gizmo")?.descriptor.kind, "Gizmo");
});

test("deleting a CRD deletes its custom resources first (cleanup finalizer, Terminating), waiting for their own finalizers", async () => {
  const gizmos = cp.client.resource("gizmos.example.com");
  await gizmos.create({ apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "a", namespace: "default" } } as KubeObject);
  await gizmos.create({ apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "held", namespace: "kube-system", finalizers: ["example.com/hold"] } } as KubeObject);
  const marked = (await crds.delete("gizmos.example.com")) as CustomResourceDefinition & KubeObject;
  assert.equal(marked.metadata?.finalizers, ["customresourcecleanup.apiextensions.k8s.io"]);
  assert.equal(condition(marked, "Terminating"), ["True", "InstanceDeletionPending", "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"]);
  await settle(cp);
  let crd = await crds.get("gizmos.example.com");
  assert.equal(condition(crd, "Terminating"), ["True", "InstanceDeletionInProgress", "CustomResource deletion is in progress"]);
  assert.is((await gizmos.list()).items.length, 1);
  const refused = await statusOf(gizmos.create({ apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "new", namespace: "default" } } as KubeObject));
  assert.equal([refused.status.code, refused.status.message], [405, "create not allowed while custom resource definition is terminating"]);
  await gizmos.patch("held", "merge", { metadata: { finalizers: null } }, { namespace: "kube-system" });
  await cp.clock.advance(5_000);
  await settle(cp);
  assert.is(await crds.get("gizmos.example.com").catch((e) => e.status.reason), "NotFound");
  assert.is(cp.registry.find("gizmos.example.com"), undefined);
});

test("a CRD that was never established goes at once", async () => {
  await crds.delete("others.example.com");
  await settle(cp);
  assert.is(await crds.get("others.example.com").catch((e) => e.status.reason), "NotFound");
});

test("several versions: objects stored in the storage version and served in each endpoint's version (conversion None); storedVersions", async () => {
  const crd = widgetCrd(OBJ, {}, { plural: "multis", kind: "Multi" });
  crd.spec.versions = [
    { name: "v1beta1", served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: OBJ } },
    { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: OBJ } },
    { name: "v1alpha1", served: false, storage: false, schema: { openAPIV3Schema: OBJ } },
  ];
  await crds.create(crd);
  await settle(cp);
  assert.ok(cp.registry.byGroupVersionResource("example.com", "v1beta1", "multis"));
  assert.is(cp.registry.byGroupVersionResource("example.com", "v1alpha1", "multis"), undefined);
  assert.is(cp.registry.byGroupVersionResource("example.com", "v1beta1", "multis")?.descriptor.deprecationWarning, "example.com/v1beta1 Multi is deprecated");
  const beta = cp.client.resource({ group: "example.com", version: "v1beta1", resource: "multis" });
  const v1 = cp.client.resource({ group: "example.com", version: "v1", resource: "multis" });
  const created = await beta.create({ apiVersion: "example.com/v1beta1", kind: "Multi", metadata: { name: "m", namespace: "default" }, spec: { a: 1 } } as KubeObject);
  assert.is(created.apiVersion, "example.com/v1beta1");
  assert.is((await cp.store.get("/registry/example.com/multis/default/m"))?.apiVersion, "example.com/v1");
  assert.is((await v1.get("m", { namespace: "default" } as never)).apiVersion, "example.com/v1");
  assert.equal((await beta.list()).items.map((o) => o.apiVersion), ["example.com/v1beta1"]);
  const patched = await beta.patch("m", "merge", { spec: { a: 2 } }, { namespace: "default" });
  assert.equal([patched.apiVersion, (patched as { spec?: { a?: number } }).spec?.a], ["example.com/v1beta1", 2]);
  // Moving storage to v1beta1 records it in storedVersions.
  const current = await crds.get("multis.example.com");
  await crds.update({ ...current, spec: { ...current.spec, versions: current.spec.versions.map((v) => ({ ...v, storage: v.name === "v1beta1" })) } });
  assert.equal((await crds.get("multis.example.com")).status?.storedVersions, ["v1", "v1beta1"]);
});

test.after(async () => {
  cp.stop();
  await cp.store.close();
});

test.run();
