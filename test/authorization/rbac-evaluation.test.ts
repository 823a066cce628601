/** Table-driven RBAC evaluation (upstream's rbac_test.go and validation cases) and the Node authorizer over its graph. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { PolicyRule } from "kubernetes-types/rbac/v1.js";
import { covers, ruleAllows } from "../../core/apiserver/authorization/rbac/policy-rule.js";
import type { AuthorizationAttributes } from "../../core/apiserver/http/authorization.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { parseAuthorizationModes } from "../../core/apiserver/authorization/authorization-modes.js";

const user = { username: "u", groups: [] };
const res = (verb: string, group: string, resource: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes => ({ user, verb, isResourceRequest: true, path: "", apiGroup: group, resource, ...extra });
const url = (verb: string, path: string): AuthorizationAttributes => ({ user, verb, isResourceRequest: false, path });
const rule = (verbs: string, groups: string, resources: string, names?: string): PolicyRule => ({ verbs: verbs.split(" "), apiGroups: groups.split(" ").map((g) => (g === "core" ? "" : g)), resources: resources.split(" "), ...(names ? { resourceNames: names.split(" ") } : {}) });
const urls = (verbs: string, paths: string): PolicyRule => ({ verbs: verbs.split(" "), nonResourceURLs: paths.split(" ") });

const CASES: [string, PolicyRule, AuthorizationAttributes, boolean][] = [
  ["exact verb, group, resource", rule("get", "core", "pods"), res("get", "", "pods"), true],
  ["other verb", rule("get", "core", "pods"), res("list", "", "pods"), false],
  ["star verb", rule("*", "core", "pods"), res("deletecollection", "", "pods"), true],
  ["other group", rule("get", "core", "pods"), res("get", "apps", "pods"), false],
  ["star group", rule("get", "*", "pods"), res("get", "apps", "pods"), true],
  ["resource does not match its subresource", rule("get", "core", "pods"), res("get", "", "pods", { subresource: "log" }), false],
  ["subresource rule", rule("get", "core", "pods/log"), res("get", "", "pods", { subresource: "log" }), true],
  ["subresource rule does not match the resource", rule("get", "core", "pods/log"), res("get", "", "pods"), false],
  ["star resource matches subresources", rule("get", "core", "*"), res("get", "", "pods", { subresource: "status" }), true],
  ["*/scale matches any scale", rule("get", "*", "*/scale"), res("get", "apps", "deployments", { subresource: "scale" }), true],
  ["*/scale does not match status", rule("get", "*", "*/scale"), res("get", "apps", "deployments", { subresource: "status" }), false],
  ["resourceNames match the name", rule("get", "core", "configmaps", "a b"), res("get", "", "configmaps", { name: "b" }), true],
  ["resourceNames refuse another name", rule("get", "core", "configmaps", "a"), res("get", "", "configmaps", { name: "c" }), false],
  ["resourceNames refuse a nameless list", rule("list", "core", "configmaps", "a"), res("list", "", "configmaps"), false],
  ["resourceNames allow a list pinned by name", rule("list", "core", "configmaps", "a"), res("list", "", "configmaps", { name: "a" }), true],
  ["url exact", urls("get", "/healthz"), url("get", "/healthz"), true],
  ["url prefix star", urls("get", "/apis/*"), url("get", "/apis/apps/v1"), true],
  ["url prefix star not a sibling", urls("get", "/api/*"), url("get", "/apis"), false],
  ["url star", urls("*", "*"), url("post", "/anything"), true],
  ["url rule does not match resources", urls("get", "*"), res("get", "", "pods"), false],
  ["resource rule does not match urls", rule("*", "*", "*"), url("get", "/healthz"), false],
];

for (const [name, r, attrs, want] of CASES) {
  test(`ruleAllows: ${name}`, () => assert.is(ruleAllows(attrs, r), want));
}

