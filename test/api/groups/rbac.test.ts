import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROLE } from "../../../core/api/builtin/rbac/role.js";
import { CLUSTER_ROLE } from "../../../core/api/builtin/rbac/cluster-role.js";
import { ROLE_BINDING } from "../../../core/api/builtin/rbac/role-binding.js";
import { CLUSTER_ROLE_BINDING } from "../../../core/api/builtin/rbac/cluster-role-binding.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, update } from "./strategy-harness.js";

const R = ROLE as ApiTypeRegistration;
const CR = CLUSTER_ROLE as ApiTypeRegistration;
const RB = ROLE_BINDING as ApiTypeRegistration;
const CRB = CLUSTER_ROLE_BINDING as ApiTypeRegistration;

test("Role rules", () => {
  const role = (rules: object[]) => ({ metadata: { name: "reader", namespace: "default" }, rules });
  assert.equal(create(R, role([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }])).errors, []);
  assert.equal(create(R, role([{ apiGroups: [""], resources: ["pods"] }])).errors, ["rules[0].verbs: Required value: verbs must contain at least one value"]);
  assert.equal(create(R, role([{ resources: ["pods"], verbs: ["get"] }])).errors, ["rules[0].apiGroups: Required value: resource rules must supply at least one api group"]);
  assert.equal(create(R, role([{ nonResourceURLs: ["/healthz"], verbs: ["get"] }])).errors, ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs']);
  assert.equal(create(CR, { metadata: { name: "health" }, rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }] }).errors, []);
  assert.equal(create(CR, { metadata: { name: "mixed" }, rules: [{ nonResourceURLs: ["/healthz"], resources: ["pods"], verbs: ["get"] }] }).errors, ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs']);
  assert.equal(create(R, { metadata: { name: "a/b", namespace: "default" } }).errors, ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
});

test("bindings: defaults, roleRef rules, immutable roleRef", () => {
  const rb = { metadata: { name: "read", namespace: "default" }, roleRef: { kind: "Role", name: "reader" }, subjects: [{ kind: "User", name: "jane" }, { kind: "ServiceAccount", name: "default", namespace: "default" }] };
  const { obj, errors } = create(RB, rb);
  assert.equal(errors, []);
  assert.is(obj.roleRef.apiGroup, "rbac.authorization.k8s.io");
  assert.equal(obj.subjects.map((s: { apiGroup: string }) => s.apiGroup), ["rbac.authorization.k8s.io", ""]);
  assert.equal(update(RB, { ...obj, roleRef: { ...obj.roleRef, name: "writer" } }, obj).errors, ['roleRef: Invalid value: {"kind":"Role","name":"writer","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef']);
  assert.equal(update(RB, { ...obj, subjects: [] }, obj).errors, []);
  assert.equal(create(RB, { ...rb, subjects: [{ kind: "Robot", name: "r" }] }).errors, ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']);
  assert.equal(create(CRB, { metadata: { name: "x" }, roleRef: { kind: "Role", name: "reader" } }).errors, ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']);
  assert.equal(create(CRB, { metadata: { name: "x" }, roleRef: { kind: "ClusterRole", name: "view" }, subjects: [{ kind: "ServiceAccount", name: "sa" }] }).errors, ["subjects[0].namespace: Required value"]);
});

test.run();
