/** The CEL `authorizer` library (backed by the API server's authorizer chain) and the `format` library in admission policies and CRD rules. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { InProcessClient } from "../../core/client/in-process-client.js";
import type { AuthorizationAttributes, Authorizer } from "../../core/apiserver/http/authorization.js";
import { settle, widgetCrd } from "../apiextensions/support.js";

/** Members of `ops` may update deployments/scale; everyone may GET /healthz. Every question is recorded. */
const asked: AuthorizationAttributes[] = [];
const authorizer: Authorizer = {
  name: "test",
  authorize(a) {
    asked.push(a);
    if (!a.isResourceRequest) return { allowed: a.path === "/healthz" && a.verb === "get" };
    const ok = a.user.groups.includes("ops") && a.apiGroup === "apps" && a.resource === "deployments" && a.subresource === "scale" && a.verb === "update";
    return ok ? { allowed: true, reason: "ops may scale" } : { allowed: false, reason: "not an operator" };
  },
};

const cp = await testControlPlane({ authorizer: () => authorizer });
const alice = new InProcessClient(cp.apiServer, { user: { username: "alice", groups: ["dev", "system:authenticated"] } });
const olga = new InProcessClient(cp.apiServer, { user: { username: "olga", groups: ["ops", "system:authenticated"] } });

function deployment(name: string, replicas: number, team = "web"): KubeObject {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default", labels: { team } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  } as KubeObject;
}

await cp.client.resource("ValidatingAdmissionPolicy").create({
  apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: "big-needs-scale" },
  spec: {
    matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] }] },
    validations: [
      {
        expression: "object.spec.replicas <= 5 || authorizer.group('apps').resource('deployments').subresource('scale').namespace(object.metadata.namespace).check('update').allowed()",
        messageExpression: "'more than 5 replicas need scale rights: ' + authorizer.group('apps').resource('deployments').subresource('scale').namespace(object.metadata.namespace).check('update').reason()",
      },
      { expression: "authorizer.path('/healthz').check('get').allowed() && !authorizer.path('/metrics').check('get').allowed()" },
      { expression: "!format.dns1123Label().validate(object.metadata.labels.team).hasValue()", messageExpression: "'team: ' + format.named('dns1123Label').value().validate(object.metadata.labels.team).value()[0]" },
    ],
  },
} as unknown as KubeObject);
await cp.client.resource("ValidatingAdmissionPolicyBinding").create({
  apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "big-needs-scale" },
  spec: { policyName: "big-needs-scale", validationActions: ["Deny"] },
} as unknown as KubeObject);

test("authorizer checks ask the API server's authorizer as the request's user", async () => {
  await alice.resource("Deployment").create(deployment("small", 2));
  asked.length = 0;
  const err = await statusOf(alice.resource("Deployment").create(deployment("big", 10)));
  assert.is(err.status.code, 422);
  assert.is(err.status.message, `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'big-needs-scale' with binding 'big-needs-scale' denied request: more than 5 replicas need scale rights: not an operator`);
  const q = asked.find((a) => a.isResourceRequest)!;
  assert.equal([q.user.username, q.verb, q.apiGroup, q.resource, q.subresource, q.namespace], ["alice", "update", "apps", "deployments", "scale", "default"]);
  assert.ok(asked.some((a) => !a.isResourceRequest && a.path === "/metrics" && a.verb === "get"), "path checks are asked with the verb given");
  const created = await olga.resource("Deployment").create(deployment("big", 10));
  assert.is(created.metadata?.name, "big");
});

test("format.<name>().validate and format.named(...) report apimachinery's messages", async () => {
  const err = await statusOf(olga.resource("Deployment").create(deployment("badteam", 1, "Web_Team")));
  assert.is(err.status.message, `deployments.apps "badteam" is forbidden: ValidatingAdmissionPolicy 'big-needs-scale' with binding 'big-needs-scale' denied request: team: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
});

test("CRD rules can use the format library", async () => {
  await cp.client.resource("CustomResourceDefinition").create(widgetCrd({
    type: "object",
    properties: { spec: { type: "object", properties: { id: { type: "string", maxLength: 64, "x-kubernetes-validations": [{ rule: "!format.named('uuid').value().validate(self).hasValue()", messageExpression: "format.uuid().validate(self).value()[0]" }] } } } },
  } as never));
  await settle(cp);
  const widgets = cp.client.resource({ group: "example.com", version: "v1", resource: "widgets" });
  const widget = (name: string, id: string) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "default" }, spec: { id } }) as KubeObject;
  await widgets.create(widget("ok", "123e4567-e89b-12d3-a456-426614174000"));
  const err = await statusOf(widgets.create(widget("bad", "nope")));
  assert.equal((err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`), ['spec.id: Invalid value: "string": does not conform to UUID format']);
});

test.after(() => cp.stop());

test.run();
