import type { ApiTypeRegistration } from "../../strategy.js";
import { CLUSTER_ROLE } from "./cluster-role.js";
import { CLUSTER_ROLE_BINDING } from "./cluster-role-binding.js";
import { ROLE } from "./role.js";
import { ROLE_BINDING } from "./role-binding.js";

/** The built-in resource types of this API group, in discovery order. */
export const RBAC_TYPES: ApiTypeRegistration[] = [CLUSTER_ROLE_BINDING, CLUSTER_ROLE, ROLE_BINDING, ROLE] as ApiTypeRegistration[];

export { RBAC_GROUP } from "./rbac-common.js";
