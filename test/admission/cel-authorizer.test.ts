/**
 * The CEL authorizer library against the API server's own RBAC authorizer: `authorizer.requestResource`
 * and the rest of k8s.io/apiserver's Authz and AuthzSelectors libraries, in ValidatingAdmissionPolicies
 * and admission webhooks' matchConditions.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { InProcessClient } from "../../core/client/in-process-client.js";
import type { AuthorizationAttributes, Authorizer } from "../../core/apiserver/http/authorization.js";
import type { AdmissionRequest } from "../../core/apiserver/admission.js";
import { withAuthorizer } from "../../core/apiserver/admission-policy/admission-authorizer.js";
import { admissionProgram } from "../../core/apiserver/webhooks/match-conditions.js";
import { startWebhookServer } from "./webhook-server.js";

const cp = await testControlPlane();
await cp.authorization.start();
const admin = cp.client;
const alice = new InProcessClient(cp.apiServer, { user: { username: "alice", groups: ["system:authenticated"] } });
const bob = new InProcessClient(cp.apiServer, { user: { username: "bob", groups: ["system:authenticated"] } });

const create = (kind: string, obj: Record<string, unknown>) => admin.resource(kind).create({ kind, ...obj } as KubeObject);
/** Waits for the authorizer's informers to see the RBAC objects just written. */
const tick = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

// alice and bob may create and update ConfigMaps in default; only alice may delete one, and only `alice-cm`.
await create("Role", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "cm-writer", namespace: "default" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update", "get", "patch"] }] });
await create("Role", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "cm-deleter", namespace: "default" }, rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["alice-cm"], verbs: ["delete"] }] });
await create("RoleBinding", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "writers", namespace: "default" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-writer" }, subjects: [{ kind: "User", name: "alice" }, { kind: "User", name: "bob" }] });
await create("RoleBinding", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "alice-deletes", namespace: "default" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-deleter" }, subjects: [{ kind: "User", name: "alice" }] });
// The builder service account may read secrets; everyone authenticated may GET /healthz.
await create("Role", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "secret-reader", namespace: "default" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] });
await create("RoleBinding", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "builder-reads", namespace: "default" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" }, subjects: [{ kind: "ServiceAccount", name: "builder", namespace: "default" }] });
await create("ClusterRole", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "healthz" }, rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }] });
await create("ClusterRoleBinding", { apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "healthz" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "healthz" }, subjects: [{ kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" }] });
await tick();

function policy(name: string, resources: string[], validations: Record<string, unknown>[], operations = ["CREATE", "UPDATE"]) {
  return Promise.all([
    create("ValidatingAdmissionPolicy", { apiVersion: "admissionregistration.k8s.io/v1", metadata: { name }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations, resources }] }, validations } }),
    create("ValidatingAdmissionPolicyBinding", { apiVersion: "admissionregistration.k8s.io/v1", metadata: { name }, spec: { policyName: name, validationActions: ["Deny"] } }),
  ]);
}

const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", labels } }) as KubeObject;

// `has()` first: an object whose last label went has no labels map at all (Go drops the empty map).
await policy("protect-needs-delete", ["configmaps"], [
  {
    expression: "!(has(object.metadata.labels) && 'protected' in object.metadata.labels) || authorizer.requestResource.check('delete').allowed()",
    messageExpression: "'only who may delete ' + object.metadata.name + ' may protect it'",
  },
]);

test("authorizer.requestResource names the request's resource, namespace and name: RBAC's resourceNames decide", async () => {
  await alice.resource("ConfigMap").create(cm("alice-cm", { protected: "yes" }));
  const other = await statusOf(alice.resource("ConfigMap").create(cm("other-cm", { protected: "yes" })));
  assert.is(other.status.message, `configmaps "other-cm" is forbidden: ValidatingAdmissionPolicy 'protect-needs-delete' with binding 'protect-needs-delete' denied request: only who may delete other-cm may protect it`);
  const byBob = await statusOf(bob.resource("ConfigMap").patch("alice-cm", "merge", { metadata: { labels: { protected: "still" } } }, { namespace: "default" }));
  assert.is(byBob.status.code, 422);
  // Unprotected objects are anyone's.
  await bob.resource("ConfigMap").create(cm("plain"));
});

