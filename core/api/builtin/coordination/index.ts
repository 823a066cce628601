import type { ApiTypeRegistration } from "../../strategy.js";
import { LEASE } from "./lease.js";

/** The built-in resource types of this API group, in discovery order. */
export const COORDINATION_TYPES: ApiTypeRegistration[] = [LEASE] as ApiTypeRegistration[];
