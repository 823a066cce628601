import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";

type ClaimStatus = NonNullable<PersistentVolumeClaim["status"]>;

/** The claim conditions the resize machinery owns (upstream's knownResizeConditions). */
export const RESIZE_CONDITIONS: ReadonlySet<string> = new Set(["Resizing", "FileSystemResizePending", "ControllerResizeError", "NodeResizeError"]);

/**
 * A claim's status once its volume has grown to `newSize` everywhere (MarkFSResizeFinished, as
 * the external-resizer and the kubelet write it): `capacity.storage` set, the resize conditions
 * and `allocatedResourceStatuses.storage` removed (empty lists and maps dropped).
 */
export function resizeFinishedStatus(status: ClaimStatus | undefined, newSize: string): ClaimStatus {
  const out: ClaimStatus = { ...status, capacity: { ...status?.capacity, storage: newSize } };
  const conditions = (status?.conditions ?? []).filter((c) => !RESIZE_CONDITIONS.has(c.type));
  if (conditions.length) out.conditions = conditions;
  else delete out.conditions;
  const statuses = { ...status?.allocatedResourceStatuses };
  delete statuses["storage"];
  if (Object.keys(statuses).length) out.allocatedResourceStatuses = statuses;
  else delete out.allocatedResourceStatuses;
  return out;
}
