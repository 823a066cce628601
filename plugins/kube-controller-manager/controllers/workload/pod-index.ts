import type { ObjectLike, SharedInformer } from "../../../../core/index.js";
import { controllerRefOf } from "./controller-ref.js";

/**
 * An index of an informer's cache (Pods, ReplicaSets) by controller: the controllerRef's uid, or `orphan/<namespace>` for
 * pods no controller owns. Workload controllers read their own pods and their adoption
 * candidates from it instead of scanning the namespace.
 */
export const POD_CONTROLLER_INDEX = "kcm/controller-uid";

/** The index value of a namespace's orphan pods. */
export function orphanKey(namespace: string): string {
  return `orphan/${namespace}`;
}

/** Adds {@link POD_CONTROLLER_INDEX} to a shared informer unless a controller already did. */
export function ensureControllerIndex<T extends ObjectLike>(informer: SharedInformer<T>): void {
  if (informer.indexer.indexNames().includes(POD_CONTROLLER_INDEX)) return;
  informer.addIndexers({
    [POD_CONTROLLER_INDEX]: (obj: T) => {
      const ref = controllerRefOf(obj);
      return [ref ? ref.uid : orphanKey(obj.metadata?.namespace ?? "")];
    },
  });
}
