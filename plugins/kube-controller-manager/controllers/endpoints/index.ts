import type { ControllerContext } from "../../controller-descriptor.js";
import { endpointSliceController } from "./endpoint-slice-controller.js";
import { endpointsController } from "./endpoints-controller.js";
import { endpointSliceMirroringController } from "./endpoint-slice-mirroring-controller.js";

export function setupEndpoints({ mgr, concurrency }: ControllerContext): void {
  endpointsController(mgr, concurrency);
}

export function setupEndpointSlices({ mgr, concurrency }: ControllerContext): void {
  endpointSliceController(mgr, concurrency);
}

export function setupEndpointSliceMirroring({ mgr, concurrency }: ControllerContext): void {
  endpointSliceMirroringController(mgr, concurrency);
}
