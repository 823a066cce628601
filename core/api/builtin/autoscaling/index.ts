import type { ApiTypeRegistration } from "../../strategy.js";
import { HORIZONTAL_POD_AUTOSCALER } from "./horizontal-pod-autoscaler.js";

/** The built-in resource types of this API group, in discovery order. */
export const AUTOSCALING_TYPES: ApiTypeRegistration[] = [HORIZONTAL_POD_AUTOSCALER] as ApiTypeRegistration[];

export { defaultHorizontalPodAutoscaler, DEFAULT_CPU_UTILIZATION } from "./horizontal-pod-autoscaler.js";
