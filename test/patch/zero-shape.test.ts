/**
 * Writes are compared as the Go values upstream's fieldmanager compares (zero-shape.ts): the kind's
 * zero value on a create (k8s.io/api 1.32's non-pointer structs and fields without `omitempty`),
 * `.` on the maps, structs and lists a write adds, empty `omitempty` maps and lists as absent, and
 * a new object's zero fields owned with it.
 * test-runner: from-source (it runs the table's generator, which reads its inputs next to its source).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/api/object.js";
import { managedFieldsAfterUpdate, updateManagedFields } from "../../core/api/patch/managed-fields.js";
import { zeroShapeFor, zeroShapeOf } from "../../core/api/patch/zero-shape.js";
import { buildZeroShapes, readZeroShapeInputs } from "../../core/api/patch/generate-zero-shapes.js";
import { BUILT_IN_TYPES } from "../../core/api/builtin/index.js";
import zeroShapes from "../../core/api/patch/zero-shapes.json" with { type: "json" };

const now = new Date(Date.UTC(2026, 0, 1));
const fields = (entries: readonly { manager?: string; fieldsV1?: object }[], manager: string) => JSON.stringify(entries.find((e) => e.manager === manager)?.fieldsV1);

test("zero-shapes.json is what its generator builds from go-zero-fields.json and the OpenAPI schemas", () => {
  assert.equal(buildZeroShapes(...readZeroShapeInputs()), zeroShapes);
});

test("every built-in kind the API server serves has a shape, but APIService (no schema of its own here)", () => {
  const missing: string[] = [];
  for (const t of BUILT_IN_TYPES) {
    const d = t.descriptor;
    const apiVersion = d.group ? `${d.group}/${d.version}` : d.version;
    if (!zeroShapeFor(apiVersion, d.kind)) missing.push(`${apiVersion} ${d.kind}`);
  }
  assert.equal(missing, ["apiregistration.k8s.io/v1 APIService"]);
  // Spot checks of the table (k8s.io/api 1.32).
  const spec = zeroShapeOf("io.k8s.api.apps.v1.DeploymentSpec")!;
  assert.equal(Object.keys(spec.zero!).sort(), ["selector", "strategy", "template"]);
  assert.is(spec.zero!["selector"], null);
  assert.equal(zeroShapeOf("io.k8s.api.core.v1.PodSpec")!.zero, { containers: null });
  assert.is(zeroShapeOf("io.k8s.api.apps.v1.DaemonSetStatus")!.zero!["numberMisscheduled"], 0);
});

test("a Service's load balancer status: the struct was there (no `.`), the ingress list was not", () => {
  const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "d" }, spec: { type: "LoadBalancer", ports: [{ port: 80, protocol: "TCP" }] } } as KubeObject;
  const created = updateManagedFields(undefined, svc, { manager: "kubectl-create", now });
  // A new port's Go value has its targetPort (an IntOrString struct: 0) even before defaulting.
  assert.is(fields(created.metadata!.managedFields!, "kubectl-create"), '{"f:spec":{"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},"f:type":{}}}');
  const withIngress = { ...created, status: { loadBalancer: { ingress: [{ ip: "172.18.255.1", ipMode: "VIP" }] } } } as KubeObject;
  const entries = managedFieldsAfterUpdate(created, withIngress, { manager: "service-controller", subresource: "status", now });
  // The ingress list is atomic: a leaf.
  assert.is(fields(entries, "service-controller"), '{"f:status":{"f:loadBalancer":{"f:ingress":{}}}}');
});

test("a status counter written as its zero is not taken (Go had it at 0 already); a changed one is", () => {
  const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x", namespace: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } } as KubeObject;
  const status = { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 0, observedGeneration: 1 };
  const entries = managedFieldsAfterUpdate(ds, { ...ds, status } as KubeObject, { manager: "kube-controller-manager", subresource: "status", now });
  assert.is(fields(entries, "kube-controller-manager"), '{"f:status":{"f:currentNumberScheduled":{},"f:desiredNumberScheduled":{},"f:observedGeneration":{}}}');
});

test("custom resources are compared as their JSON: a created spec is owned as a whole (`.`)", () => {
  const cr = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", labels: { a: "b" } }, spec: { size: 1, tags: {} } } as KubeObject;
  const [entry] = managedFieldsAfterUpdate(undefined, cr, { manager: "m", now, meta: { fields: {} } });
  assert.is(JSON.stringify(entry!.fieldsV1), '{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{".":{},"f:size":{},"f:tags":{}}}');
});

test("an empty omitempty map is absent; a struct emptied stays owned by whoever added it, its members go", () => {
  // labels: {} is dropped by the Go conversion: nothing to own.
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "d", labels: {} }, data: { a: "1" } } as KubeObject;
  const created = updateManagedFields(undefined, cm, { manager: "ctl", now });
  assert.is(fields(created.metadata!.managedFields!, "ctl"), '{"f:data":{".":{},"f:a":{}}}');
  // A pod's securityContext added with a member, then emptied by another writer: the struct stays there.
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d" }, spec: { containers: [{ name: "c", image: "i" }], securityContext: { runAsUser: 1 } } } as KubeObject;
  const p1 = updateManagedFields(undefined, pod, { manager: "a", now });
  assert.is(fields(p1.metadata!.managedFields!, "a"), '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}},"f:securityContext":{".":{},"f:runAsUser":{}}}}');
  const p2 = updateManagedFields(p1, { ...p1, spec: { ...(p1 as { spec: object }).spec, securityContext: {} } } as KubeObject, { manager: "b", now });
  assert.is(fields(p2.metadata!.managedFields!, "a"), '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}},"f:securityContext":{}}}');
  assert.is(fields(p2.metadata!.managedFields!, "b"), undefined);
  // Removing the labels map a create added takes the map itself from its owner too.
  const l1 = updateManagedFields(undefined, { ...cm, metadata: { name: "c", namespace: "d", labels: { x: "y" } } } as KubeObject, { manager: "ctl", now });
  const l2 = updateManagedFields(l1, { ...l1, metadata: { ...l1.metadata, labels: undefined } } as KubeObject, { manager: "other", now });
  assert.is(fields(l2.metadata!.managedFields!, "ctl"), '{"f:data":{".":{},"f:a":{}}}');
});

test.run();
