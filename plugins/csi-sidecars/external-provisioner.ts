import type { Node, PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { CSINode, StorageClass } from "kubernetes-types/storage/v1.js";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  PV_DELETION_PROTECTION_FINALIZER,
  claimClass,
  compareQuantities,
  controllerFor,
  isCsiError,
  isStatusError,
  parseQuantity,
  storageOf,
  TerminalError,
  type csi,
  type CsiControllerPlugin,
  type EventRecorder,
  type KubeObject,
  type Manager,
  type Request,
} from "../../core/index.js";
import { bytesQuantity, quantityBytes } from "./quantities.js";
import { accessibilityRequirements, nodeAffinityFor } from "./topology.js";
import { claimCapabilities, driverParameters, FSTYPE_PARAMETER } from "./volume-capabilities.js";

/** The volume attribute the external-provisioner adds to every PV it makes (its identity). */
export const PROVISIONER_IDENTITY_ATTRIBUTE = "storage.kubernetes.io/csiProvisionerIdentity";

const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

/** What a sidecar needs about the driver it serves. */
export interface SidecarContext {
  readonly mgr: Manager;
  readonly driver: string;
  readonly plugin: CsiControllerPlugin;
  /** `<driver>_<pod>_<uuid>`: the Events' source, as the sidecars' leader identity reads. */
  readonly identity: string;
  /** Epoch ms + driver: the provisioner identity written into volumeAttributes. */
  readonly provisionerIdentity: string;
  /** Asks the capacity controller (when it runs) to refresh a class's CSIStorageCapacity objects. */
  readonly capacityChanged?: (className: string) => void;
}

/** The controller capabilities of a plugin, asked once. */
export async function controllerCapabilities(plugin: CsiControllerPlugin): Promise<Set<string>> {
  const caps = await plugin.controller.getCapabilities();
  return new Set(caps.capabilities.map((c) => c.rpc.type));
}

/** The driver advertises VOLUME_ACCESSIBILITY_CONSTRAINTS (topology). */
export async function hasTopology(plugin: CsiControllerPlugin): Promise<boolean> {
  const caps = await plugin.identity.getPluginCapabilities();
  return caps.capabilities.some((c) => "service" in c && c.service.type === "VOLUME_ACCESSIBILITY_CONSTRAINTS");
}

/**
 * The external-provisioner role for one driver (kubernetes-csi/external-provisioner): for each
 * claim the PV controller handed to this driver (`volume.kubernetes.io/storage-provisioner`) —
 * and, for WaitForFirstConsumer classes, once the scheduler chose a node — CreateVolume named
 * `pvc-<claim uid>` with the class's parameters, the claim's capacity and access modes, the
 * accessibility requirements (allowedTopologies, the selected node preferred) and the data
 * source (a VolumeSnapshot to restore or a PVC to clone); then the PV `pvc-<uid>` pre-bound to
 * the claim, with node affinity from the accessible topology and the class's reclaimPolicy and
 * mountOptions. Released PVs it provisioned with reclaimPolicy Delete are deleted through
 * DeleteVolume.
 */
