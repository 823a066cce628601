export { podSecurityAdmission, type PodSecurityConfiguration, type PodSecurityAuditEvent } from "./pod-security-admission.js";
export { evaluatePod, forbiddenDetail, forbiddenReason, POLICY_CHECKS, type PolicyCheck, type CheckViolation } from "./policy-checks.js";
export { policyOf, LABEL_PREFIX, type LevelVersion, type NamespacePolicy, type PodSecurityLevel } from "./namespace-policy.js";