const COVERS: [string, PolicyRule[], PolicyRule, boolean][] = [
  ["same rule", [rule("get list", "core", "pods")], rule("get", "core", "pods"), true],
  ["missing verb", [rule("get", "core", "pods")], rule("get delete", "core", "pods"), false],
  ["star owner covers all", [rule("*", "*", "*")], rule("escalate bind", "rbac.authorization.k8s.io", "roles"), true],
  ["servant star needs owner star", [rule("get list watch create update patch delete deletecollection", "core", "pods")], rule("*", "core", "pods"), false],
  ["named owner covers the same name only", [rule("get", "core", "secrets", "a")], rule("get", "core", "secrets", "a"), true],
  ["named owner does not cover all names", [rule("get", "core", "secrets", "a")], rule("get", "core", "secrets"), false],
  ["*/scale owner covers deployments/scale", [rule("get", "apps", "*/scale")], rule("get", "apps", "deployments/scale"), true],
  ["urls by prefix", [urls("get", "/apis/*")], urls("get", "/apis/apps"), true],
];
for (const [name, owner, servant, want] of COVERS) {
  test(`covers: ${name}`, () => assert.is(covers(owner, servant), want));
}

test("--authorization-mode parsing refuses unknown and repeated modes", () => {
  assert.equal(parseAuthorizationModes("Node,RBAC"), ["Node", "RBAC"]);
  assert.throws(() => parseAuthorizationModes("RBAC,ABAC"), /authorization-mode "ABAC" is not a valid mode/);
  assert.throws(() => parseAuthorizationModes("RBAC,RBAC"), /"RBAC" specified more than once/);
});

test("the Node authorizer lets a kubelet read only what its pods reference", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [], nodes: [{ name: "n1", role: "control-plane" }, { name: "n2" }] });
  await cluster.start();
  try {
    await cluster.apply(`
apiVersion: v1
kind: Secret
metadata: { name: db, namespace: default }
---
apiVersion: v1
kind: Secret
metadata: { name: other, namespace: default }
---
apiVersion: v1
kind: Pod
metadata: { name: app, namespace: default }
spec:
  nodeName: n1
  containers:
  - name: c
    image: nginx
    env: [{ name: P, valueFrom: { secretKeyRef: { name: db, key: p } } }]
    envFrom: [{ configMapRef: { name: settings } }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
`);
    const authorization = (cluster as unknown as { controlPlane: { authorization: { authorizer: { authorize(a: AuthorizationAttributes): Promise<{ allowed: boolean; reason?: string }> } } } }).controlPlane.authorization;
    const kubelet = (node: string) => ({ username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] });
    const ask = (node: string, verb: string, resource: string, name: string, extra: Partial<AuthorizationAttributes> = {}) =>
      authorization.authorizer.authorize({ user: kubelet(node), verb, isResourceRequest: true, path: "", apiGroup: "", resource, namespace: "default", name, ...extra });
    assert.is((await ask("n1", "get", "secrets", "db")).allowed, true);
    assert.is((await ask("n1", "get", "configmaps", "settings")).allowed, true);
    assert.is((await ask("n1", "get", "persistentvolumeclaims", "data")).allowed, true);
    assert.is((await ask("n1", "create", "serviceaccounts", "default", { subresource: "token" })).allowed, true);
    const other = await ask("n1", "get", "secrets", "other");
    assert.equal(other, { allowed: false, reason: "no relationship found between node 'n1' and this object" });
    assert.is((await ask("n2", "get", "secrets", "db")).reason, "no relationship found between node 'n2' and this object");
    assert.is((await ask("n1", "list", "secrets", "")).reason, "No Object name found");
    assert.is((await ask("n1", "delete", "secrets", "db")).reason, "can only read resources of this type");
    // Everything else: the system:node role's rules.
    assert.is((await ask("n1", "list", "pods", "")).allowed, true);
    assert.is((await ask("n1", "delete", "namespaces", "default")).allowed, false);
    assert.is((await ask("n1", "update", "leases", "n2", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease" })).reason, "can only access node lease with the same name as the requesting node");
    // The pod moving away (deleted) takes the relationship with it.
    await cluster.client.resource("Pod").delete("app", { namespace: "default", gracePeriodSeconds: 0 });
    await cluster.clock.sleep(1);
    assert.is((await ask("n1", "get", "secrets", "db")).allowed, false);
    // Created again, on the other node: the relationship follows it.
    await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: app, namespace: default }
spec:
  nodeName: n2
  containers:
  - name: c
    image: nginx
    env: [{ name: P, valueFrom: { secretKeyRef: { name: db, key: p } } }]
`);
    await cluster.clock.sleep(1);
    assert.is((await ask("n2", "get", "secrets", "db")).allowed, true);
    assert.is((await ask("n1", "get", "secrets", "db")).allowed, false);
  } finally {
    await cluster.stop();
  }
});

test.run();
