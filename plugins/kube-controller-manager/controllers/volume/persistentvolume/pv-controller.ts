import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimClassUnset,
  controllerFor,
  defaultClassOf,
  findMatchingVolume,
  isDelayBinding,
  isStatusError,
  isVolumeBoundToClaim,
  volumeModeMismatch,
  volumeUnsatisfiedReason,
  type EventRecorder,
  type Manager,
  type Request,
} from "../../../../../core/index.js";
import { rfc3339 } from "../../../../../core/api/time.js";
import { indexVolumes, PV_BY_CLAIM_INDEX, PV_UNBOUND_BY_CLASS_INDEX } from "./volume-index.js";

/** The component name on the controller's Events (`kubectl describe pvc` shows it under From). */
export const PV_CONTROLLER_COMPONENT = "persistentvolume-controller";

/** Upstream's event message while a WaitForFirstConsumer claim has no pod yet. */
export const MSG_WAIT_FOR_FIRST_CONSUMER = "waiting for first consumer to be created before binding";

/** Upstream's event message while an external provisioner is expected to create the volume. */
export function externalProvisioningMessage(provisioner: string): string {
  return `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;
}

type Claim = PersistentVolumeClaim;
type Volume = PersistentVolume;

const claimKey = (c: { namespace?: string; name?: string }): string => `${c.namespace ?? ""}/${c.name ?? ""}`;

/**
 * The PersistentVolume controller (pkg/controller/volume/persistentvolume, `persistentvolume-binder-controller`):
 * binds claims to volumes and keeps both sides' phases right.
 *
 * Claims: an unbound claim binds the smallest available volume of its class that offers its access
 * modes, capacity, volume mode and selector (a volume pre-bound to it by `claimRef` first, a
 * volume it names in `volumeName` if that fits); WaitForFirstConsumer claims wait for the
 * scheduler's `volume.kubernetes.io/selected-node`; with nothing to bind, a claim with a class is
 * handed to the class's external provisioner (`volume.kubernetes.io/storage-provisioner`). A bound
 * claim whose volume is gone or bound elsewhere becomes Lost.
 *
 * Volumes: Available without a claim, Bound with one, Released once their claim is deleted, then
 * reclaimed by policy — Retain keeps them Released, Delete leaves them to the provisioner that
 * made them (`pv.kubernetes.io/provisioned-by`) or fails them when none did. A volume the
 * controller bound to a claim that went on to bind elsewhere is unbound again.
 */
export function persistentVolumeController(mgr: Manager, workers: number): void {
  const pvInformer = mgr.informers.forResource<Volume>("PersistentVolume");
  indexVolumes(pvInformer);
  const volumes = pvInformer.lister();
  const claims = mgr.informers.forResource<Claim>("PersistentVolumeClaim").lister();
  const classes = mgr.informers.forResource<StorageClass>("storageclasses.storage.k8s.io").lister();
  const pvClient = mgr.client.resource<Volume>("PersistentVolume");
  const pvcClient = mgr.client.resource<Claim>("PersistentVolumeClaim");
  const recorder: EventRecorder = mgr.getEventRecorderFor(PV_CONTROLLER_COMPONENT);

  // ---- writes -------------------------------------------------------------------------------

  async function updateClaimStatus(claim: Claim, phase: string, volume?: Volume): Promise<Claim> {
    const status = claim.status ?? {};
    // Capacity is copied only as the claim becomes Bound (upstream updateClaimStatus): afterwards a
    // difference is intentional — an expansion in progress, the file system not grown yet.
    const becomingBound = status.phase !== phase;
    const want = volume ? { ...status, phase, accessModes: volume.spec?.accessModes, ...(becomingBound ? { capacity: volume.spec?.capacity } : {}) } : { ...status, phase };
    const same = !becomingBound && (!volume || JSON.stringify(status.accessModes) === JSON.stringify(volume.spec?.accessModes));
    if (same) return claim;
    return pvcClient.updateStatus({ ...claim, status: want }, { namespace: claim.metadata!.namespace! });
  }

  async function updateVolumePhase(volume: Volume, phase: string, message?: string): Promise<Volume> {
    if (volume.status?.phase === phase && (message === undefined || volume.status?.message === message)) return volume;
    const status: Volume["status"] = { ...volume.status, phase, lastPhaseTransitionTime: volume.status?.phase === phase ? volume.status?.lastPhaseTransitionTime : rfc3339(mgr.clock.now()) };
    if (message !== undefined) status.message = message;
    else delete status.message;
    return pvClient.updateStatus({ ...volume, status });
  }

  /** Points the volume's claimRef at the claim (bindVolumeToClaim); marks bound-by-controller unless the user pre-bound it. */
  async function bindVolumeToClaim(volume: Volume, claim: Claim): Promise<Volume> {
    const ref = volume.spec?.claimRef;
    if (ref && ref.name === claim.metadata?.name && ref.namespace === claim.metadata?.namespace && ref.uid === claim.metadata?.uid) return volume;
    const annotations = { ...volume.metadata?.annotations };
    if (!isVolumeBoundToClaim(volume, claim)) annotations[ANN_BOUND_BY_CONTROLLER] = "yes";
    const claimRef = { kind: "PersistentVolumeClaim", namespace: claim.metadata!.namespace!, name: claim.metadata!.name!, uid: claim.metadata!.uid!, apiVersion: "v1", resourceVersion: claim.metadata!.resourceVersion! };
    return pvClient.update({ ...volume, metadata: { ...volume.metadata, annotations }, spec: { ...volume.spec, claimRef } });
  }

  /** Sets the claim's volumeName and bind-completed (bindClaimToVolume). */
  async function bindClaimToVolume(claim: Claim, volume: Volume): Promise<Claim> {
    const annotations = { ...claim.metadata?.annotations };
    const spec = { ...claim.spec };
    let changed = false;
    if (spec.volumeName !== volume.metadata!.name) {
      spec.volumeName = volume.metadata!.name!;
      annotations[ANN_BOUND_BY_CONTROLLER] = "yes";
      changed = true;
    }
    if (annotations[ANN_BIND_COMPLETED] !== "yes") {
      annotations[ANN_BIND_COMPLETED] = "yes";
      changed = true;
    }
    if (!changed) return claim;
    return pvcClient.update({ ...claim, metadata: { ...claim.metadata, annotations }, spec }, { namespace: claim.metadata!.namespace! });
  }

  /** The four writes of upstream's bind(): volume claimRef, volume phase, claim volumeName, claim phase. */
  async function bind(volume: Volume, claim: Claim): Promise<void> {
    const boundVolume = await bindVolumeToClaim(volume, claim);
    await updateVolumePhase(boundVolume, "Bound");
    const boundClaim = await bindClaimToVolume(claim, boundVolume);
    await updateClaimStatus(boundClaim, "Bound", boundVolume);
  }

  /** Clears a claimRef the controller set, or only its uid when the user pre-bound the volume (unbindVolume). */
  async function unbindVolume(volume: Volume): Promise<void> {
    const annotations = { ...volume.metadata?.annotations };
    const spec = { ...volume.spec };
    if (annotations[ANN_BOUND_BY_CONTROLLER]) {
      delete spec.claimRef;
      delete annotations[ANN_BOUND_BY_CONTROLLER];
    } else if (spec.claimRef) {
      spec.claimRef = { ...spec.claimRef, uid: "" };
    }
    const updated = await pvClient.update({ ...volume, metadata: { ...volume.metadata, annotations }, spec });
    await updateVolumePhase(updated, "Available");
  }

  // ---- claims -------------------------------------------------------------------------------

  async function syncClaim(req: Request): Promise<void> {
    const claim = claims.namespace(req.namespace ?? "").get(req.name);
    if (!claim) return;
    if (claim.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) await syncUnboundClaim(claim);
    else await syncBoundClaim(claim);
  }

  function candidateVolumes(claim: Claim): Volume[] {
    const idx = pvInformer.indexer;
    return [...idx.byIndex(PV_BY_CLAIM_INDEX, claimKey(claim.metadata ?? {})), ...idx.byIndex(PV_UNBOUND_BY_CLASS_INDEX, claimClass(claim))];
  }

  async function syncUnboundClaim(claim: Claim): Promise<void> {
    // Retroactive default class: a claim naming no class gets the default once one exists.
    if (claimClassUnset(claim)) {
      const def = defaultClassOf(classes.list());
      if (def) {
        // An update, as upstream (system:controller:persistent-volume-binder may not patch claims).
        await pvcClient.update({ ...claim, spec: { ...claim.spec, storageClassName: def.metadata!.name! } });
        return;
      }
    }
    const className = claimClass(claim);
    const sc = className ? classes.get(className) : undefined;
    const delayBinding = isDelayBinding(sc);
    if (!claim.spec?.volumeName) {
      const volume = findMatchingVolume(claim, candidateVolumes(claim), { delayBinding });
      if (volume) {
        await bind(volume, claim);
        return;
      }
      if (delayBinding && !claim.metadata?.annotations?.[ANN_SELECTED_NODE]) {
        recorder.event(claim, "Normal", "WaitForFirstConsumer", MSG_WAIT_FOR_FIRST_CONSUMER);
        await updateClaimStatus(claim, "Pending");
        return;
      }
      if (className) {
        await provisionClaim(claim, className, sc);
        return;
      }
      recorder.event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
      await updateClaimStatus(claim, "Pending");
      return;
    }
    // Pre-bound by the user through volumeName.
    const volume = volumes.get(claim.spec.volumeName);
    if (!volume) {
      await updateClaimStatus(claim, "Pending");
      return;
    }
    if (!volume.spec?.claimRef) {
      const reason = volumeUnsatisfiedReason(volume, claim);
      if (reason) {
        recorder.eventf(claim, "Warning", "VolumeMismatch", "Cannot bind to requested volume %q: %s", volume.metadata!.name!, reason);
        await updateClaimStatus(claim, "Pending");
        return;
      }
      await bind(volume, claim);
      return;
    }
    if (isVolumeBoundToClaim(volume, claim)) {
      await bind(volume, claim);
      return;
    }
    if (claim.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) throw new Error(`claim ${claimKey(claim.metadata)} is bound by the controller to volume ${volume.metadata!.name} that is bound to another claim`);
    recorder.eventf(claim, "Warning", "FailedBinding", "volume %q already bound to a different claim.", volume.metadata!.name!);
    await updateClaimStatus(claim, "Pending");
  }

  /** Hands the claim to its class's external provisioner (provisionClaim for out-of-tree provisioners). */
  async function provisionClaim(claim: Claim, className: string, sc: StorageClass | undefined): Promise<void> {
    if (!sc) {
      recorder.eventf(claim, "Warning", "ProvisioningFailed", "storageclass.storage.k8s.io %q not found", className);
      await updateClaimStatus(claim, "Pending");
      return;
    }
    const provisioner = sc.provisioner;
    const ann = claim.metadata?.annotations ?? {};
    let current = claim;
    if (ann[ANN_STORAGE_PROVISIONER] !== provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      current = (await pvcClient.update({ ...claim, metadata: { ...claim.metadata, annotations: { ...ann, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } })) as Claim;
    }
    recorder.event(claim, "Normal", "ExternalProvisioning", externalProvisioningMessage(provisioner));
    await updateClaimStatus(current, "Pending");
  }

  async function syncBoundClaim(claim: Claim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      if (claim.status?.phase !== "Lost") recorder.event(claim, "Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
      await updateClaimStatus(claim, "Lost");
      return;
    }
    const volume = volumes.get(volumeName);
    if (!volume) {
      if (claim.status?.phase !== "Lost") recorder.event(claim, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
      await updateClaimStatus(claim, "Lost");
      return;
    }
    if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) {
      await bind(volume, claim);
      return;
    }
    if (claim.status?.phase !== "Lost") recorder.event(claim, "Warning", "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
    await updateClaimStatus(claim, "Lost");
  }

  // ---- volumes ------------------------------------------------------------------------------

  async function syncVolume(req: Request): Promise<void> {
    const volume = volumes.get(req.name);
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    if (!ref) {
      await updateVolumePhase(volume, "Available");
      return;
    }
    if (!ref.uid) {
      // Pre-bound by the user to a claim not bound yet: the claim's sync binds it.
      await updateVolumePhase(volume, "Available");
      return;
    }
    let claim = claims.namespace(ref.namespace ?? "").get(ref.name ?? "");
    if (!claim) {
      // Not in the cache: ask the API server before declaring the volume released.
      try {
        claim = await pvcClient.get(ref.name!, { namespace: ref.namespace! });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
    if (claim && claim.metadata?.uid !== ref.uid) claim = undefined; // deleted and created again
    if (!claim) {
      await releaseVolume(volume);
      return;
    }
    if (!claim.spec?.volumeName) {
      if (volumeModeMismatch(claim, volume)) {
        recorder.eventf(volume, "Warning", "VolumeMismatch", "Cannot bind PersistentVolume to requested PersistentVolumeClaim %q due to incompatible volumeMode.", claim.metadata!.name!);
      }
      return; // the claim's sync finishes (or undoes) the binding
    }
    if (claim.spec.volumeName === volume.metadata!.name) {
      await updateVolumePhase(volume, "Bound");
      return;
    }
    // The claim is bound to another volume.
    const ann = volume.metadata?.annotations ?? {};
    if (ann[ANN_DYNAMICALLY_PROVISIONED] && volume.spec?.persistentVolumeReclaimPolicy === "Delete") {
      await releaseVolume(volume);
      return;
    }
    if (ann[ANN_BOUND_BY_CONTROLLER]) await unbindVolume(volume);
  }

  /** The volume's claim is gone: Released, then reclaimed by policy (reclaimVolume). */
  async function releaseVolume(volume: Volume): Promise<void> {
    const phase = volume.status?.phase;
    let current = volume;
    if (phase !== "Released" && phase !== "Failed") current = await updateVolumePhase(volume, "Released");
    switch (volume.spec?.persistentVolumeReclaimPolicy) {
      case "Retain":
        return;
      case "Recycle":
        if (current.status?.phase !== "Failed") {
          recorder.eventf(current, "Warning", "VolumeFailedRecycle", "No recycler plugin found for the volume!");
          await updateVolumePhase(current, "Failed", "No recycler plugin found for the volume!");
        }
        return;
      case "Delete":
      default:
        if (current.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED]) return; // its provisioner deletes it
        if (current.status?.phase !== "Failed") {
          const message = `error getting deleter volume plugin for volume "${current.metadata!.name}": no deletable volume plugin matched`;
          recorder.event(current, "Warning", "VolumeFailedDelete", message);
          await updateVolumePhase(current, "Failed", message);
        }
    }
  }

  // ---- wiring -------------------------------------------------------------------------------

  const retryConflicts = (sync: (req: Request) => Promise<void>) => async (req: Request) => {
    try {
      await sync(req);
    } catch (err) {
      // A stale cache lost an update race: the watch brings the newer object and requeues it.
      if (isStatusError(err, "Conflict")) return { requeueAfter: 100 };
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    }
    return undefined;
  };

  controllerFor(mgr)
    .named("persistentvolume-binder-claims")
    .for<Claim>("PersistentVolumeClaim")
    .watches<Volume>("PersistentVolume", (pv) => (pv.spec?.claimRef?.name ? [{ namespace: pv.spec.claimRef.namespace ?? "", name: pv.spec.claimRef.name }] : []))
    .watches<StorageClass>("storageclasses.storage.k8s.io", () => claims.list().filter((c) => c.status?.phase === "Pending").map((c) => ({ namespace: c.metadata!.namespace!, name: c.metadata!.name! })))
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({ reconcile: retryConflicts(syncClaim) });

  controllerFor(mgr)
    .named("persistentvolume-binder-volumes")
    .for<Volume>("PersistentVolume")
    .watches<Claim>("PersistentVolumeClaim", (pvc) => {
      const out = pvInformer.indexer.byIndex(PV_BY_CLAIM_INDEX, claimKey(pvc.metadata ?? {})).map((pv) => ({ name: pv.metadata!.name! }));
      if (pvc.spec?.volumeName) out.push({ name: pvc.spec.volumeName });
      return out;
    })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({ reconcile: retryConflicts(syncVolume) });
}
