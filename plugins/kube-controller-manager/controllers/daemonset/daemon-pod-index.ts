import type { Pod } from "kubernetes-types/core/v1.js";
import type { SharedInformer } from "../../../../core/index.js";
import { controllerRefOf } from "../workload/controller-ref.js";
import { targetNodeName } from "./node-eligibility.js";

/**
 * An index of daemon pods by DaemonSet and node: `<DaemonSet uid>/<target node>` for every pod a
 * DaemonSet controls (its nodeName, or the node its `metadata.name` affinity pins it to; "" when
 * neither). The informer keeps it as pods come and go, so a sync reads the pods of one node
 * without regrouping the set's pods.
 */
export const DAEMON_POD_NODE_INDEX = "kcm/daemonset-uid-node";

/** The {@link DAEMON_POD_NODE_INDEX} value of a set's pods on `node`. */
export function daemonPodNodeKey(uid: string, node: string): string {
  return `${uid}/${node}`;
}

/** Adds {@link DAEMON_POD_NODE_INDEX} to the pod informer unless it is there. */
export function ensureDaemonPodNodeIndex(informer: SharedInformer<Pod>): void {
  if (informer.indexer.indexNames().includes(DAEMON_POD_NODE_INDEX)) return;
  informer.addIndexers({
    [DAEMON_POD_NODE_INDEX]: (pod: Pod) => {
      const ref = controllerRefOf(pod);
      return ref?.kind === "DaemonSet" ? [daemonPodNodeKey(ref.uid, targetNodeName(pod.spec) ?? "")] : [];
    },
  });
}
