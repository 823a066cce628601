import type { AdmissionPlugin } from "../admission.js";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../../volume/annotations.js";

/**
 * StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection): every
 * new PersistentVolumeClaim gets the `kubernetes.io/pvc-protection` finalizer and every new
 * PersistentVolume `kubernetes.io/pv-protection`, which the pvc-protection and pv-protection
 * controllers remove once no pod uses the claim / no claim is bound to the volume.
 */
export const storageObjectInUseProtection: AdmissionPlugin = {
  name: "StorageObjectInUseProtection",
  operations: ["CREATE"],
  resources: ["persistentvolumeclaims", "persistentvolumes"],
  subresources: [""],
  admit(request) {
    if (request.operation !== "CREATE" || request.subresource || request.resource.group !== "" || !request.object) return;
    const finalizer = request.resource.plural === "persistentvolumeclaims" ? PVC_PROTECTION_FINALIZER : request.resource.plural === "persistentvolumes" ? PV_PROTECTION_FINALIZER : undefined;
    if (!finalizer) return;
    const meta = (request.object.metadata ??= {});
    const finalizers = meta.finalizers ?? [];
    if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
  },
};
