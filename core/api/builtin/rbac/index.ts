import type { ApiTypeRegistration } from "../../strategy.js";

/** The built-in resource types of this API group, in discovery order. */
export const RBAC_TYPES: ApiTypeRegistration[] = [];