await policy("sa-and-paths", ["secrets"], [
  { expression: "authorizer.serviceAccount('default', 'builder').group('').resource('secrets').namespace('default').name(object.metadata.name).check('get').allowed()", message: "builder must be able to read it" },
  { expression: "!authorizer.serviceAccount('default', 'other').group('').resource('secrets').namespace('default').check('get').allowed()", message: "other must not" },
  { expression: "authorizer.path('/healthz').check('get').allowed() && !authorizer.path('/healthz').check('GET').allowed()", message: "verbs are passed as written" },
  { expression: "authorizer.serviceAccount('default', 'builder').group('').resource('secrets').namespace('default').check('get').reason().startsWith('RBAC: allowed by RoleBinding \"builder-reads/default\"')", messageExpression: "'reason: ' + authorizer.serviceAccount('default', 'builder').group('').resource('secrets').namespace('default').check('get').reason()" },
  { expression: "!authorizer.group('').resource('secrets').fieldSelector('type=Opaque').labelSelector('app in (a,b)').check('list').errored()" },
], ["CREATE"]);

test("serviceAccount(), path(), reason() and the selectors, answered by RBAC", async () => {
  // As alice (system:masters would be allowed any verb, GET too).
  await alice.resource("Secret").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" } } as KubeObject);
});

await policy("bad-arguments", ["services"], [
  { expression: "authorizer.serviceAccount('default', 'Not_Valid').group('').resource('pods').check('get').allowed()" },
  { expression: "authorizer.serviceAccount('Not.A.Label', 'valid').group('').resource('pods').check('get').allowed()" },
  { expression: "authorizer.path('  ').check('get').allowed()" },
  { expression: "authorizer.group('apps').resource('').check('get').allowed()" },
], ["CREATE"]);

