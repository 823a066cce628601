import type { Role } from "kubernetes-types/rbac/v1.js";
import type { KubeObject } from "../../object.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { RBAC_V1, rbacName, validateRules } from "./rbac-common.js";

type RoleObject = Role & KubeObject;

/** rbac.authorization.k8s.io/v1 Role. */
export const ROLE: ApiTypeRegistration<RoleObject> = {
  descriptor: { ...RBAC_V1, kind: "Role", plural: "roles", singular: "role", listKind: "RoleList", namespaced: true, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (r) => [...validateObjectMeta(r.metadata, { namespaced: true, nameValidator: rbacName }), ...validateRules(r.rules, true)],
    validateUpdate: (r, old) => [...validateObjectMetaUpdate(r.metadata, old.metadata), ...validateRules(r.rules, true)],
  },
};
