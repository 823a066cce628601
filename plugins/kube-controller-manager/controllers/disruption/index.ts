import type { ControllerContext } from "../../controller-descriptor.js";
import { disruptionController } from "./disruption-controller.js";

export function setupDisruption({ mgr, concurrency }: ControllerContext): void {
  disruptionController(mgr, concurrency);
}

export { disruptionController, DELETION_TIMEOUT_MS, type BudgetCounts } from "./disruption-controller.js";
