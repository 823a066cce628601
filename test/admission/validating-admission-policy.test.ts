/** ValidatingAdmissionPolicy + binding: CEL validations, messages, actions, params, match constraints. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";

const cp = await testControlPlane();
const policies = cp.client.resource("ValidatingAdmissionPolicy");
const bindings = cp.client.resource("ValidatingAdmissionPolicyBinding");
const configMaps = cp.client.resource<ConfigMap>("ConfigMap");
const deployments = cp.client.resource("Deployment");

function deployment(name: string, replicas: number, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  } as KubeObject;
}

const DEPLOYMENTS = { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] }] };

async function policy(name: string, spec: Record<string, unknown>): Promise<void> {
  await policies.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name }, spec: { matchConstraints: DEPLOYMENTS, ...spec } } as unknown as KubeObject);
}
async function binding(name: string, spec: Record<string, unknown>): Promise<void> {
  await bindings.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name }, spec } as unknown as KubeObject);
}

test("Deny: a failed expression is refused with kube-apiserver's words and 422 Invalid", async () => {
  await policy("max-replicas", { validations: [{ expression: "object.spec.replicas <= 5" }] });
  await binding("max-replicas-binding", { policyName: "max-replicas", validationActions: ["Deny"] });
  const err = await statusOf(deployments.create(deployment("big", 10)));
  assert.is(err.status.code, 422);
  assert.is(err.status.reason, "Invalid");
  assert.is(err.status.message, `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`);
  await deployments.create(deployment("small", 3));
  await bindings.delete("max-replicas-binding");
  await deployments.create(deployment("big", 10));
});

test("message, messageExpression and reason shape the refusal", async () => {
  await policy("labelled", {
    validations: [
      { expression: "has(object.metadata.labels) && 'team' in object.metadata.labels", messageExpression: "'deployment ' + object.metadata.name + ' needs a team label'", reason: "Forbidden" },
    ],
  });
  await binding("labelled-binding", { policyName: "labelled", validationActions: ["Deny"], matchResources: { namespaceSelector: {}, objectSelector: { matchExpressions: [{ key: "skip", operator: "DoesNotExist" }] } } });
  const err = await statusOf(deployments.create(deployment("nolabel", 1)));
  assert.is(err.status.code, 403);
  assert.is(err.status.message, `deployments.apps "nolabel" is forbidden: ValidatingAdmissionPolicy 'labelled' with binding 'labelled-binding' denied request: deployment nolabel needs a team label`);
  await deployments.create(deployment("skipped", 1, { skip: "1" }));
  await deployments.create(deployment("teamed", 1, { team: "a" }));
  await bindings.delete("labelled-binding");
});

test("Warn: failures become warnings and the request goes through", async () => {
  await policy("warn-replicas", { validations: [{ expression: "object.spec.replicas < 3", message: "prefer fewer replicas" }] });
  await binding("warn-binding", { policyName: "warn-replicas", validationActions: ["Warn"] });
  const ctx: { warnings?: string[] } = {};
  await cp.apiServer.create(cp.registry.find("deployments")!, "default", deployment("warned", 4), {}, ctx);
  assert.equal(ctx.warnings, ["Validation failed for ValidatingAdmissionPolicy 'warn-replicas' with binding 'warn-binding': prefer fewer replicas"]);
  await bindings.delete("warn-binding");
});

test("paramKind and paramRef: the limit comes from a ConfigMap; a missing param with Deny refuses", async () => {
  await policy("param-limit", { paramKind: { apiVersion: "v1", kind: "ConfigMap" }, validations: [{ expression: "object.spec.replicas <= int(params.data.max)", messageExpression: "'replicas must be at most ' + params.data.max" }] });
  await binding("param-binding", { policyName: "param-limit", validationActions: ["Deny"], paramRef: { name: "limits", namespace: "default", parameterNotFoundAction: "Deny" } });
  let err = await statusOf(deployments.create(deployment("p1", 2)));
  assert.ok(err.status.message.endsWith("denied request: no params found for policy binding with `Deny` parameterNotFoundAction"), err.status.message);
  await configMaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "limits", namespace: "default" }, data: { max: "2" } } as ConfigMap & KubeObject);
  await deployments.create(deployment("p1", 2));
  err = await statusOf(deployments.create(deployment("p2", 3)));
  assert.ok(err.status.message.endsWith("denied request: replicas must be at most 2"), err.status.message);
  await bindings.delete("param-binding");
});

test("evaluation errors follow failurePolicy", async () => {
  await policy("broken", { failurePolicy: "Fail", validations: [{ expression: "object.spec.missing == 1" }] });
  await binding("broken-binding", { policyName: "broken", validationActions: ["Deny"] });
  const err = await statusOf(deployments.create(deployment("e1", 1)));
  assert.ok(err.status.message.includes("denied request: expression 'object.spec.missing == 1' resulted in error: no such key: missing"), err.status.message);
  await bindings.delete("broken-binding");
  await policy("broken-ignored", { failurePolicy: "Ignore", validations: [{ expression: "object.spec.missing == 1" }] });
  await binding("broken-ignored-binding", { policyName: "broken-ignored", validationActions: ["Deny"] });
  await deployments.create(deployment("e2", 1));
  await bindings.delete("broken-ignored-binding");
});

test("bindings are validated as upstream", async () => {
  const err = await statusOf(bindings.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "bad" }, spec: { policyName: "x", validationActions: ["Deny", "Warn", "Nope"] } } as unknown as KubeObject));
  const causes = (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(causes.includes('spec.validationActions[2]: Unsupported value: "Nope": supported values: "Audit", "Deny", "Warn"'), causes.join("\n"));
});

test.after(() => cp.stop());
test.run();
