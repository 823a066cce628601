import type { ApiTypeRegistration } from "../../strategy.js";
import { CSI_DRIVER } from "./csi-driver.js";
import { CSI_NODE } from "./csi-node.js";
import { CSI_STORAGE_CAPACITY } from "./csi-storage-capacity.js";
import { STORAGE_CLASS } from "./storage-class.js";
import { VOLUME_ATTACHMENT } from "./volume-attachment.js";

/** The built-in resource types of this API group, in discovery order. */
export const STORAGE_TYPES: ApiTypeRegistration[] = [CSI_DRIVER, CSI_NODE, CSI_STORAGE_CAPACITY, STORAGE_CLASS, VOLUME_ATTACHMENT] as ApiTypeRegistration[];

export { defaultStorageClass } from "./storage-class.js";
export { defaultCSIDriver } from "./csi-driver.js";
