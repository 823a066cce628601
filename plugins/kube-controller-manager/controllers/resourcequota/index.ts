import type { ControllerContext } from "../../controller-descriptor.js";
import { resourceQuotaController } from "./resource-quota-controller.js";

export function setupResourceQuota({ mgr, registry, concurrency }: ControllerContext): void {
  resourceQuotaController(mgr, registry, concurrency);
}

export { resourceQuotaController, sourcesOf, QUOTA_RESYNC_MS } from "./resource-quota-controller.js";
