import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimCondition, Pod } from "kubernetes-types/core/v1.js";
import { compareQuantities, controllerFor, isCsiError, podClaimNames, RESIZE_CONDITIONS, resizeFinishedStatus, storageOf, type Request } from "../../core/index.js";
import { rfc3339 } from "../../core/api/time.js";
import type { SidecarContext } from "./external-provisioner.js";
import { bytesQuantity, quantityBytes } from "./quantities.js";

/** The condition message upstream puts on a claim whose filesystem the kubelet must still grow. */
export const FS_RESIZE_PENDING_MESSAGE = "Waiting for user to (re-)start a pod to finish file system resize of volume on node.";

const POD_CLAIM_INDEX = "external-resizer:pod-claims";

/**
 * The external-resizer role for one driver (kubernetes-csi/external-resizer): a bound claim of a
 * PV of this driver whose `resources.requests.storage` grew past its `status.capacity` gets the
 * `Resizing` condition and `allocatedResourceStatuses.storage: ControllerResizeInProgress`,
 * ControllerExpandVolume, the PV's new capacity, and then either its new `status.capacity` (done)
 * or — when the driver needs the node to grow the filesystem — the `FileSystemResizePending`
 * condition and `NodeResizePending`, which the kubelet clears after NodeExpandVolume. A driver
 * that only expands OFFLINE waits until no pod uses the claim. The admission
 * plugin PersistentVolumeClaimResize already refused the growth unless the class allows expansion.
 */
