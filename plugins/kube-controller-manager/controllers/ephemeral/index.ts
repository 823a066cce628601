import type { ControllerContext } from "../../controller-descriptor.js";
import { ephemeralVolumeController } from "./ephemeral-volume-controller.js";

export function setupEphemeralVolumes({ mgr, concurrency }: ControllerContext): void {
  ephemeralVolumeController(mgr, concurrency);
}
