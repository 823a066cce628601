import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { csi } from "../../core/index.js";

/** The StorageClass parameter naming the filesystem type (stripped from what the driver sees). */
export const FSTYPE_PARAMETER = "csi.storage.k8s.io/fstype";
/** StorageClass parameters with this prefix are for the sidecars, never passed to the driver. */
export const SIDECAR_PARAMETER_PREFIX = "csi.storage.k8s.io/";

/** A Kubernetes access mode as the CSI mode the sidecars request. */
export function csiModeOf(mode: string): csi.CsiAccessMode {
  switch (mode) {
    case "ReadWriteOnce":
    case "ReadWriteOncePod":
      return "SINGLE_NODE_WRITER";
    case "ReadOnlyMany":
      return "MULTI_NODE_READER_ONLY";
    case "ReadWriteMany":
      return "MULTI_NODE_MULTI_WRITER";
    default:
      return "UNKNOWN";
  }
}

/** One capability per access mode of the claim, block or mount by its volumeMode (external-provisioner's getVolumeCapabilities). */
export function claimCapabilities(claim: PersistentVolumeClaim, fsType: string | undefined, mountOptions: readonly string[] | undefined): csi.VolumeCapability[] {
  const block = claim.spec?.volumeMode === "Block";
  return (claim.spec?.accessModes ?? []).map((m) => ({
    accessMode: { mode: csiModeOf(m) },
    ...(block ? { block: {} } : { mount: { ...(fsType ? { fsType } : {}), ...(mountOptions?.length ? { mountFlags: [...mountOptions] } : {}) } }),
  }));
}

/** The class's parameters without the sidecars' own `csi.storage.k8s.io/*` keys. */
export function driverParameters(parameters: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parameters ?? {})) if (!k.startsWith(SIDECAR_PARAMETER_PREFIX)) out[k] = v;
  return out;
}
