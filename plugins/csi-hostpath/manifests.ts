import type { CSIDriver, StorageClass } from "kubernetes-types/storage/v1.js";
import { HOSTPATH_DRIVER_NAME } from "./hostpath-driver.js";

/** The CSIDriver object of csi-driver-host-path's deployment (`csi-hostpath-driverinfo.yaml`). */
export function hostPathCsiDriver(): CSIDriver {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: HOSTPATH_DRIVER_NAME, labels: { "app.kubernetes.io/instance": HOSTPATH_DRIVER_NAME, "app.kubernetes.io/part-of": "csi-driver-host-path", "app.kubernetes.io/name": "hostpath.csi.k8s.io", "app.kubernetes.io/component": "csi-driver" } },
    spec: { attachRequired: true, podInfoOnMount: true, storageCapacity: true, fsGroupPolicy: "File", volumeLifecycleModes: ["Persistent", "Ephemeral"] },
  };
}

/** The default StorageClass `standard`, as kind names it (kind's points at local-path; kubesim's at this driver). */
export function standardStorageClass(): StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: HOSTPATH_DRIVER_NAME,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
  };
}
