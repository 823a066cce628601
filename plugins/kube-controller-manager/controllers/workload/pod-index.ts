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
  // The last values built, returned again while the controller is the same (a controller's pods come in runs).
  let last: readonly string[] = [""];
  informer.addIndexers({
    [POD_CONTROLLER_INDEX]: (obj: T) => {
      const ref = controllerRefOf(obj);
      if (ref && ref.uid === last[0]) return last;
      return (last = Object.freeze([ref ? ref.uid : orphanKey(obj.metadata?.namespace ?? "")]));
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
  // Per state, the last value built and what it was built from: returned again (the same string,
  // the same array) while the controller and the labels are the same — a controller's pods, as
  // they come and go through the states — so most events build no string and the indexer
  // compares the values by reference.
  const last: Record<OwnedPodState, { uid: string; labels: Readonly<Record<string, string>> | undefined; values: readonly string[] }> = {
    ready: { uid: "", labels: undefined, values: [] },
    active: { uid: "", labels: undefined, values: [] },
    inactive: { uid: "", labels: undefined, values: [] },
  };
  informer.addIndexers({
    [POD_OWNER_STATE_INDEX]: (obj: T) => {
      const ref = controllerRefOf(obj);
      if (!ref) return [];
      const st = state(obj);
      const labels = obj.metadata?.labels;
      const m = last[st];
      if (ref.uid === m.uid && sameLabels(labels, m.labels)) return m.values;
      m.uid = ref.uid;
      m.labels = labels;
      return (m.values = Object.freeze([`${ref.uid}/${st}/${labelsKey(labels)}`]));
    },
  });
}

/** Whether two label maps hold the same pairs (a missing map equal to an empty one), without building arrays. */
export function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  let n = 0;
  if (a) {
    for (const k in a) {
      if (!b || a[k] !== b[k] || !Object.hasOwn(b, k)) return false;
      n++;
    }
  }
  if (b) for (const _k in b) if (--n < 0) return false;
  return n === 0;
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
