import type { Node } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../../../core/index.js";
import { CidrSet } from "./cidr-set.js";

export interface NodeIpamSettings {
  /** `--cluster-cidr`: the pod network nodes' CIDRs are cut from. */
  clusterCidr: string;
  /** `--node-cidr-mask-size` (24 for IPv4). */
  nodeCidrMaskSize: number;
  /** `--service-cluster-ip-range`: blocks overlapping it are never handed out. */
  serviceClusterIpRange?: string;
}

/** What tests and the bench can read of the allocator. */
export interface NodeIpam {
  readonly cidrs: CidrSet;
}

/**
 * The node IPAM controller with the RangeAllocator (pkg/controller/nodeipam): every Node without
 * `spec.podCIDR` gets the next free `/nodeCidrMaskSize` of `--cluster-cidr` (`podCIDR` and
 * `podCIDRs`); CIDRs Nodes already carry are taken as used; a deleted Node's CIDR is released.
 * When the pool is exhausted the Node gets a `CIDRNotAvailable` event and is retried with backoff.
 */
export function nodeIpamController(mgr: Manager, settings: NodeIpamSettings): NodeIpam {
  const cidrs = new CidrSet(settings.clusterCidr, settings.nodeCidrMaskSize);
  if (settings.serviceClusterIpRange) cidrs.occupy(settings.serviceClusterIpRange);
  const nodeLister = mgr.informers.forResource<Node>("Node").lister();
  const nodes = mgr.client.resource<Node>("Node");
  const recorder = mgr.getEventRecorderFor("cidrAllocator");
  const log = mgr.log.child("node-ipam-controller");
  /** Each node's CIDR as last seen, to release it when the Node is gone. */
  const assigned = new Map<string, string>();
  let initialized = false;

  const occupy = (name: string, cidr: string): void => {
    if (assigned.get(name) === cidr) return;
    if (!cidrs.occupy(cidr)) log.warn("node CIDR is outside the cluster CIDR", { node: name, podCIDR: cidr, clusterCIDR: settings.clusterCidr });
    assigned.set(name, cidr);
  };

  controllerFor(mgr)
    .named("node-ipam-controller")
    .for<Node>("Node", { predicates: [{ update: (o, n) => o.spec?.podCIDR !== n.spec?.podCIDR }] })
    .withOptions({ maxConcurrentReconciles: 1 })
    .complete({
      async reconcile(req) {
        if (!initialized) {
          // Like the allocator's start: every CIDR already assigned is in use before anything is handed out.
          initialized = true;
          for (const n of nodeLister.list()) if (n.spec?.podCIDR) occupy(n.metadata!.name!, n.spec.podCIDR);
        }
        const node = nodeLister.get(req.name);
        if (!node) {
          const cidr = assigned.get(req.name);
          if (cidr) cidrs.release(cidr);
          assigned.delete(req.name);
          return;
        }
        if (node.spec?.podCIDR) {
          occupy(req.name, node.spec.podCIDR);
          return;
        }
        const cidr = cidrs.allocateNext();
        if (!cidr) {
          recorder.eventf(node, "Normal", "CIDRNotAvailable", "Node %s status is now: %s", req.name, "CIDRNotAvailable");
          throw new Error("failed to allocate cidr from cluster cidr at idx:0: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range");
        }
        try {
          await nodes.patch(req.name, "merge", { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
          assigned.set(req.name, cidr);
          log.info("set node PodCIDR", { node: req.name, podCIDRs: [cidr] });
        } catch (err) {
          cidrs.release(cidr);
          if (isStatusError(err, "NotFound")) return;
          throw err;
        }
      },
    });
  return { cidrs };
}
