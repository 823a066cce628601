import type { ApiTypeRegistration } from "../strategy.js";
import { CORE_TYPES } from "./core/index.js";
import { APPS_TYPES } from "./apps/index.js";
import { BATCH_TYPES } from "./batch/index.js";
import { AUTOSCALING_TYPES, AUTOSCALING_V1_TYPES } from "./autoscaling/index.js";
import { POLICY_TYPES } from "./policy/index.js";
import { SCHEDULING_TYPES } from "./scheduling/index.js";
import { DISCOVERY_TYPES } from "./discovery/index.js";
import { NETWORKING_TYPES } from "./networking/index.js";
import { COORDINATION_TYPES } from "./coordination/index.js";
import { STORAGE_TYPES } from "./storage/index.js";
import { RBAC_TYPES } from "./rbac/index.js";
import { APIEXTENSIONS_TYPES } from "./apiextensions/index.js";
import { APIREGISTRATION_TYPES } from "./apiregistration/index.js";
import { NODE_TYPES } from "./node/index.js";
import { ADMISSIONREGISTRATION_TYPES } from "./admissionregistration/index.js";
import { CERTIFICATES_TYPES } from "./certificates/index.js";

/** Every built-in resource type, core group first (so short names prefer it, as kubectl does). */
export const BUILT_IN_TYPES: readonly ApiTypeRegistration[] = [
  ...CORE_TYPES,
  ...APPS_TYPES,
  ...BATCH_TYPES,
  ...AUTOSCALING_TYPES,
  ...AUTOSCALING_V1_TYPES,
  ...POLICY_TYPES,
  ...SCHEDULING_TYPES,
  ...DISCOVERY_TYPES,
  ...NETWORKING_TYPES,
  ...COORDINATION_TYPES,
  ...STORAGE_TYPES,
  ...RBAC_TYPES,
  ...APIEXTENSIONS_TYPES,
  ...APIREGISTRATION_TYPES,
  ...NODE_TYPES,
  ...ADMISSIONREGISTRATION_TYPES,
  ...CERTIFICATES_TYPES,
];
