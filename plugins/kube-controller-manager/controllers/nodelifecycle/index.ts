import type { ControllerContext } from "../../controller-descriptor.js";
import { NODE_LIFECYCLE_DEFAULTS } from "../../options.js";
import { nodeLifecycleController } from "./node-lifecycle-controller.js";
import { taintEvictionController } from "./taint-eviction-controller.js";

export function setupNodeLifecycle({ mgr, concurrency, options }: ControllerContext): void {
  nodeLifecycleController(mgr, { ...NODE_LIFECYCLE_DEFAULTS, ...(options.nodeLifecycle ?? {}) }, concurrency);
}

export function setupTaintEviction({ mgr, concurrency }: ControllerContext): void {
  taintEvictionController(mgr, concurrency);
}

export { nodeLifecycleController, computeZoneState, type ZoneState, type NodeLifecycleController } from "./node-lifecycle-controller.js";
export { taintEvictionController, minTolerationSeconds } from "./taint-eviction-controller.js";
