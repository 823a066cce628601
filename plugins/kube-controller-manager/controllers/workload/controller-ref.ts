import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { ObjectLike } from "../../../../core/index.js";

/** The owner reference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerRefOf(obj: ObjectLike): OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller === true) return r;
  return undefined;
}

/** The controller reference a controller puts on what it creates (metav1.NewControllerRef). */
export function newControllerRef(owner: ObjectLike, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}
