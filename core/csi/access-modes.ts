import type { CsiAccessMode, VolumeCapability } from "./types.js";
import { CsiError } from "./errors.js";

/**
 * A PV's access mode as the CSI access mode the Kubernetes side asks for (csi-translation /
 * external-provisioner's mapping). With `singleNodeMultiWriter` (the driver advertises
 * SINGLE_NODE_MULTI_WRITER) ReadWriteOnce maps to SINGLE_NODE_MULTI_WRITER, as upstream does.
 */
export function csiAccessMode(mode: string, singleNodeMultiWriter = false): CsiAccessMode {
  switch (mode) {
    case "ReadWriteOnce":
      return singleNodeMultiWriter ? "SINGLE_NODE_MULTI_WRITER" : "SINGLE_NODE_WRITER";
    case "ReadOnlyMany":
      return "MULTI_NODE_READER_ONLY";
    case "ReadWriteMany":
      return "MULTI_NODE_MULTI_WRITER";
    case "ReadWriteOncePod":
      return singleNodeMultiWriter ? "SINGLE_NODE_SINGLE_WRITER" : "SINGLE_NODE_WRITER";
    default:
      return "UNKNOWN";
  }
}

/** Modes that allow the volume on one node at a time. */
export function isSingleNodeMode(mode: CsiAccessMode): boolean {
  return mode === "SINGLE_NODE_WRITER" || mode === "SINGLE_NODE_READER_ONLY" || mode === "SINGLE_NODE_SINGLE_WRITER" || mode === "SINGLE_NODE_MULTI_WRITER";
}

/** Modes that never write. */
export function isReadOnlyMode(mode: CsiAccessMode): boolean {
  return mode === "SINGLE_NODE_READER_ONLY" || mode === "MULTI_NODE_READER_ONLY";
}

/** INVALID_ARGUMENT `<what> missing in request` (the csi-sanity wording) when `value` is empty. */
export function requireField(value: unknown, what: string): void {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) throw new CsiError("INVALID_ARGUMENT", `${what} missing in request`);
}

/**
 * Checks capabilities against what a driver supports: INVALID_ARGUMENT for a capability with
 * neither or both of block and mount; otherwise the reason the first unsupported one is refused
 * (`undefined` when all are supported).
 */
export function unsupportedCapability(caps: readonly VolumeCapability[], supported: { modes: readonly CsiAccessMode[]; block: boolean }): string | undefined {
  for (const cap of caps) {
    if (!cap.accessMode?.mode) throw new CsiError("INVALID_ARGUMENT", "volume capability access mode not set");
    if (!!cap.block === !!cap.mount) throw new CsiError("INVALID_ARGUMENT", "volume capability access type not set");
    if (cap.block && !supported.block) return "access type block is not supported";
    if (!supported.modes.includes(cap.accessMode.mode)) return `access mode ${cap.accessMode.mode} is not supported`;
  }
  return undefined;
}
