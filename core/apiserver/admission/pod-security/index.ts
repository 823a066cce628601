export { podSecurityAdmission, type PodSecurityConfiguration, type PodSecurityAuditEvent } from "./pod-security-admission.js";
export { evaluatePod, forbiddenDetail, forbiddenReason, policyMinor, MAX_POLICY_MINOR, POLICY_CHECKS, type PolicyCheck, type VersionedCheck, type CheckViolation } from "./policy-checks.js";
export { policyOf, LABEL_PREFIX, type LevelVersion, type NamespacePolicy, type PodSecurityLevel } from "./namespace-policy.js";
