import type { Pod } from "kubernetes-types/core/v1.js";
import type { SharedInformer } from "../../../../core/index.js";

/** An index of the Pod informer's cache by `spec.nodeName` (bound pods only). */
export const POD_NODE_INDEX = "kcm/spec.nodeName";

/** Adds {@link POD_NODE_INDEX} unless a controller already did; returns a lookup of a node's pods. */
export function podsByNode(informer: SharedInformer<Pod>): (node: string) => Pod[] {
  if (!informer.indexer.indexNames().includes(POD_NODE_INDEX)) {
    informer.addIndexers({ [POD_NODE_INDEX]: (pod: Pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) });
  }
  return (node) => informer.indexer.byIndex(POD_NODE_INDEX, node);
}
