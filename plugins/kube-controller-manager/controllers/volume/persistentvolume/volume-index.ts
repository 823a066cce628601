import type { PersistentVolume } from "kubernetes-types/core/v1.js";
import { volumeClass, type SharedInformer } from "../../../../../core/index.js";

/** PVs by the claim their claimRef names (`<namespace>/<name>`), bound or pre-bound. */
export const PV_BY_CLAIM_INDEX = "pv-controller:claimRef";
/** PVs with no claimRef, by storage class: the candidates a new claim may bind. */
export const PV_UNBOUND_BY_CLASS_INDEX = "pv-controller:unbound-class";

/** Adds the PV controller's indexes to the shared PV informer (once per informer). */
export function indexVolumes(informer: SharedInformer<PersistentVolume>): void {
  if (informer.indexer.indexNames().includes(PV_BY_CLAIM_INDEX)) return;
  informer.addIndexers({
    [PV_BY_CLAIM_INDEX]: (pv) => (pv.spec?.claimRef?.name ? [`${pv.spec.claimRef.namespace ?? ""}/${pv.spec.claimRef.name}`] : []),
    [PV_UNBOUND_BY_CLASS_INDEX]: (pv) => (pv.spec?.claimRef ? [] : [volumeClass(pv)]),
  });
}
