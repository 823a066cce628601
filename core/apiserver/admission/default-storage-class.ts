import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { AdmissionPlugin } from "../admission.js";
import { claimClassUnset, defaultClassOf } from "../../volume/storage-class.js";

/**
 * DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a new claim naming no
 * class (neither `storageClassName`, not even "", nor the beta annotation) gets the default
 * StorageClass's name — the newest one marked `storageclass.kubernetes.io/is-default-class: "true"`.
 * Without a default class the claim is left alone.
 */
export const defaultStorageClassAdmission: AdmissionPlugin = {
  name: "DefaultStorageClass",
  operations: ["CREATE"],
  resources: ["persistentvolumeclaims"],
  subresources: [""],
  async admit(request, ctx) {
    if (request.operation !== "CREATE" || request.subresource || request.resource.group !== "" || request.resource.plural !== "persistentvolumeclaims") return;
    const claim = request.object as PersistentVolumeClaim | undefined;
    if (!claim?.spec || !claimClassUnset(claim)) return;
    const classes = (await ctx.client.resource<StorageClass>("storageclasses.storage.k8s.io").list()).items as StorageClass[];
    const def = defaultClassOf(classes);
    if (def?.metadata?.name) claim.spec.storageClassName = def.metadata.name;
  },
};
