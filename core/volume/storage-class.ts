import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { ANN_BETA_DEFAULT_STORAGE_CLASS, ANN_BETA_STORAGE_CLASS, ANN_DEFAULT_STORAGE_CLASS } from "./annotations.js";

/** The class a claim asks for: the beta annotation, else `spec.storageClassName`, else "" (GetPersistentVolumeClaimClass). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? "";
}

/** Whether the claim names no class at all (nil, not ""): the default class may be assigned to it. */
export function claimClassUnset(claim: PersistentVolumeClaim): boolean {
  return claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined && (claim.spec?.storageClassName === undefined || claim.spec.storageClassName === null);
}

/** The class of a volume: the beta annotation, else `spec.storageClassName`, else "" (GetPersistentVolumeClass). */
export function volumeClass(volume: PersistentVolume): string {
  return volume.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? volume.spec?.storageClassName ?? "";
}

/** `storageclass.kubernetes.io/is-default-class: "true"` (or the beta spelling). */
export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[ANN_DEFAULT_STORAGE_CLASS] === "true" || a[ANN_BETA_DEFAULT_STORAGE_CLASS] === "true";
}

/**
 * The default StorageClass among `classes` (GetDefaultClass): with several defaults the newest
 * wins, ties broken by name; undefined when none is marked default.
 */
export function defaultClassOf(classes: readonly StorageClass[]): StorageClass | undefined {
  let best: StorageClass | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc)) continue;
    if (!best) {
      best = sc;
      continue;
    }
    const a = sc.metadata?.creationTimestamp ?? "";
    const b = best.metadata?.creationTimestamp ?? "";
    if (a > b || (a === b && (sc.metadata?.name ?? "") < (best.metadata?.name ?? ""))) best = sc;
  }
  return best;
}

/** The class's `volumeBindingMode` is WaitForFirstConsumer. */
export function isDelayBinding(sc: StorageClass | undefined): boolean {
  return sc?.volumeBindingMode === "WaitForFirstConsumer";
}
