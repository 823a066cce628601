/** RBAC over HTTP: bootstrap policy, 403 texts as kube-apiserver words them, access reviews, impersonation. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import type { HttpServerHandle } from "../../core/apiserver/http/http-server.js";

interface Ctx {
  cluster: Cluster;
  server: HttpServerHandle;
  token: string;
}

async function start(): Promise<Ctx> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  const server = await cluster.serve({ port: 0, insecureHttp: true, token: "admin" });
  await cluster.apply(`
apiVersion: v1
kind: Namespace
metadata: { name: ops }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: bot, namespace: ops }
`);
  const tr = await cluster.apiServer.createSubresource(cluster.registry.byGroupVersionResource("", "v1", "serviceaccounts")!, "ops", "bot", "token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} } as never, {}, { user: { username: "system:admin", groups: ["system:masters"] } });
  return { cluster, server, token: (tr as unknown as { status: { token: string } }).status.token };
}

const call = async (ctx: Ctx, path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> => {
  const res = await fetch(ctx.server.url + path, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${init.token ?? ctx.token}`, "Content-Type": "application/json", ...init.headers },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: await res.json() };
};

test("a service account is forbidden with kube-apiserver's message until a RoleBinding grants it", async () => {
  const ctx = await start();
  try {
    const denied = await call(ctx, "/api/v1/namespaces/ops/pods");
    assert.is(denied.status, 403);
    assert.is(denied.body.reason, "Forbidden");
    assert.is(denied.body.message, 'pods is forbidden: User "system:serviceaccount:ops:bot" cannot list resource "pods" in API group "" in the namespace "ops"');
    assert.equal(denied.body.details, { kind: "pods" });
    const named = await call(ctx, "/api/v1/namespaces/ops/pods/web");
    assert.is(named.body.message, 'pods "web" is forbidden: User "system:serviceaccount:ops:bot" cannot get resource "pods" in API group "" in the namespace "ops"');
    const cluster = await call(ctx, "/api/v1/nodes");
    assert.is(cluster.body.message, 'nodes is forbidden: User "system:serviceaccount:ops:bot" cannot list resource "nodes" in API group "" at the cluster scope');
    const grouped = await call(ctx, "/apis/apps/v1/namespaces/ops/deployments/web/scale");
    assert.is(grouped.body.message, 'deployments.apps "web" is forbidden: User "system:serviceaccount:ops:bot" cannot get resource "deployments/scale" in API group "apps" in the namespace "ops"');
    const url = await call(ctx, "/metrics");
    assert.is(url.status, 403);
    assert.is(url.body.message, 'forbidden: User "system:serviceaccount:ops:bot" cannot get path "/metrics"');
    // Discovery is open to every authenticated user (system:discovery).
    assert.is((await call(ctx, "/apis")).status, 200);

    await ctx.cluster.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: ops }
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: bot-reads-pods, namespace: ops }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects:
- { kind: ServiceAccount, name: bot, namespace: ops }
`);
    assert.is((await call(ctx, "/api/v1/namespaces/ops/pods")).status, 200);
    // Only in its namespace, and only reading.
    assert.is((await call(ctx, "/api/v1/namespaces/default/pods")).status, 403);
    const create = await call(ctx, "/api/v1/namespaces/ops/pods", { method: "POST", body: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
    assert.is(create.body.message, 'pods is forbidden: User "system:serviceaccount:ops:bot" cannot create resource "pods" in API group "" in the namespace "ops"');
  } finally {
    await ctx.cluster.stop();
  }
});

test("a binding to a missing role says so in the reason", async () => {
  const ctx = await start();
  try {
    await ctx.cluster.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: dangling, namespace: ops }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: nope }
subjects:
- { kind: ServiceAccount, name: bot }
`);
    const denied = await call(ctx, "/api/v1/namespaces/ops/secrets");
    assert.is(denied.body.message, 'secrets is forbidden: User "system:serviceaccount:ops:bot" cannot list resource "secrets" in API group "" in the namespace "ops": RBAC: role.rbac.authorization.k8s.io "nope" not found');
  } finally {
    await ctx.cluster.stop();
  }
});

test("SelfSubjectAccessReview, SelfSubjectRulesReview and SelfSubjectReview answer for the caller", async () => {
  const ctx = await start();
  try {
    const ssar = await call(ctx, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { method: "POST", body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace: "ops", verb: "list", resource: "pods" } } } });
    assert.is(ssar.status, 201);
    assert.equal(ssar.body.status, { allowed: false });
    const admin = await call(ctx, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { token: "admin", method: "POST", body: { spec: { nonResourceAttributes: { path: "/metrics", verb: "get" } } } });
    assert.is(admin.body.status.allowed, true);
    const invalid = await call(ctx, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { method: "POST", body: { spec: {} } });
    assert.is(invalid.status, 422);
    assert.is(invalid.body.message, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const rules = await call(ctx, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", { method: "POST", body: { spec: { namespace: "ops" } } });
    assert.is(rules.status, 201);
    assert.ok(rules.body.status.resourceRules.some((r: any) => r.resources?.includes("selfsubjectaccessreviews")), "system:basic-user's rules are listed");
    assert.ok(rules.body.status.nonResourceRules.some((r: any) => r.nonResourceURLs?.includes("/api/*")), "system:discovery's URLs are listed");
    assert.is(rules.body.status.incomplete, false);
    const whoami = await call(ctx, "/apis/authentication.k8s.io/v1/selfsubjectreviews", { method: "POST", body: {} });
    assert.is(whoami.body.status.userInfo.username, "system:serviceaccount:ops:bot");
    assert.equal(whoami.body.status.userInfo.groups, ["system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated"]);
  } finally {
    await ctx.cluster.stop();
  }
});

test("SubjectAccessReview asks about another user; it needs the create verb on subjectaccessreviews", async () => {
  const ctx = await start();
  try {
    const body = { spec: { user: "system:kube-scheduler", resourceAttributes: { verb: "create", resource: "pods", subresource: "binding", namespace: "default" } } };
    const sar = await call(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", { token: "admin", method: "POST", body });
    assert.equal(sar.body.status, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"' });
    const forbidden = await call(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", { method: "POST", body });
    assert.is(forbidden.body.message, 'subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:ops:bot" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
    const local = await call(ctx, "/apis/authorization.k8s.io/v1/namespaces/ops/localsubjectaccessreviews", { token: "admin", method: "POST", body: { spec: { user: "system:serviceaccount:ops:bot", groups: ["system:authenticated"], resourceAttributes: { verb: "create", resource: "selfsubjectaccessreviews", group: "authorization.k8s.io" } } } });
    assert.is(local.body.status.allowed, true);
    assert.is(local.body.spec.resourceAttributes.namespace, "ops");
  } finally {
    await ctx.cluster.stop();
  }
});

test("impersonation needs the impersonate verb; the impersonated user's rights apply", async () => {
  const ctx = await start();
  try {
    const as = { "Impersonate-User": "jane" };
    const denied = await call(ctx, "/api/v1/namespaces/ops/pods", { headers: as });
    assert.is(denied.status, 403);
    assert.is(denied.body.message, 'users "jane" is forbidden: User "system:serviceaccount:ops:bot" cannot impersonate resource "users" in API group "" at the cluster scope');
    const asJane = await call(ctx, "/api/v1/namespaces/ops/pods", { token: "admin", headers: as });
    assert.is(asJane.status, 403);
    assert.is(asJane.body.message, 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "ops"');
    const asAdmins = await call(ctx, "/api/v1/namespaces/ops/pods", { token: "admin", headers: { ...as, "Impersonate-Group": "system:masters" } });
    assert.is(asAdmins.status, 200);
    const whoami = await call(ctx, "/apis/authentication.k8s.io/v1/selfsubjectreviews", { token: "admin", method: "POST", body: {}, headers: { ...as, "Impersonate-Group": "devs", "Impersonate-Uid": "1234" } });
    assert.equal(whoami.body.status.userInfo, { username: "jane", uid: "1234", groups: ["devs", "system:authenticated"] });
    const groupOnly = await call(ctx, "/api/v1/pods", { token: "admin", headers: { "Impersonate-Group": "devs" } });
    assert.is(groupOnly.status, 400);
  } finally {
    await ctx.cluster.stop();
  }
});

test.run();
