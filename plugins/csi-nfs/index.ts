import type { KubeObject } from "../../core/api/object.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { StorageDrivers } from "../../core/csi/storage-drivers.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { NFS_DRIVER_NAME, NFS_SERVER, NFS_SHARE, NfsDriver } from "./nfs-driver.js";

export { NfsDriver, NFS_DRIVER_NAME, NFS_SERVER, NFS_SHARE } from "./nfs-driver.js";

/** The CSIDriver of csi-driver-nfs (no attach, persistent volumes only) and its usual StorageClass `nfs-csi`. */
export function nfsManifests(): KubeObject[] {
  return [
    { apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: { name: NFS_DRIVER_NAME }, spec: { attachRequired: false, fsGroupPolicy: "File", volumeLifecycleModes: ["Persistent"] } },
    { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "nfs-csi" }, provisioner: NFS_DRIVER_NAME, parameters: { server: NFS_SERVER, share: NFS_SHARE }, reclaimPolicy: "Delete", volumeBindingMode: "Immediate", allowVolumeExpansion: true, mountOptions: ["nfsvers=4.1"] },
  ];
}

/**
 * csi-driver-nfs with one simulated NFS server: shared ReadWriteMany volumes, no topology, no
 * attach; every node mounts the same server directory, so pods on different nodes see each
 * other's writes.
 */
export default definePlugin({
  name: "csi-nfs",
  description: "csi-driver-nfs: ReadWriteMany volumes on one simulated NFS server, StorageClass nfs-csi",
  async setup(ctx) {
    const driver = new NfsDriver();
    ctx.contribute(StorageDrivers, NFS_DRIVER_NAME, { name: NFS_DRIVER_NAME, controller: () => driver.controllerPlugin(), node: ({ nodeName, hostFs }) => driver.nodePlugin(nodeName, hostFs) });
    await ctx.resolve<AddonInstaller>(Addons).install(nfsManifests(), (m) => ctx.log.warn(`csi-nfs manifest: ${m}`), "kubectl-client-side-apply");
    return () => {
      ctx.extensions(StorageDrivers).withdraw(NFS_DRIVER_NAME);
    };
  },
});
