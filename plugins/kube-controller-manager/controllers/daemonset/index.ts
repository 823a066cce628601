import type { ControllerContext } from "../../controller-descriptor.js";
import { daemonSetController } from "./daemon-set-controller.js";

export function setupDaemonSets({ mgr, concurrency }: ControllerContext): void {
  daemonSetController(mgr, concurrency);
}
