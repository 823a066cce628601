import type { ControllerContext } from "../../controller-descriptor.js";
import { attachDetachController } from "./attach-detach-controller.js";

export function setupAttachDetach({ mgr }: ControllerContext): void {
  attachDetachController(mgr, 1);
}
