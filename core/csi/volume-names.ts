import { createHash } from "node:crypto";

/**
 * Names the kubelet, the attach/detach controller and the external-attacher agree on for a CSI
 * volume (upstream pkg/volume/csi).
 */

/** A CSI volume's unique name (node status `volumesInUse` / `volumesAttached`): `kubernetes.io/csi/<driver>^<handle>`. */
export function csiUniqueName(driver: string, handle: string): string {
  return `kubernetes.io/csi/${driver}^${handle}`;
}

/** The VolumeAttachment of a volume on a node: `csi-<sha256(handle + driver + node)>`. */
export function volumeAttachmentName(handle: string, driver: string, nodeName: string): string {
  return `csi-${createHash("sha256").update(`${handle}${driver}${nodeName}`).digest("hex")}`;
}
