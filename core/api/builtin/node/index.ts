import type { ApiTypeRegistration } from "../../strategy.js";
import { RUNTIME_CLASS } from "./runtime-class.js";

/** The built-in resource types of the node.k8s.io group. */
export const NODE_TYPES: ApiTypeRegistration[] = [RUNTIME_CLASS] as ApiTypeRegistration[];
