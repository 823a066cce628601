import type { ClusterRole } from "kubernetes-types/rbac/v1.js";
import type { KubeObject } from "../../object.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { RBAC_V1, rbacName, validateAggregationRule, validateRules } from "./rbac-common.js";

type ClusterRoleObject = ClusterRole & KubeObject;

/** rbac.authorization.k8s.io/v1 ClusterRole (cluster-scoped; may aggregate others by label). */
export const CLUSTER_ROLE: ApiTypeRegistration<ClusterRoleObject> = {
  descriptor: { ...RBAC_V1, kind: "ClusterRole", plural: "clusterroles", singular: "clusterrole", listKind: "ClusterRoleList", namespaced: false, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (r) => [...validateObjectMeta(r.metadata, { namespaced: false, nameValidator: rbacName }), ...validateRules(r.rules, false), ...validateAggregationRule(r.aggregationRule)],
    validateUpdate: (r, old) => [...validateObjectMetaUpdate(r.metadata, old.metadata), ...validateRules(r.rules, false), ...validateAggregationRule(r.aggregationRule)],
  },
};
