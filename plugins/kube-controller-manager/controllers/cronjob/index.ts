import type { ControllerContext } from "../../controller-descriptor.js";
import { cronJobController } from "./cronjob-controller.js";

export function setupCronJobs({ mgr, concurrency }: ControllerContext): void {
  cronJobController(mgr, concurrency);
}
