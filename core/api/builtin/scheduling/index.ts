import type { ApiTypeRegistration } from "../../strategy.js";
import { PRIORITY_CLASS } from "./priority-class.js";

/** The built-in resource types of this API group, in discovery order. */
export const SCHEDULING_TYPES: ApiTypeRegistration[] = [PRIORITY_CLASS] as ApiTypeRegistration[];

export { SYSTEM_PRIORITY_CLASSES, HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_CRITICAL_PRIORITY } from "./priority-class.js";
