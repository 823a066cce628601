import type { ControllerContext } from "../../controller-descriptor.js";
import { statefulSetController } from "./stateful-set-controller.js";

export function setupStatefulSets({ mgr, concurrency }: ControllerContext): void {
  statefulSetController(mgr, concurrency);
}
