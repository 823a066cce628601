import type { ControllerContext } from "../../controller-descriptor.js";
import { jobController } from "./job-controller.js";
import { ttlAfterFinishedController } from "./ttl-after-finished-controller.js";

export function setupJobs({ mgr, concurrency }: ControllerContext): void {
  jobController(mgr, concurrency);
}

export function setupTtlAfterFinished({ mgr, concurrency }: ControllerContext): void {
  ttlAfterFinishedController(mgr, concurrency);
}
