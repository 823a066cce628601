import type { PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { podClaimNames, type Lister } from "../../../core/index.js";
import type { CycleState } from "../framework/cycle-state.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type FrameworkHandle, type PreFilterPlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";

export const ERR_REASON_RWOP_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

/**
 * VolumeRestrictions (pkg/scheduler/framework/plugins/volumerestrictions), its ReadWriteOncePod
 * part: a pod using a ReadWriteOncePod claim that another scheduled pod already uses cannot be
 * scheduled anywhere (Unschedulable, so preemption may free the claim). Pods without such claims
 * skip it.
 */
export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  static readonly pluginName = "VolumeRestrictions";
  readonly name = VolumeRestrictions.pluginName;
  private readonly claims: Lister<PersistentVolumeClaim>;

  constructor(private readonly handle: FrameworkHandle) {
    this.claims = handle.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  }

  preFilter(_state: CycleState, pod: Pod): Status | null {
    const ns = pod.metadata?.namespace ?? "";
    const rwop = podClaimNames(pod).filter((n) => this.claims.namespace(ns).get(n)?.spec?.accessModes?.includes("ReadWriteOncePod"));
    if (rwop.length === 0) return Status.skip();
    for (const nodeInfo of this.handle.snapshot.list()) {
      for (const other of nodeInfo.pods) {
        const p = other.pod;
        if (p.metadata?.uid === pod.metadata?.uid || p.metadata?.namespace !== ns) continue;
        if (podClaimNames(p).some((n) => rwop.includes(n))) return Status.unschedulable(ERR_REASON_RWOP_CONFLICT);
      }
    }
    return null;
  }

  filter(): Status | null {
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Pod", actionType: ActionType.Delete } },
      { event: { resource: "PersistentVolumeClaim", actionType: ActionType.Add | ActionType.UpdateOther } },
    ];
  }
}
