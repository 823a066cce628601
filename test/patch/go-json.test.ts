/**
 * Objects of built-in kinds are stored and served in the form their Go types give them back
 * (go-json.ts), as a real API server's `kubectl get -o yaml` shows them: `resources: {}`, a
 * template's `creationTimestamp: null`, conditions' `lastProbeTime: null`, `status: {}`, and no
 * `omitempty` field at its zero.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { asGoJson } from "../../core/api/patch/go-json.js";
import { zeroShapeFor } from "../../core/api/patch/zero-shape.js";
import type { JsonObject } from "../../core/api/patch/json-value.js";
import { testControlPlane } from "../support/control-plane.js";

const deploymentShape = zeroShapeFor("apps/v1", "Deployment")!;

test("a Deployment in its Go form: zero structs and null fields there, omitempty zeros and empty maps gone, pointers' zeros kept", () => {
  const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: {}, generation: 0 }, spec: { replicas: 0, minReadySeconds: 0, paused: false, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i", ports: [] }], nodeSelector: null } } } };
  const go = asGoJson(d as JsonObject, deploymentShape);
  assert.equal(go, {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "web", creationTimestamp: null },
    spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" }, creationTimestamp: null }, spec: { containers: [{ name: "c", image: "i", resources: {} }] } }, strategy: {} },
    status: {},
  });
  // Already in that form: the object itself; the input was not touched.
  assert.is(asGoJson(go, deploymentShape), go);
  assert.is((d.spec as { minReadySeconds?: number }).minReadySeconds, 0);
});

test("subtrees that are the stored object's own are not walked", () => {
  const stored = asGoJson({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "c" }] } } } } as JsonObject, deploymentShape);
  // A spec shared with the stored object stays as it is, even were it not in Go form.
  const odd = { ...(stored.spec as JsonObject), paused: false };
  const shared = { ...stored, spec: odd, status: { replicas: 0, readyReplicas: 2 } };
  const go = asGoJson(shared as JsonObject, deploymentShape, { ...stored, spec: odd });
  assert.is(go["spec"], odd);
  assert.equal(go["status"], { readyReplicas: 2 });
});

test("through the API server: what a real cluster serves for a Deployment, a pod's conditions, a Service", async () => {
  const { client } = await testControlPlane();
  const d = (await client.resource<Deployment>("Deployment").create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { minReadySeconds: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } } })) as Deployment;
  assert.is(d.spec!.template.metadata!.creationTimestamp, null);
  assert.equal(d.spec!.template.spec!.containers[0]!.resources, {});
  assert.not.ok("minReadySeconds" in d.spec!);
  assert.equal(d.status, {});
  const status = (await client.resource<Deployment>("Deployment").updateStatus({ ...d, status: { observedGeneration: 1, replicas: 0, unavailableReplicas: 0, conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetCreated", message: "m" }] } })) as Deployment;
  assert.equal(status.status, { observedGeneration: 1, conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetCreated", message: "m", lastUpdateTime: null, lastTransitionTime: null }] });
  const pod = (await client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "i" }] } })) as Pod;
  const ready = (await client.resource<Pod>("Pod").updateStatus({ ...pod, status: { ...pod.status, conditions: [{ type: "Ready", status: "False" }] } })) as Pod;
  assert.equal(ready.status!.conditions, [{ type: "Ready", status: "False", lastProbeTime: null, lastTransitionTime: null }]);
  const svc = (await client.resource<Service>("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "default" }, spec: { ports: [{ port: 80 }] } })) as Service;
  assert.equal(svc.status, { loadBalancer: {} });
});

test("a body that names no kind is put in the Go form of the endpoint's type", async () => {
  const { client } = await testControlPlane();
  const created = (await client.resource<Deployment>("Deployment").create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "nokind", namespace: "default" }, spec: { selector: { matchLabels: { app: "n" } }, template: { metadata: { labels: { app: "n" } }, spec: { containers: [{ name: "c", image: "i" }] } } } })) as Deployment;
  const { apiVersion: _v, kind: _k, ...bare } = created;
  const replaced = (await client.resource<Deployment>("Deployment").update({ ...bare, spec: { ...created.spec!, minReadySeconds: 0, template: { ...created.spec!.template, spec: { containers: [{ name: "c", image: "j" }] } } } } as Deployment)) as Deployment;
  assert.equal(replaced.spec!.template.spec!.containers[0], { name: "c", image: "j", resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "Always" });
  assert.not.ok("minReadySeconds" in replaced.spec!);
});

test("server-side apply: the stored object is in Go form, the applier owns only what it applied", async () => {
  const { client } = await testControlPlane();
  const config = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "applied", namespace: "default" }, spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
  const d = (await client.resource<Deployment>("Deployment").patch("applied", "apply", config, { namespace: "default", fieldManager: "ssa" })) as Deployment;
  assert.equal(d.spec!.template.spec!.containers[0]!.resources, {});
  assert.is(d.spec!.template.metadata!.creationTimestamp, null);
  const entry = d.metadata!.managedFields!.find((e) => e.manager === "ssa")!;
  assert.is(JSON.stringify(entry.fieldsV1), '{"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}');
});

test.run();
