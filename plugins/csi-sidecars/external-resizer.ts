import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimCondition } from "kubernetes-types/core/v1.js";
import { compareQuantities, controllerFor, storageOf, type Request } from "../../core/index.js";
import { rfc3339 } from "../../core/api/time.js";
import type { SidecarContext } from "./external-provisioner.js";
import { bytesQuantity, quantityBytes } from "./quantities.js";

/** The condition message upstream puts on a claim whose filesystem the kubelet must still grow. */
export const FS_RESIZE_PENDING_MESSAGE = "Waiting for user to (re-)start a pod to finish file system resize of volume on node.";

/**
 * The external-resizer role for one driver (kubernetes-csi/external-resizer): a bound claim of a
 * PV of this driver whose `resources.requests.storage` grew past its `status.capacity` gets the
 * `Resizing` condition, ControllerExpandVolume, the PV's new capacity, and then either its new
 * `status.capacity` (done) or — when the driver needs the node to grow the filesystem — the
 * `FileSystemResizePending` condition the kubelet clears after NodeExpandVolume. The admission
 * plugin PersistentVolumeClaimResize already refused the growth unless the class allows expansion.
 */
export function externalResizer(ctx: SidecarContext): void {
  const { mgr, driver, plugin } = ctx;
  const claims = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  const volumes = mgr.informers.forResource<PersistentVolume>("PersistentVolume").lister();
  const pvClient = mgr.client.resource<PersistentVolume>("PersistentVolume");
  const pvcClient = mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const recorder = mgr.getEventRecorderFor(`external-resizer ${driver}`);

  const condition = (type: string, message?: string): PersistentVolumeClaimCondition => ({ type, status: "True", lastTransitionTime: rfc3339(mgr.clock.now()), ...(message ? { message } : {}) });

  async function setStatus(claim: PersistentVolumeClaim, status: PersistentVolumeClaim["status"]): Promise<PersistentVolumeClaim> {
    return pvcClient.updateStatus({ ...claim, status }, { namespace: claim.metadata!.namespace! });
  }

  async function resize(claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    const requested = storageOf(claim.spec?.resources?.requests);
    const conditions = (claim.status?.conditions ?? []).filter((c) => c.type !== "Resizing" && c.type !== "FileSystemResizePending");
    let current = await setStatus(claim, { ...claim.status, conditions: [...conditions, condition("Resizing")], allocatedResources: { storage: claim.spec!.resources!.requests!["storage"]! } });
    recorder.eventf(claim, "Normal", "Resizing", "External resizer is resizing volume %s", pv.metadata!.name!);
    let response;
    try {
      if (!plugin.controller.controllerExpandVolume) throw new Error("rpc error: code = Unimplemented desc = ControllerExpandVolume");
      response = await plugin.controller.controllerExpandVolume({ volumeId: pv.spec!.csi!.volumeHandle, capacityRange: { requiredBytes: quantityBytes(requested) } });
    } catch (err) {
      recorder.eventf(claim, "Warning", "VolumeResizeFailed", "resize volume %q by resizer %q failed: %s", pv.metadata!.name!, driver, err instanceof Error ? err.message : String(err));
      throw err;
    }
    const newSize = bytesQuantity(response.capacityBytes);
    await pvClient.update({ ...pv, spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage: newSize } } });
    // The claim as the API server has it now (the informer's copy may not have seen our Resizing write yet).
    current = await pvcClient.get(claim.metadata!.name!, { namespace: claim.metadata!.namespace! });
    const rest = (current.status?.conditions ?? []).filter((c) => c.type !== "Resizing");
    if (response.nodeExpansionRequired) {
      await setStatus(current, { ...current.status, conditions: [...rest, condition("FileSystemResizePending", FS_RESIZE_PENDING_MESSAGE)] });
      recorder.event(claim, "Normal", "FileSystemResizeRequired", "Require file system resize of volume on node");
    } else {
      const status: PersistentVolumeClaim["status"] = { ...current.status, capacity: { ...current.status?.capacity, storage: newSize } };
      if (rest.length) status.conditions = rest;
      else delete status.conditions;
      await setStatus(current, status);
      recorder.event(claim, "Normal", "VolumeResizeSuccessful", "Resize volume succeeded");
    }
  }

  controllerFor(mgr)
    .named(`${driver}/external-resizer`)
    .for<PersistentVolumeClaim>("PersistentVolumeClaim")
    .withOptions({ maxConcurrentReconciles: 2 })
    .complete({
      async reconcile(req: Request) {
        const claim = claims.namespace(req.namespace ?? "").get(req.name);
        if (!claim || claim.status?.phase !== "Bound" || !claim.spec?.volumeName) return;
        const pv = volumes.get(claim.spec.volumeName);
        if (!pv || pv.spec?.csi?.driver !== driver) return;
        const requested = storageOf(claim.spec.resources?.requests);
        // Grown past the PV: the controller side has work to do (FileSystemResizePending claims wait for the kubelet).
        if (compareQuantities(requested, storageOf(pv.spec.capacity)) <= 0) return;
        await resize(claim, pv);
      },
    });
}
