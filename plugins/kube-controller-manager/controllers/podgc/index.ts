import type { ControllerContext } from "../../controller-descriptor.js";
import { podGcController } from "./pod-gc-controller.js";

export function setupPodGc({ mgr, options }: ControllerContext): void {
  podGcController(mgr, { terminatedPodThreshold: options.terminatedPodGcThreshold ?? 12_500 });
}

export { podGcController, POD_GC_PERIOD_MS, QUARANTINE_MS, type PodGcSettings } from "./pod-gc-controller.js";
