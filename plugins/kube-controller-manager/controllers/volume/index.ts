import type { ControllerContext } from "../../controller-descriptor.js";
import { persistentVolumeController } from "./persistentvolume/pv-controller.js";
import { pvcProtectionController } from "./protection/pvc-protection-controller.js";
import { pvProtectionController } from "./protection/pv-protection-controller.js";

export function setupPersistentVolumeBinder({ mgr, concurrency }: ControllerContext): void {
  persistentVolumeController(mgr, concurrency);
}

export function setupPvcProtection({ mgr, concurrency }: ControllerContext): void {
  pvcProtectionController(mgr, concurrency);
}

export function setupPvProtection({ mgr, concurrency }: ControllerContext): void {
  pvProtectionController(mgr, concurrency);
}
