import type { ApiTypeRegistration } from "../../strategy.js";
import { POD_DISRUPTION_BUDGET } from "./pod-disruption-budget.js";

/** The built-in resource types of this API group, in discovery order. */
export const POLICY_TYPES: ApiTypeRegistration[] = [POD_DISRUPTION_BUDGET] as ApiTypeRegistration[];
