import type { Pod } from "kubernetes-types/core/v1.js";
import { sameStringMap, type Predicate } from "../../../../core/index.js";
import { isPodReady } from "../workload/pod-state.js";


const hasIp = (pod: Pod): boolean => !!pod.status?.podIP || !!pod.status?.podIPs?.length;

const terminal = (pod: Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

const sameIps = (o: Pod, n: Pod): boolean => {
  if (o.status?.podIP !== n.status?.podIP) return false;
  const a = o.status?.podIPs ?? [];
  const b = n.status?.podIPs ?? [];
  return a.length === b.length && a.every((ip, i) => ip.ip === b[i]!.ip);
};

/**
 * Whether a pod update can change the endpoints of the Services selecting it (upstream's
 * `podEndpointsChanged` in endpointslice/util, used by GetServicesToUpdateOnPodChange): its labels,
 * hostname or subdomain (membership), deletion, readiness, IPs; also a move to a terminal phase,
 * which the endpoints read too. Its node is not compared: it is set once, before the pod has an IP.
 * Other status writes (container states, restarts, other conditions) enqueue nothing, so a Service
 * is not re-synced — all its pods listed — for every status patch of every pod it selects. Resyncs
 * (same resourceVersion) enqueue nothing, nor does a pod created without an IP (it has no endpoint
 * yet; upstream's addPod enqueues it, to a sync that finds nothing to change).
 */
export const podEndpointsChanged: Predicate<Pod> = {
  create: (pod) => hasIp(pod),
  update: (o, n) => {
    if (o === n || o.metadata?.resourceVersion === n.metadata?.resourceVersion) return false;
    return (
      !sameStringMap(o.metadata?.labels, n.metadata?.labels) ||
      o.spec?.hostname !== n.spec?.hostname ||
      o.spec?.subdomain !== n.spec?.subdomain ||
      // Upstream compares the pointers: any update of a pod being deleted counts.
      !!o.metadata?.deletionTimestamp ||
      !!n.metadata?.deletionTimestamp ||
      isPodReady(o) !== isPodReady(n) ||
      terminal(o) !== terminal(n) ||
      !sameIps(o, n)
    );
  },
};
