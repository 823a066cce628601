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

/**
 * An index of pods by controller and state, for controllers that keep counts of their pods
 * without walking them per sync: `<controller uid>/<state>/<labels>`, the state `ready` (active
 * and Ready), `active` (neither finished nor being deleted) or `inactive`, and the pod's labels
 * as sorted `key=value` pairs (a controller's pods share a few label sets, each of which it
 * matches against its selector once). Pods without a controller are not indexed.
 */
export const POD_OWNER_STATE_INDEX = "kcm/controller-uid-state";

/** The state part of {@link POD_OWNER_STATE_INDEX}. */
export type OwnedPodState = "ready" | "active" | "inactive";

/** The pod's labels as the index writes them. */
export function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels);
  // Labels are often in sorted order already: sort only when not.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = "";
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? "" : ","}${keys[i]}=${labels[keys[i]!]}`;
  return out;
}

/** Adds {@link POD_OWNER_STATE_INDEX} to the pod informer unless a controller already did; `state` classifies a pod. */
export function ensureOwnerStateIndex<T extends ObjectLike>(informer: SharedInformer<T>, state: (obj: T) => OwnedPodState): void {
  if (informer.indexer.indexNames().includes(POD_OWNER_STATE_INDEX)) return;
  informer.addIndexers({
    [POD_OWNER_STATE_INDEX]: (obj: T) => {
      const ref = controllerRefOf(obj);
      return ref ? [`${ref.uid}/${state(obj)}/${labelsKey(obj.metadata?.labels)}`] : [];
    },
  });
}

/**
 * An index of active pods (neither finished nor being deleted) by controller and node:
 * `<controller uid>/<spec.nodeName>` ("" while unassigned). The ReplicaSet controller's deletion
 * ranking counts a set's and its siblings' active pods per node from it, not by walking them.
 */
export const POD_OWNER_NODE_INDEX = "kcm/controller-uid-node";

/** Adds {@link POD_OWNER_NODE_INDEX} to the pod informer unless a controller already did; `active` tells active pods. */
export function ensureOwnerNodeIndex<T extends ObjectLike & { spec?: { nodeName?: string } }>(informer: SharedInformer<T>, active: (obj: T) => boolean): void {
  if (informer.indexer.indexNames().includes(POD_OWNER_NODE_INDEX)) return;
  informer.addIndexers({
    [POD_OWNER_NODE_INDEX]: (obj: T) => {
      const ref = controllerRefOf(obj);
      return ref && active(obj) ? [`${ref.uid}/${obj.spec?.nodeName ?? ""}`] : [];
    },
  });
}
