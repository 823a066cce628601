import type { ApiTypeRegistration } from "../../strategy.js";
import { CUSTOM_RESOURCE_DEFINITION } from "./custom-resource-definition.js";

/** The built-in resource types of this API group, in discovery order. */
export const APIEXTENSIONS_TYPES: ApiTypeRegistration[] = [CUSTOM_RESOURCE_DEFINITION] as ApiTypeRegistration[];

export { CUSTOM_RESOURCE_CLEANUP_FINALIZER, defaultCustomResourceDefinition } from "./custom-resource-definition.js";
