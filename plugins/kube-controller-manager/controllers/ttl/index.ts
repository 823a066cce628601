import type { ControllerContext } from "../../controller-descriptor.js";
import { ttlController } from "./ttl-controller.js";

export function setupTtl({ mgr, concurrency }: ControllerContext): void {
  ttlController(mgr, concurrency);
}
