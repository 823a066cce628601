import type { ApiTypeRegistration } from "../../strategy.js";
import { HORIZONTAL_POD_AUTOSCALER } from "./horizontal-pod-autoscaler.js";
import { HORIZONTAL_POD_AUTOSCALER_V1 } from "./horizontal-pod-autoscaler-v1.js";

/** The built-in resource types of this API group, in discovery order. */
export const AUTOSCALING_TYPES: ApiTypeRegistration[] = [HORIZONTAL_POD_AUTOSCALER] as ApiTypeRegistration[];

/** autoscaling/v1, served from the autoscaling/v2 objects (kube-apiserver serves both; v2 is preferred). */
export const AUTOSCALING_V1_TYPES: ApiTypeRegistration[] = [HORIZONTAL_POD_AUTOSCALER_V1] as ApiTypeRegistration[];

export { hpaV1ToV2, hpaV2ToV1 } from "./horizontal-pod-autoscaler-v1.js";
export { defaultHorizontalPodAutoscaler, DEFAULT_CPU_UTILIZATION } from "./horizontal-pod-autoscaler.js";
