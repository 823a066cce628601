import type { PersistentVolume } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, PV_PROTECTION_FINALIZER, type Manager } from "../../../../../core/index.js";
import { withFinalizer, isDeletionCandidate, needsFinalizer } from "./finalizers.js";

/**
 * The PV protection controller (pkg/controller/volume/pvprotection,
 * `persistentvolume-protection-controller`): keeps `kubernetes.io/pv-protection` on every live
 * volume and removes it from a deleted volume once it is no longer Bound.
 */
export function pvProtectionController(mgr: Manager, workers: number): void {
  const volumes = mgr.informers.forResource<PersistentVolume>("PersistentVolume").lister();
  const pvClient = mgr.client.resource<PersistentVolume>("PersistentVolume");
  controllerFor(mgr)
    .named("persistentvolume-protection")
    .for<PersistentVolume>("PersistentVolume")
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const pv = volumes.get(req.name);
        if (!pv) return;
        try {
          if (isDeletionCandidate(pv.metadata, PV_PROTECTION_FINALIZER)) {
            if (pv.status?.phase === "Bound") return;
            await pvClient.update(withFinalizer(pv, PV_PROTECTION_FINALIZER, false));
          } else if (needsFinalizer(pv.metadata, PV_PROTECTION_FINALIZER)) {
            await pvClient.update(withFinalizer(pv, PV_PROTECTION_FINALIZER, true));
          }
        } catch (err) {
          if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
        }
      },
    });
}
