import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { compareQuantities } from "../../api/quantity.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionPlugin } from "../admission.js";
import { claimClass } from "../../volume/storage-class.js";
import { storageOf } from "../../volume/volume-matching.js";
import { admissionForbidden } from "./admission-forbidden.js";

/**
 * PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize): growing a
 * claim's `resources.requests.storage` is allowed only when its StorageClass exists and has
 * `allowVolumeExpansion: true`.
 */
export const persistentVolumeClaimResize: AdmissionPlugin = {
  name: "PersistentVolumeClaimResize",
  operations: ["UPDATE"],
  resources: ["persistentvolumeclaims"],
  subresources: [""],
  async validate(request, ctx) {
    if (request.operation !== "UPDATE" || request.subresource || request.resource.group !== "" || request.resource.plural !== "persistentvolumeclaims") return;
    const claim = request.object as PersistentVolumeClaim | undefined;
    const old = request.oldObject as PersistentVolumeClaim | undefined;
    if (!claim || !old) return;
    if (compareQuantities(storageOf(claim.spec?.resources?.requests), storageOf(old.spec?.resources?.requests)) <= 0) return;
    const name = claimClass(claim);
    let allowed = false;
    if (name) {
      try {
        const sc = (await ctx.client.resource<StorageClass>("storageclasses.storage.k8s.io").get(name)) as StorageClass;
        allowed = sc.allowVolumeExpansion === true;
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
    if (!allowed) throw admissionForbidden(request, "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
  },
};
