import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type CsiControllerPlugin, type KubeObject, type Manager, type Request } from "../../core/index.js";
import { rfc3339 } from "../../core/api/time.js";
import { SNAPSHOT_GROUP } from "./crds.js";

interface VolumeSnapshot extends KubeObject {
  spec?: { source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: { boundVolumeSnapshotContentName?: string; creationTime?: string; readyToUse?: boolean; restoreSize?: string; error?: { message?: string; time?: string } };
}
interface VolumeSnapshotContent extends KubeObject {
  spec?: { volumeSnapshotRef?: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string }; source?: { volumeHandle?: string; snapshotHandle?: string }; driver?: string; deletionPolicy?: string; volumeSnapshotClassName?: string };
  status?: { snapshotHandle?: string; creationTime?: number; readyToUse?: boolean; restoreSize?: number; error?: { message?: string; time?: string } };
}
interface VolumeSnapshotClass extends KubeObject {
  driver?: string;
  deletionPolicy?: string;
  parameters?: Record<string, string>;
}

const VS = `volumesnapshots.${SNAPSHOT_GROUP}`;
const VSC = `volumesnapshotcontents.${SNAPSHOT_GROUP}`;
const VSCLASS = `volumesnapshotclasses.${SNAPSHOT_GROUP}`;
const DEFAULT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";