export function externalProvisioner(ctx: SidecarContext): void {
  const { mgr, driver, plugin } = ctx;
  const claims = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  const volumes = mgr.informers.forResource<PersistentVolume>("PersistentVolume").lister();
  const classes = mgr.informers.forResource<StorageClass>("storageclasses.storage.k8s.io").lister();
  const csiNodes = mgr.informers.forResource<CSINode>("csinodes.storage.k8s.io").lister();
  const nodes = mgr.informers.forResource<Node>("Node").lister();
  const pvClient = mgr.client.resource<PersistentVolume>("PersistentVolume");
  const pvcClient = mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const recorder: EventRecorder = mgr.getEventRecorderFor(ctx.identity);
  let topology: Promise<boolean> | undefined;

  const forThisDriver = (c: PersistentVolumeClaim): boolean => {
    const ann = c.metadata?.annotations ?? {};
    return (ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) === driver;
  };

  /** The CSI content source of the claim's dataSource(Ref), checked as upstream does. */
  async function contentSource(claim: PersistentVolumeClaim, sc: StorageClass): Promise<csi.VolumeContentSource | undefined> {
    const src = claim.spec?.dataSourceRef ?? claim.spec?.dataSource;
    if (!src) return undefined;
    const ns = (src as { namespace?: string }).namespace ?? claim.metadata!.namespace!;
    const requested = storageOf(claim.spec?.resources?.requests);
    if (src.kind === "VolumeSnapshot" && src.apiGroup === SNAPSHOT_GROUP) {
      const snap = (await mgr.client.resource<KubeObject>(`volumesnapshots.${SNAPSHOT_GROUP}`).get(src.name, { namespace: ns })) as KubeObject & { status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string; restoreSize?: string } };
      if (!snap.status?.readyToUse) throw new Error(`error getting handle for DataSource Type VolumeSnapshot by Name ${src.name}: snapshot ${src.name} is not Ready`);
      const contentName = snap.status.boundVolumeSnapshotContentName;
      if (!contentName) throw new Error(`error getting handle for DataSource Type VolumeSnapshot by Name ${src.name}: snapshot ${src.name} not bound`);
      const content = (await mgr.client.resource<KubeObject>(`volumesnapshotcontents.${SNAPSHOT_GROUP}`).get(contentName)) as KubeObject & { spec?: { driver?: string }; status?: { snapshotHandle?: string } };
      if (content.spec?.driver !== driver) throw new Error(`error getting handle for DataSource Type VolumeSnapshot by Name ${src.name}: snapshot ${src.name} was created by driver ${content.spec?.driver}, not ${driver}`);
      if (snap.status.restoreSize && compareQuantities(requested, parseQuantity(snap.status.restoreSize)) < 0) {
        throw new Error(`error getting handle for DataSource Type VolumeSnapshot by Name ${src.name}: requested volume size ${quantityBytes(requested)} is less than the size ${quantityBytes(parseQuantity(snap.status.restoreSize))} for the source snapshot ${src.name}`);
      }
      return { snapshot: { snapshotId: content.status!.snapshotHandle! } };
    }
    if (src.kind === "PersistentVolumeClaim" && !src.apiGroup) {
      const source = claims.namespace(ns).get(src.name) ?? (await pvcClient.get(src.name, { namespace: ns }));
      const prefix = `error getting handle for DataSource Type PersistentVolumeClaim by Name ${src.name}`;
      if (claimClass(source) !== sc.metadata!.name) throw new Error(`${prefix}: the source PVC and destination PVCs must be in the same storage class for cloning. Source is in ${claimClass(source)}, but new PVC is in ${sc.metadata!.name}`);
      if (source.status?.phase !== "Bound" || !source.spec?.volumeName) throw new Error(`${prefix}: the PVC ${src.name} not yet bound to a PV, will not attempt to use it as a data source`);
      const sourceSize = storageOf(source.status?.capacity ?? source.spec?.resources?.requests);
      if (compareQuantities(requested, sourceSize) < 0) throw new Error(`${prefix}: requested volume size ${quantityBytes(requested)} is less than the size ${quantityBytes(sourceSize)} for the source PVC ${src.name}`);
      const pv = volumes.get(source.spec.volumeName);
      if (pv?.spec?.csi?.driver !== driver) throw new Error(`${prefix}: the source PVC ${src.name} is not provisioned by driver ${driver}`);
      return { volume: { volumeId: pv.spec.csi.volumeHandle } };
    }
    return undefined; // other populators are not this sidecar's business
  }

  async function provision(claim: PersistentVolumeClaim): Promise<void> {
    const pvName = `pvc-${claim.metadata!.uid}`;
    if (volumes.get(pvName)) return; // provisioned already; the PV controller binds it
    const className = claimClass(claim);
    const sc = classes.get(className);
    if (!sc) throw new TerminalError(`storageclass.storage.k8s.io "${className}" not found`);
    const selectedNode = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    if (sc.volumeBindingMode === "WaitForFirstConsumer" && !selectedNode) return;
    const key = `${claim.metadata!.namespace}/${claim.metadata!.name}`;
    recorder.eventf(claim, "Normal", "Provisioning", "External provisioner is provisioning volume for claim %q", key);
    let response: csi.CreateVolumeResponse;
    try {
      const source = await contentSource(claim, sc);
      const requirements = (await (topology ??= hasTopology(plugin))) ? accessibilityRequirements(driver, sc, selectedNode, csiNodes, nodes) : undefined;
      const limits = claim.spec?.resources?.limits?.["storage"];
      if (!plugin.controller.createVolume) throw new Error(`driver ${driver} does not support dynamic provisioning: rpc error: code = Unimplemented desc = CreateVolume`);
      response = await plugin.controller.createVolume({
        name: pvName,
        capacityRange: { requiredBytes: quantityBytes(storageOf(claim.spec?.resources?.requests)), ...(limits ? { limitBytes: quantityBytes(parseQuantity(limits)) } : {}) },
        volumeCapabilities: claimCapabilities(claim, sc.parameters?.[FSTYPE_PARAMETER], sc.mountOptions),
        parameters: driverParameters(sc.parameters),
        ...(source ? { volumeContentSource: source } : {}),
        ...(requirements ? { accessibilityRequirements: requirements } : {}),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      recorder.eventf(claim, "Warning", "ProvisioningFailed", "failed to provision volume with StorageClass %q: %s", className, message);
      // No room in the chosen topology: let the scheduler pick another node (rescheduling).
      if (selectedNode && isCsiError(err, "RESOURCE_EXHAUSTED")) {
        await pvcClient.patch(claim.metadata!.name!, "merge", { metadata: { annotations: { [ANN_SELECTED_NODE]: null } } }, { namespace: claim.metadata!.namespace! });
        return;
      }
      throw err;
    }
    const v = response.volume;
    const fsType = sc.parameters?.[FSTYPE_PARAMETER];
    const nodeAffinity = nodeAffinityFor(v.accessibleTopology);
    const pv: PersistentVolume = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pvName, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: driver }, finalizers: [PV_DELETION_PROTECTION_FINALIZER] },
      spec: {
        accessModes: claim.spec?.accessModes,
        capacity: { storage: bytesQuantity(v.capacityBytes) },
        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata!.namespace!, name: claim.metadata!.name!, uid: claim.metadata!.uid!, resourceVersion: claim.metadata!.resourceVersion! },
        csi: { driver, volumeHandle: v.volumeId, ...(claim.spec?.volumeMode === "Block" ? {} : { fsType: fsType ?? "ext4" }), volumeAttributes: { ...v.volumeContext, [PROVISIONER_IDENTITY_ATTRIBUTE]: ctx.provisionerIdentity } },
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
        storageClassName: className,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        ...(sc.mountOptions?.length ? { mountOptions: [...sc.mountOptions] } : {}),
        ...(nodeAffinity ? { nodeAffinity } : {}),
      },
    };
    try {
      await pvClient.create(pv);
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
    recorder.eventf(claim, "Normal", "ProvisioningSucceeded", "Successfully provisioned volume %s", pvName);
    ctx.capacityChanged?.(className);
  }

  /** A released PV of ours with reclaimPolicy Delete: DeleteVolume, drop our finalizer, delete the object. */
  async function deleteVolume(pv: PersistentVolume): Promise<void> {
    try {
      if (plugin.controller.deleteVolume) await plugin.controller.deleteVolume({ volumeId: pv.spec!.csi!.volumeHandle });
    } catch (err) {
      recorder.eventf(pv, "Warning", "VolumeFailedDelete", "%s", err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (pv.spec?.storageClassName) ctx.capacityChanged?.(pv.spec.storageClassName);
    const finalizers = (pv.metadata?.finalizers ?? []).filter((f) => f !== PV_DELETION_PROTECTION_FINALIZER);
    try {
      if (finalizers.length !== (pv.metadata?.finalizers ?? []).length) await pvClient.patch(pv.metadata!.name!, "merge", { metadata: { finalizers, resourceVersion: pv.metadata!.resourceVersion } });
      if (!pv.metadata?.deletionTimestamp) await pvClient.delete(pv.metadata!.name!);
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  controllerFor(mgr)
    .named(`${driver}/external-provisioner`)
    .for<PersistentVolumeClaim>("PersistentVolumeClaim", { predicates: [{ create: (c) => forThisDriver(c as PersistentVolumeClaim), update: (_o, n) => forThisDriver(n as PersistentVolumeClaim), delete: () => false }] })
    .withOptions({ maxConcurrentReconciles: 4 })
    .complete({
      async reconcile(req: Request) {
        const claim = claims.namespace(req.namespace ?? "").get(req.name);
        if (!claim || !forThisDriver(claim) || claim.spec?.volumeName || claim.status?.phase !== "Pending" || claim.metadata?.deletionTimestamp) return;
        await provision(claim);
      },
    });

  controllerFor(mgr)
    .named(`${driver}/external-provisioner-deleter`)
    .for<PersistentVolume>("PersistentVolume", { predicates: [{ create: (pv) => ours(pv as PersistentVolume), update: (_o, n) => ours(n as PersistentVolume), delete: () => false }] })
    .withOptions({ maxConcurrentReconciles: 4 })
    .complete({
      async reconcile(req: Request) {
        const pv = volumes.get(req.name);
        if (!pv || !ours(pv)) return;
        const released = pv.status?.phase === "Released" && pv.spec?.persistentVolumeReclaimPolicy === "Delete";
        // Deleted by a user before being released: the volume goes when it is no longer bound.
        const deletedUnbound = !!pv.metadata?.deletionTimestamp && pv.status?.phase !== "Bound" && pv.spec?.persistentVolumeReclaimPolicy === "Delete";
        if (released || deletedUnbound) await deleteVolume(pv);
      },
    });

  function ours(pv: PersistentVolume): boolean {
    return pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === driver && pv.spec?.csi?.driver === driver;
  }
}
