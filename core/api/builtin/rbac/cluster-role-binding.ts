import type { ClusterRoleBinding } from "kubernetes-types/rbac/v1.js";
import type { KubeObject } from "../../object.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { defaultBinding, RBAC_V1, rbacName, validateBinding, validateRoleRefUnchanged } from "./rbac-common.js";

type ClusterRoleBindingObject = ClusterRoleBinding & KubeObject;

/** rbac.authorization.k8s.io/v1 ClusterRoleBinding (cluster-scoped); roleRef is immutable. */
export const CLUSTER_ROLE_BINDING: ApiTypeRegistration<ClusterRoleBindingObject> = {
  descriptor: {
    ...RBAC_V1, kind: "ClusterRoleBinding", plural: "clusterrolebindings", singular: "clusterrolebinding", listKind: "ClusterRoleBindingList",
    namespaced: false, shortNames: [], categories: [], subresources: [],
  },
  strategy: {
    defaults: (b) => defaultBinding(b),
    validate: (b) => [...validateObjectMeta(b.metadata, { namespaced: false, nameValidator: rbacName }), ...validateBinding(b, false)],
    validateUpdate: (b, old) => [...validateObjectMetaUpdate(b.metadata, old.metadata), ...validateBinding(b, false), ...validateRoleRefUnchanged(b.roleRef, old.roleRef)],
  },
};
