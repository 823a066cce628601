import type { PersistentVolume } from "kubernetes-types/core/v1.js";
import type { CSINode, VolumeAttachment } from "kubernetes-types/storage/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../core/index.js";
import { rfc3339 } from "../../core/api/time.js";
import { csiAccessMode } from "../../core/csi/access-modes.js";
import type { CsiControllerRegistry } from "../../core/csi/storage-drivers.js";

/** The finalizer the attacher keeps on a VolumeAttachment (and its PV) while the volume may be attached: `external-attacher/<driver with dots as dashes>`. */
export function attacherFinalizer(driver: string): string {
  return `external-attacher/${driver.replace(/\./g, "-")}`;
}

/**
 * The external-attacher sidecar (kubernetes-csi/external-attacher), for every loaded driver with
 * a controller plugin: a VolumeAttachment naming the driver is attached with
 * ControllerPublishVolume (node id from the node's CSINode entry) — or simply marked attached
 * when the driver has no PUBLISH_UNPUBLISH_VOLUME capability — and on deletion detached with
 * ControllerUnpublishVolume before its finalizer goes. Failures go into `status.attachError` /
 * `status.detachError` and are retried with backoff.
 */
export function externalAttacher(mgr: Manager, controllers: CsiControllerRegistry): void {
  const csiNodes = mgr.informers.forResource<CSINode>("CSINode");
  const pvs = mgr.informers.forResource<PersistentVolume>("PersistentVolume");
  const client = mgr.client;
  const vaClient = client.resource<VolumeAttachment>("VolumeAttachment");

  const setStatus = async (va: VolumeAttachment, status: VolumeAttachment["status"]): Promise<void> => {
    try {
      await vaClient.updateStatus({ ...va, status });
    } catch (err) {
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
    }
  };
  const pvFinalizer = async (pvName: string, driver: string, add: boolean): Promise<void> => {
    const pv = pvs.lister().get(pvName);
    if (!pv) return;
    const fin = attacherFinalizer(driver);
    const has = (pv.metadata?.finalizers ?? []).includes(fin);
    if (has === add) return;
    const finalizers = add ? [...(pv.metadata?.finalizers ?? []), fin] : (pv.metadata?.finalizers ?? []).filter((f) => f !== fin);
    try {
      await client.resource<PersistentVolume>("PersistentVolume").update({ ...pv, metadata: { ...pv.metadata, finalizers } });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  };

  controllerFor(mgr)
    .named("csi-attacher")
    .for<VolumeAttachment>("VolumeAttachment")
    .complete({
      async reconcile(req) {
        const va = await vaClient.get(req.name).catch((err: unknown) => {
          if (isStatusError(err, "NotFound")) return undefined;
          throw err;
        });
        if (!va) return undefined;
        const driver = va.spec?.attacher ?? "";
        const plugin = controllers.get(driver);
        if (!plugin) return undefined;
        const fin = attacherFinalizer(driver);
        const nodeName = va.spec?.nodeName ?? "";
        const pvName = va.spec?.source?.persistentVolumeName ?? "";
        const pv = pvs.lister().get(pvName);
        const caps = new Set((await plugin.controller.getCapabilities()).capabilities.map((c) => c.rpc.type));
        const publishes = caps.has("PUBLISH_UNPUBLISH_VOLUME") && !!plugin.controller.controllerPublishVolume;
        const nodeId = csiNodes.lister().get(nodeName)?.spec?.drivers?.find((d) => d.name === driver)?.nodeID;
        const now = rfc3339(mgr.clock.now());

        if (va.metadata?.deletionTimestamp) {
          if (!(va.metadata.finalizers ?? []).includes(fin)) return undefined;
          if (publishes && pv?.spec?.csi) {
            try {
              await plugin.controller.controllerUnpublishVolume!({ volumeId: pv.spec.csi.volumeHandle, ...(nodeId ? { nodeId } : {}) });
            } catch (err) {
              await setStatus(va, { ...va.status!, detachError: { time: now, message: (err as Error).message } });
              throw err;
            }
          }
          try {
            await vaClient.update({ ...va, metadata: { ...va.metadata, finalizers: (va.metadata.finalizers ?? []).filter((f) => f !== fin) } });
          } catch (err) {
            if (!isStatusError(err, "NotFound")) throw err;
          }
          const others = mgr.informers.forResource<VolumeAttachment>("VolumeAttachment").lister().list().some((o) => o.metadata?.name !== va.metadata?.name && o.spec?.source?.persistentVolumeName === pvName && !o.metadata?.deletionTimestamp);
          if (!others) await pvFinalizer(pvName, driver, false);
          return undefined;
        }
        if (va.status?.attached) return undefined;
        if (!(va.metadata?.finalizers ?? []).includes(fin)) {
          await vaClient.update({ ...va, metadata: { ...va.metadata, finalizers: [...(va.metadata?.finalizers ?? []), fin] } });
          return { requeue: true };
        }
        if (!pv?.spec?.csi) {
          await setStatus(va, { attached: false, attachError: { time: now, message: `persistentvolume "${pvName}" not found` } });
          throw new Error(`persistentvolume "${pvName}" not found`);
        }
        await pvFinalizer(pvName, driver, true);
        if (!publishes) {
          await setStatus(va, { attached: true });
          return undefined;
        }
        if (!nodeId) {
          const message = `failed to find NodeID for driver "${driver}" on node "${nodeName}": CSINode ${nodeName} does not contain driver ${driver}`;
          await setStatus(va, { attached: false, attachError: { time: now, message } });
          throw new Error(message);
        }
        const mode = csiAccessMode((pv.spec.accessModes ?? ["ReadWriteOnce"])[0]!, caps.has("SINGLE_NODE_MULTI_WRITER"));
        try {
          const res = await plugin.controller.controllerPublishVolume!({
            volumeId: pv.spec.csi.volumeHandle,
            nodeId,
            volumeCapability: { mount: { ...(pv.spec.csi.fsType ? { fsType: pv.spec.csi.fsType } : {}) }, accessMode: { mode } },
            readonly: pv.spec.csi.readOnly ?? false,
            ...(pv.spec.csi.volumeAttributes ? { volumeContext: pv.spec.csi.volumeAttributes } : {}),
          });
          await setStatus(va, { attached: true, ...(res.publishContext && Object.keys(res.publishContext).length ? { attachmentMetadata: res.publishContext } : {}) });
        } catch (err) {
          await setStatus(va, { attached: false, attachError: { time: now, message: (err as Error).message } });
          throw err;
        }
        return undefined;
      },
    });
}
