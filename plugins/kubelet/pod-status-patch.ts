import type { Pod, PodStatus } from "kubernetes-types/core/v1.js";
import { createStrategicMergePatch } from "../../core/api/patch/index.js";

/**
 * The strategic merge patch a kubelet sends to `pods/<name>/status` (upstream's
 * statusutil.PatchPodStatus): the two-way diff from the pod's status as last read to the new one
 * — only what changed, conditions merged by type with `$setElementOrder/conditions`, container
 * statuses whole when they changed — with `metadata.uid` as a precondition, so the patch never
 * lands on another pod of the same name. Undefined when nothing changed: upstream skips that
 * write (its patch would be only the uid). `uid` undefined: no precondition (a static pod's
 * mirror, whose uid the pod worker does not track). `current` undefined: the whole status.
 */
export function podStatusPatch(uid: string | undefined, current: PodStatus | undefined, status: PodStatus): Pod | undefined {
  const patch = createStrategicMergePatch({ status: current }, { status }, "Pod", { nullIsUnset: true }) as Pod;
  if (!patch.status) return undefined;
  return uid === undefined ? patch : { metadata: { uid }, status: patch.status };
}