export function externalResizer(ctx: SidecarContext): void {
  const { mgr, driver, plugin } = ctx;
  const claims = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  const volumes = mgr.informers.forResource<PersistentVolume>("PersistentVolume").lister();
  const pvClient = mgr.client.resource<PersistentVolume>("PersistentVolume");
  const pvcClient = mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const recorder = mgr.getEventRecorderFor(`external-resizer ${driver}`);
  const podInformer = mgr.informers.forResource<Pod>("Pod");
  if (!podInformer.indexer.indexNames().includes(POD_CLAIM_INDEX)) podInformer.addIndexers({ [POD_CLAIM_INDEX]: (p) => podClaimNames(p).map((n) => `${p.metadata?.namespace}/${n}`) });
  const pods = podInformer.indexer;

  const condition = (type: string, message?: string): PersistentVolumeClaimCondition => ({ type, status: "True", lastTransitionTime: rfc3339(mgr.clock.now()), ...(message ? { message } : {}) });

  async function setStatus(claim: PersistentVolumeClaim, status: PersistentVolumeClaim["status"]): Promise<PersistentVolumeClaim> {
    return pvcClient.updateStatus({ ...claim, status }, { namespace: claim.metadata!.namespace! });
  }

  async function resize(claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    const requested = storageOf(claim.spec?.resources?.requests);
    const key = `${claim.metadata!.namespace}/${claim.metadata!.name}`;
    // A driver that only grows volumes offline waits until no pod uses the claim.
    if (!(await (onlineExpansion ??= supportsOnlineExpansion())) && claimInUse(claim)) {
      recorder.eventf(claim, "Warning", "VolumeResizeFailed", "Unable to expand %s because CSI driver %s only supports offline expansion and volume is currently in-use", key, driver);
      return;
    }
    const conditions = (claim.status?.conditions ?? []).filter((c) => !RESIZE_CONDITIONS.has(c.type));
    let current = await setStatus(claim, { ...claim.status, conditions: [...conditions, condition("Resizing")], allocatedResources: { ...claim.status?.allocatedResources, storage: claim.spec!.resources!.requests!["storage"]! }, allocatedResourceStatuses: { ...claim.status?.allocatedResourceStatuses, storage: "ControllerResizeInProgress" } });
    recorder.eventf(claim, "Normal", "Resizing", "External resizer is resizing volume %s", pv.metadata!.name!);
    let response;
    try {
      if (!plugin.controller.controllerExpandVolume) throw new Error("rpc error: code = Unimplemented desc = ControllerExpandVolume");
      response = await plugin.controller.controllerExpandVolume({ volumeId: pv.spec!.csi!.volumeHandle, capacityRange: { requiredBytes: quantityBytes(requested) } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      recorder.eventf(claim, "Warning", "VolumeResizeFailed", "resize volume %q by resizer %q failed: %s", pv.metadata!.name!, driver, message);
      // Errors the driver will answer the same way again make the request infeasible (the user may lower it to recover).
      const infeasible = isCsiError(err, "INVALID_ARGUMENT") || isCsiError(err, "OUT_OF_RANGE") || isCsiError(err, "NOT_FOUND");
      const latest = await pvcClient.get(claim.metadata!.name!, { namespace: claim.metadata!.namespace! });
      const rest = (latest.status?.conditions ?? []).filter((c) => c.type !== "ControllerResizeError");
      await setStatus(latest, { ...latest.status, conditions: [...rest, condition("ControllerResizeError", `failed to expand pvc with ${message}`)], allocatedResourceStatuses: { ...latest.status?.allocatedResourceStatuses, storage: infeasible ? "ControllerResizeInfeasible" : "ControllerResizeInProgress" } });
      if (infeasible) return;
      throw err;
    }
    const newSize = bytesQuantity(response.capacityBytes);
    await pvClient.update({ ...pv, spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage: newSize } } });
    // The claim as the API server has it now (the informer's copy may not have seen our Resizing write yet).
    current = await pvcClient.get(claim.metadata!.name!, { namespace: claim.metadata!.namespace! });
    const rest = (current.status?.conditions ?? []).filter((c) => !RESIZE_CONDITIONS.has(c.type));
    if (response.nodeExpansionRequired) {
      // MarkForFSResize: the kubelet finishes with NodeExpandVolume and clears both.
      await setStatus(current, { ...current.status, conditions: [...rest, condition("FileSystemResizePending", FS_RESIZE_PENDING_MESSAGE)], allocatedResourceStatuses: { ...current.status?.allocatedResourceStatuses, storage: "NodeResizePending" } });
      recorder.event(claim, "Normal", "FileSystemResizeRequired", "Require file system resize of volume on node");
    } else {
      const status = resizeFinishedStatus(current.status, newSize);
      await setStatus(current, status);
      recorder.event(claim, "Normal", "VolumeResizeSuccessful", "Resize volume succeeded");
    }
  }

  let onlineExpansion: Promise<boolean> | undefined;
  async function supportsOnlineExpansion(): Promise<boolean> {
    const caps = await plugin.identity.getPluginCapabilities();
    return caps.capabilities.some((c) => "volumeExpansion" in c && c.volumeExpansion.type === "ONLINE");
  }

  /** A scheduled pod that has not finished uses the claim (external-resizer's in-use check). */
  function claimInUse(claim: PersistentVolumeClaim): boolean {
    return pods.byIndex(POD_CLAIM_INDEX, `${claim.metadata!.namespace}/${claim.metadata!.name}`).some((p) => !!p.spec?.nodeName && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  }

  controllerFor(mgr)
    .named(`${driver}/external-resizer`)
    .for<PersistentVolumeClaim>("PersistentVolumeClaim")
    // A pod that stops using a claim may let an offline expansion go ahead.
    .watches<Pod>("Pod", (p) => podClaimNames(p).map((name) => ({ namespace: p.metadata!.namespace!, name })), { predicates: [{ create: () => false, update: (o, n) => (o as Pod).status?.phase !== (n as Pod).status?.phase, delete: () => true }] })
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
        // Found infeasible for this very size: only a new request is tried again.
        const allocated = claim.status?.allocatedResources?.["storage"];
        if (claim.status?.allocatedResourceStatuses?.["storage"] === "ControllerResizeInfeasible" && allocated !== undefined && compareQuantities(requested, storageOf({ storage: allocated })) === 0) return;
        await resize(claim, pv);
      },
    });
}
