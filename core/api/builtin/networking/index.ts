import type { ApiTypeRegistration } from "../../strategy.js";
import { INGRESS_CLASS } from "./ingress-class.js";
import { INGRESS } from "./ingress.js";
import { NETWORK_POLICY } from "./network-policy.js";

/** The built-in resource types of this API group, in discovery order. */
export const NETWORKING_TYPES: ApiTypeRegistration[] = [INGRESS_CLASS, INGRESS, NETWORK_POLICY] as ApiTypeRegistration[];

export { defaultNetworkPolicy } from "./network-policy.js";