/** Bytes as the Quantity a snapshot's restoreSize shows (`1Gi`). */
function bytesQuantity(bytes: number): string {
  const units = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
  let n = bytes;
  let i = 0;
  while (i < units.length - 1 && n >= 1024 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${units[i]}`;
}

/**
 * The common snapshot-controller (external-snapshotter `pkg/common-controller`): a VolumeSnapshot of
 * a bound CSI claim gets a VolumeSnapshotContent `snapcontent-<snapshot uid>` naming the volume
 * handle, the driver and the class's deletionPolicy (the driver's default class when the snapshot
 * names none); once the content is ready the snapshot's status shows it (readyToUse,
 * restoreSize, creationTime, boundVolumeSnapshotContentName). A deleted snapshot deletes its
 * content when the policy is Delete.
 */
export function snapshotController(mgr: Manager): void {
  const snapshots = mgr.informers.forResource<VolumeSnapshot>(VS).lister();
  const contents = mgr.informers.forResource<VolumeSnapshotContent>(VSC).lister();
  const classes = mgr.informers.forResource<VolumeSnapshotClass>(VSCLASS).lister();
  const claims = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  const volumes = mgr.informers.forResource<PersistentVolume>("PersistentVolume").lister();
  const vsClient = mgr.client.resource<VolumeSnapshot>(VS);
  const vscClient = mgr.client.resource<VolumeSnapshotContent>(VSC);
  const recorder = mgr.getEventRecorderFor("snapshot-controller");

  async function sync(req: Request): Promise<void> {
    const ns = req.namespace ?? "";
    const snap = snapshots.namespace(ns).get(req.name);
    if (!snap) {
      // Deleted: its dynamically created content goes with it when the policy says so.
      for (const c of contents.list()) {
        const ref = c.spec?.volumeSnapshotRef;
        if (ref?.namespace === ns && ref.name === req.name && c.spec?.deletionPolicy === "Delete" && !c.metadata?.deletionTimestamp) await vscClient.delete(c.metadata!.name!).catch(() => undefined);
      }
      return;
    }
    const contentName = `snapcontent-${snap.metadata!.uid}`;
    const key = `${ns}/${snap.metadata!.name}`;
    let content = contents.get(contentName);
    if (!content) {
      const pvcName = snap.spec?.source?.persistentVolumeClaimName;
      if (!pvcName) return; // pre-provisioned contents are bound by name: not modelled
      const pvc = claims.namespace(ns).get(pvcName);
      const pv = pvc?.spec?.volumeName ? volumes.get(pvc.spec.volumeName) : undefined;
      if (!pvc || pvc.status?.phase !== "Bound" || !pv?.spec?.csi) {
        const message = `Failed to create snapshot content with error snapshot controller failed to update ${key} on API server: cannot get claim from snapshot`;
        if (!snap.status?.error) await vsClient.updateStatus({ ...snap, status: { ...snap.status, readyToUse: false, error: { message, time: rfc3339(mgr.clock.now()) } } }, { namespace: ns });
        return;
      }
      const driver = pv.spec.csi.driver;
      let className = snap.spec?.volumeSnapshotClassName;
      if (!className) {
        const def = classes.list().find((c) => c.driver === driver && c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
        if (!def) {
          recorder.eventf(snap, "Warning", "SnapshotContentCreationFailed", "Failed to create snapshot content with error cannot find default snapshot class");
          return;
        }
        className = def.metadata!.name!;
        await vsClient.patch(snap.metadata!.name!, "merge", { spec: { volumeSnapshotClassName: className } }, { namespace: ns });
      }
      const cls = classes.get(className);
      if (!cls) {
        recorder.eventf(snap, "Warning", "GetSnapshotClassFailed", "Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io %q not found", className);
        return;
      }
      content = {
        apiVersion: `${SNAPSHOT_GROUP}/v1`,
        kind: "VolumeSnapshotContent",
        metadata: { name: contentName },
        spec: {
          volumeSnapshotRef: { apiVersion: `${SNAPSHOT_GROUP}/v1`, kind: "VolumeSnapshot", name: snap.metadata!.name!, namespace: ns, uid: snap.metadata!.uid! },
          source: { volumeHandle: pv.spec.csi.volumeHandle },
          driver,
          deletionPolicy: cls.deletionPolicy ?? "Delete",
          volumeSnapshotClassName: className,
        },
      };
      try {
        content = await vscClient.create(content);
      } catch (err) {
        if (!isStatusError(err, "AlreadyExists")) throw err;
      }
      recorder.eventf(snap, "Normal", "CreatingSnapshot", "Waiting for a snapshot %s to be created by the CSI driver.", key);
    }
    const st = content.status;
    if (!st?.snapshotHandle) return;
    const want: VolumeSnapshot["status"] = {
      boundVolumeSnapshotContentName: contentName,
      readyToUse: st.readyToUse ?? false,
      ...(st.creationTime !== undefined ? { creationTime: rfc3339(Math.floor(st.creationTime / 1e6)) } : {}),
      ...(st.restoreSize !== undefined ? { restoreSize: bytesQuantity(st.restoreSize) } : {}),
    };
    if (JSON.stringify(snap.status) === JSON.stringify(want)) return;
    await vsClient.updateStatus({ ...snap, status: want }, { namespace: ns });
    if (want.readyToUse && !snap.status?.readyToUse) {
      recorder.eventf(snap, "Normal", "SnapshotCreated", "Snapshot %s was successfully created by the CSI driver.", key);
      recorder.eventf(snap, "Normal", "SnapshotReady", "Snapshot %s is ready to use.", key);
    }
  }

  controllerFor(mgr)
    .named("snapshot-controller")
    .for<VolumeSnapshot>(VS)
    .watches<VolumeSnapshotContent>(VSC, (c) => (c.spec?.volumeSnapshotRef?.name ? [{ namespace: c.spec.volumeSnapshotRef.namespace ?? "", name: c.spec.volumeSnapshotRef.name }] : []))
    .withOptions({ maxConcurrentReconciles: 2 })
    .complete({
      async reconcile(req) {
        try {
          await sync(req);
        } catch (err) {
          if (isStatusError(err, "Conflict")) return { requeueAfter: 100 };
          throw err;
        }
        return undefined;
      },
    });
}

/**
 * The csi-snapshotter sidecar for one driver: a VolumeSnapshotContent of this driver with a
 * volume handle and no snapshot yet gets CreateSnapshot (`snapshot-<snapshot uid>`, the class's
 * parameters) and the answer in its status (snapshotHandle, creationTime in ns, readyToUse,
 * restoreSize in bytes); a deleted content with deletionPolicy Delete gets DeleteSnapshot.
 */
export function csiSnapshotter(mgr: Manager, driver: string, plugin: CsiControllerPlugin): void {
  const contents = mgr.informers.forResource<VolumeSnapshotContent>(VSC);
  const classes = mgr.informers.forResource<VolumeSnapshotClass>(VSCLASS).lister();
  const vscClient = mgr.client.resource<VolumeSnapshotContent>(VSC);
  const recorder = mgr.getEventRecorderFor(`csi-snapshotter ${driver}`);

  contents.addEventHandler({
    onDelete: (obj) => {
      const c = ((obj as { obj?: VolumeSnapshotContent }).obj ?? obj) as VolumeSnapshotContent;
      const handle = c.status?.snapshotHandle;
      if (c.spec?.driver === driver && handle && c.spec.deletionPolicy === "Delete" && plugin.controller.deleteSnapshot) void plugin.controller.deleteSnapshot({ snapshotId: handle }).catch(() => undefined);
    },
  });

  controllerFor(mgr)
    .named(`${driver}/csi-snapshotter`)
    .for<VolumeSnapshotContent>(VSC)
    .complete({
      async reconcile(req) {
        const c = contents.lister().get(req.name);
        if (!c || c.spec?.driver !== driver || c.status?.snapshotHandle || !c.spec.source?.volumeHandle) return undefined;
        const uid = c.spec.volumeSnapshotRef?.uid ?? c.metadata!.uid!;
        try {
          if (!plugin.controller.createSnapshot) throw new Error("rpc error: code = Unimplemented desc = CreateSnapshot");
          const params = c.spec.volumeSnapshotClassName ? classes.get(c.spec.volumeSnapshotClassName)?.parameters : undefined;
          const { snapshot } = await plugin.controller.createSnapshot({ name: `snapshot-${uid}`, sourceVolumeId: c.spec.source.volumeHandle, ...(params ? { parameters: params } : {}) });
          await vscClient.updateStatus({ ...c, status: { snapshotHandle: snapshot.snapshotId, creationTime: snapshot.creationTime * 1e6, readyToUse: snapshot.readyToUse, restoreSize: snapshot.sizeBytes } });
        } catch (err) {
          if (isStatusError(err, "Conflict")) return { requeueAfter: 100 };
          const message = err instanceof Error ? err.message : String(err);
          recorder.eventf(c, "Warning", "SnapshotCreationFailed", "Failed to create snapshot: failed to take snapshot of the volume %s: %q", c.spec.source.volumeHandle, message);
          throw err;
        }
        return undefined;
      },
    });
}
