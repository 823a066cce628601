import type { ControllerContext } from "../../controller-descriptor.js";
import { deploymentController } from "./deployment-controller.js";

export function setupDeployments({ mgr, concurrency }: ControllerContext): void {
  deploymentController(mgr, concurrency);
}