test("invalid arguments are errors with upstream's messages", async () => {
  const err = await statusOf(admin.resource("Service").create({ apiVersion: "v1", kind: "Service", metadata: { name: "x", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as KubeObject));
  assert.ok(err.status.message.startsWith(`services "x" is forbidden: ValidatingAdmissionPolicy 'bad-arguments' with binding 'bad-arguments' denied request: expression 'authorizer.serviceAccount('default', 'Not_Valid').group('').resource('pods').check('get').allowed()' resulted in error: Invalid service account name`), err.status.message);
  const causes = (err.status.details?.causes ?? []).map((c) => c.message ?? "");
  assert.is(causes.length, 1, "the first failure is the refusal");
  // Each failing validation alone.
  for (const [expression, message] of [
    ["authorizer.serviceAccount('Not.A.Label', 'valid').group('').resource('pods').check('get').allowed()", "Invalid service account namespace"],
    ["authorizer.path('  ').check('get').allowed()", "path must not be empty"],
    ["authorizer.group('apps').resource('').check('get').allowed()", "resource must not be empty"],
  ] as const) {
    const p = admissionProgram(expression);
    assert.ok(!(p instanceof Error), String(p));
    try {
      await withAuthorizer(cp.authorization.authorizer, request("alice"), (authorizer) => (p as (v: Record<string, unknown>) => unknown)({ authorizer }));
      assert.unreachable(expression);
    } catch (e) {
      assert.match((e as Error).message, message);
    }
  }
});

function request(user: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  const type = cp.registry.byGroupVersionKind("", "v1", "ConfigMap")!;
  return { operation: "UPDATE", resource: type.descriptor, namespace: "default", name: "alice-cm", dryRun: false, user: { username: user, groups: ["system:authenticated"] }, ...extra } as AdmissionRequest;
}

test("what a check asks: apiVersion '*', the request's subresource, selectors only when they parse; errors become errored()/error()", async () => {
  const asked: AuthorizationAttributes[] = [];
  const recording: Authorizer = {
    name: "recording",
    authorize(a) {
      asked.push(a);
      if (a.resource === "boom") throw new Error("webhook authorizer unreachable");
      return { allowed: a.labelSelector === "app in (a,b)", reason: "recorded" };
    },
  };
  const run = (expression: string, req = request("alice", { subresource: "status" })) => {
    const p = admissionProgram(expression) as (v: Record<string, unknown>) => unknown;
    return withAuthorizer(recording, req, (authorizer) => p({ authorizer }));
  };
  assert.is(await run("authorizer.requestResource.check('update').allowed()"), false);
  assert.equal(asked.pop(), { user: { username: "alice", groups: ["system:authenticated"] }, verb: "update", isResourceRequest: true, path: "", apiGroup: "", apiVersion: "*", resource: "configmaps", subresource: "status", namespace: "default", name: "alice-cm" });
  assert.is(await run("authorizer.requestResource.subresource('').name('').labelSelector('app in (a,b)').fieldSelector('metadata.name=x').check('list').allowed()"), true);
  const withSelectors = asked.pop()!;
  assert.equal([withSelectors.subresource, withSelectors.name, withSelectors.fieldSelector, withSelectors.labelSelector], [undefined, undefined, "metadata.name=x", "app in (a,b)"]);
  await run("authorizer.group('').resource('pods').fieldSelector('no operator').labelSelector('a in (').check('list').allowed()");
  const unparsable = asked.pop()!;
  assert.equal([unparsable.fieldSelector, unparsable.labelSelector], [undefined, undefined]);
  assert.equal(await run("[authorizer.group('x').resource('boom').check('get').errored(), authorizer.group('x').resource('boom').check('get').error(), authorizer.group('x').resource('boom').check('get').allowed()]"), [true, "webhook authorizer unreachable", false]);
  // The library's values have no fields CEL can read (upstream's receiver-only values); serviceAccount() has no requestResource.
  assert.is((admissionProgram("authorizer.group('').resource('pods').attributes") as Error).message, "compilation failed: no such key: attributes");
  for (const expression of ["authorizer.user", "authorizer.serviceAccount('default', 'x').requestResource"]) {
    try {
      await run(expression);
      assert.unreachable(expression);
    } catch (e) {
      assert.match((e as Error).message, /No such key/i);
    }
  }
});

test("webhook matchConditions see authorizer and authorizer.requestResource: who may delete skips the webhook", async () => {
  const server = await startWebhookServer(() => ({ allowed: false, status: { code: 403, message: "reviewed and refused" } }));
  try {
    await create("ValidatingWebhookConfiguration", {
      apiVersion: "admissionregistration.k8s.io/v1",
      metadata: { name: "review-unless-deleter" },
      webhooks: [{
        name: "review.example.com",
        clientConfig: { url: server.url("/validate"), caBundle: server.caBundle },
        rules: [{ operations: ["UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
        matchConditions: [{ name: "not-a-deleter", expression: "!authorizer.requestResource.check('delete').allowed()" }],
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
      }],
    });
    // alice may delete alice-cm: no review. bob may not: the webhook refuses.
    await admin.resource("ConfigMap").patch("alice-cm", "merge", { metadata: { labels: { protected: null } } }, { namespace: "default" });
    await alice.resource("ConfigMap").patch("alice-cm", "merge", { data: { by: "alice" } }, { namespace: "default" });
    assert.is(server.received.length, 0);
    const err = await statusOf(bob.resource("ConfigMap").patch("alice-cm", "merge", { data: { by: "bob" } }, { namespace: "default" }));
    assert.is(err.status.message, `admission webhook "review.example.com" denied the request: reviewed and refused`);
    assert.is(server.received.length, 1);
  } finally {
    await server.close();
  }
});

test.after(async () => {
  await cp.authorization.stop();
  cp.stop();
});

test.run();
