import type { ControllerContext } from "../../controller-descriptor.js";
import { nodeIpamController } from "./node-ipam-controller.js";

/**
 * node-ipam-controller, as kube-controller-manager starts it: only with `--allocate-node-cidrs`
 * and a `--cluster-cidr` (kubeadm's `--pod-network-cidr`; a Cluster passes its pod network).
 */
export function setupNodeIpam({ mgr, options }: ControllerContext): void {
  if (!options.allocateNodeCidrs || !options.clusterCidr) return;
  nodeIpamController(mgr, {
    clusterCidr: options.clusterCidr,
    nodeCidrMaskSize: options.nodeCidrMaskSize ?? 24,
    ...(options.serviceClusterIpRange ? { serviceClusterIpRange: options.serviceClusterIpRange } : {}),
  });
}

export { nodeIpamController, type NodeIpam, type NodeIpamSettings } from "./node-ipam-controller.js";
export { CidrSet } from "./cidr-set.js";
