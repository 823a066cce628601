import type { ApiTypeRegistration } from "../../strategy.js";
import { API_SERVICE } from "./api-service.js";

export { API_SERVICE, type ApiService } from "./api-service.js";

/** The built-in resource types of apiregistration.k8s.io. */
export const APIREGISTRATION_TYPES: ApiTypeRegistration[] = [API_SERVICE as ApiTypeRegistration];
