import type { RoleBinding } from "kubernetes-types/rbac/v1.js";
import type { KubeObject } from "../../object.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { defaultBinding, RBAC_V1, rbacName, validateBinding, validateRoleRefUnchanged } from "./rbac-common.js";

type RoleBindingObject = RoleBinding & KubeObject;

/** rbac.authorization.k8s.io/v1 RoleBinding; roleRef is immutable. */
export const ROLE_BINDING: ApiTypeRegistration<RoleBindingObject> = {
  descriptor: { ...RBAC_V1, kind: "RoleBinding", plural: "rolebindings", singular: "rolebinding", listKind: "RoleBindingList", namespaced: true, shortNames: [], categories: [], subresources: [] },
  strategy: {
    defaults: (b) => defaultBinding(b),
    validate: (b) => [...validateObjectMeta(b.metadata, { namespaced: true, nameValidator: rbacName }), ...validateBinding(b, true)],
    validateUpdate: (b, old) => [...validateObjectMetaUpdate(b.metadata, old.metadata), ...validateBinding(b, true), ...validateRoleRefUnchanged(b.roleRef, old.roleRef)],
  },
};
