/** Escalation prevention on RBAC writes, the clusterrole-aggregation controller, and NodeRestriction. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { statusOf } from "../support/control-plane.js";
import type { RegisteredType } from "../../core/api/resource-registry.js";
import type { KubeObject } from "../../core/api/object.js";
import type { UserInfo } from "../../core/apiserver/admission.js";
import { parseManifests } from "../../core/cluster/apply.js";

const ALICE: UserInfo = { username: "alice", groups: ["system:authenticated"] };

/** Creates `yaml` as `user` through the API server (as an HTTP request would). */
async function createAs(cluster: Cluster, user: UserInfo, yaml: string): Promise<KubeObject> {
  const obj = parseManifests(yaml)[0]!;
  const [group, version] = obj.apiVersion!.includes("/") ? obj.apiVersion!.split("/") : ["", obj.apiVersion!];
  const type = cluster.registry.all().find((t) => t.descriptor.group === group && t.descriptor.version === version && t.descriptor.kind === obj.kind) as RegisteredType;
  return cluster.apiServer.create(type, obj.metadata?.namespace, obj, {}, { user });
}

test("a user cannot grant what they do not hold, unless they may escalate or bind", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  try {
    // alice may manage roles and bindings in default, and read pods there.
    await cluster.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: rbac-manager, namespace: default }
rules:
- { apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [create, update, get] }
- { apiGroups: [""], resources: [pods], verbs: [get, list] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: alice, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: rbac-manager }
subjects: [{ kind: User, name: alice, apiGroup: rbac.authorization.k8s.io }]
`);
    await createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reader, namespace: default }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get] }]
`);
    const err = await statusOf(createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: deleter, namespace: default }
rules: [{ apiGroups: [""], resources: [pods, secrets], verbs: [get, delete] }]
`));
    assert.is(err.code, 403);
    assert.is(err.message, 'roles.rbac.authorization.k8s.io "deleter" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}');
    // Binding the admin ClusterRole is an escalation too.
    const bind = await statusOf(createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: bob-admin, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }]
`));
    assert.match(bind.message, /^rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    // Binding a role whose rules alice holds is fine; with the bind verb, any role.
    await createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: bob-reader, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects: [{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }]
`);
    await cluster.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: binder, namespace: default }
rules:
- { apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [cluster-admin] }
- { apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: alice-binder, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: binder }
subjects: [{ kind: User, name: alice, apiGroup: rbac.authorization.k8s.io }]
`);
    await createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: bob-admin, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }]
`);
    await createAs(cluster, ALICE, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: deleter, namespace: default }
rules: [{ apiGroups: [""], resources: [pods, secrets], verbs: [get, delete] }]
`);
  } finally {
    await cluster.stop();
  }
});

test("the clusterrole-aggregation controller fills admin, edit and view, and follows new aggregate-to roles", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: ["kube-controller-manager"] });
  await cluster.start();
  try {
    const view = await cluster.waitFor<KubeObject & { rules?: { resources?: string[] }[] }>("ClusterRole", (r) => r.metadata?.name === "view" && (r.rules?.length ?? 0) > 0);
    assert.ok(view.rules!.some((r) => r.resources?.includes("pods")));
    // admin aggregates edit, which aggregates view: it comes to read pods and write rolebindings.
    const admin = await cluster.waitFor<KubeObject & { rules?: { resources?: string[]; verbs: string[] }[] }>("ClusterRole", (r) => r.metadata?.name === "admin" && !!r.rules?.some((x) => x.resources?.includes("pods") && x.verbs.includes("list")));
    assert.ok(admin.rules!.some((r) => r.resources?.includes("rolebindings")));
    assert.ok(admin.rules!.some((r) => r.resources?.includes("pods/exec") && r.verbs.includes("create")), "edit's rules");
    await cluster.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-view
  labels: { rbac.authorization.k8s.io/aggregate-to-view: "true" }
rules: [{ apiGroups: [example.com], resources: [widgets], verbs: [get, list, watch] }]
`);
    await cluster.waitFor<KubeObject & { rules?: { resources?: string[] }[] }>("ClusterRole", (r) => r.metadata?.name === "admin" && r.rules!.some((x) => x.resources?.includes("widgets")));
  } finally {
    await cluster.stop();
  }
});

test("NodeRestriction: a kubelet changes only its own Node and its own pods' status", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [], nodes: [{ name: "n1", role: "control-plane" }, { name: "n2" }] });
  await cluster.start();
  try {
    const kubelet: UserInfo = { username: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };
    const nodeType = cluster.registry.byGroupVersionResource("", "v1", "nodes")!;
    const other = await cluster.client.resource("Node").get("n2");
    const err = await statusOf(cluster.apiServer.update(nodeType, undefined, "n2", { ...other, metadata: { ...other.metadata, labels: { x: "y" } } }, {}, { user: kubelet }));
    assert.is(err.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    const pod = await statusOf(createAs(cluster, kubelet, `
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: default }
spec: { nodeName: n1, containers: [{ name: c, image: nginx }] }
`));
    assert.is(pod.message, 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
    const own = await cluster.client.resource("Node").get("n1");
    await cluster.apiServer.update(nodeType, undefined, "n1", { ...own, metadata: { ...own.metadata, labels: { ...own.metadata?.labels, x: "y" } } }, {}, { user: kubelet });
  } finally {
    await cluster.stop();
  }
});

test.run();
