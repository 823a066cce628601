import type { ApiTypeRegistration } from "../../strategy.js";
import { MUTATING_WEBHOOK_CONFIGURATION, VALIDATING_WEBHOOK_CONFIGURATION } from "./webhook-configuration.js";
import { VALIDATING_ADMISSION_POLICY, VALIDATING_ADMISSION_POLICY_BINDING } from "./validating-admission-policy.js";

/** The built-in resource types of this API group, in discovery order. */
export const ADMISSIONREGISTRATION_TYPES: ApiTypeRegistration[] = [MUTATING_WEBHOOK_CONFIGURATION, VALIDATING_ADMISSION_POLICY, VALIDATING_ADMISSION_POLICY_BINDING, VALIDATING_WEBHOOK_CONFIGURATION] as ApiTypeRegistration[];

export { validateClientConfig, type AdmissionRule } from "./webhook-configuration.js";
