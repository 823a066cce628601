import type { ApiTypeRegistration } from "../../strategy.js";
import { ENDPOINT_SLICE } from "./endpoint-slice.js";

/** The built-in resource types of this API group, in discovery order. */
export const DISCOVERY_TYPES: ApiTypeRegistration[] = [ENDPOINT_SLICE] as ApiTypeRegistration[];
