import type { LoadBalancerStatus, Node, Service } from "kubernetes-types/core/v1.js";
import type { CloudProvider, InstanceMetadata, InstancesV2, LoadBalancer } from "./cloud-provider.js";
import { IpPool } from "./ip-pool.js";

/** The pool the `kubesim` provider hands load balancer addresses out of by default: the top of kind's node network, as MetalLB is usually set up on kind. */
export const DEFAULT_LOAD_BALANCER_POOL = "172.18.255.200-172.18.255.250";

/** What the `kubesim` cloud knows of one instance; unset fields come from the Node's own labels. */
export interface KubesimInstance {
  state?: "running" | "shutdown" | "terminated";
  zone?: string;
  region?: string;
  instanceType?: string;
}

/**
 * The `kubesim` cloud's instance table, by node name: tests and tools play the cloud through it
 * (an instance shut down or terminated, its zone). A node without an entry is a running instance.
 */
export class KubesimInstances {
  private readonly byName = new Map<string, KubesimInstance>();
  set(name: string, instance: KubesimInstance): void {
    this.byName.set(name, { ...this.byName.get(name), ...instance });
  }
  get(name: string): KubesimInstance | undefined {
    return this.byName.get(name);
  }
  shutdown(name: string): void {
    this.set(name, { state: "shutdown" });
  }
  terminate(name: string): void {
    this.set(name, { state: "terminated" });
  }
}

/**
 * The built-in `kubesim` cloud provider: load balancers are addresses from a pool (MetalLB on bare
 * metal), one per Service (by uid), kept when it is ensured again and returned when it is
 * deleted; an instance exists while the cluster has the node, with its zone and region from its
 * `topology.kubernetes.io` labels and its instance type from `node.kubernetes.io/instance-type`
 * (default `kubesim-node`).
 */
export function kubesimCloudProvider(options: { loadBalancerPool?: string; instances?: KubesimInstances } = {}): CloudProvider {
  const table = options.instances ?? new KubesimInstances();
  const pool = new IpPool(options.loadBalancerPool ?? DEFAULT_LOAD_BALANCER_POOL);
  const keyOf = (svc: Service): string => svc.metadata?.uid ?? `${svc.metadata?.namespace}/${svc.metadata?.name}`;
  const statusOf = (ip: string | undefined): LoadBalancerStatus => (ip ? { ingress: [{ ip, ipMode: "VIP" }] } : {});
  const loadBalancer: LoadBalancer = {
    async getLoadBalancer(_cluster, svc) {
      const ip = pool.get(keyOf(svc));
      return { status: statusOf(ip), exists: ip !== undefined };
    },
    async ensureLoadBalancer(_cluster, svc) {
      const key = keyOf(svc);
      const current = svc.status?.loadBalancer?.ingress?.[0]?.ip;
      const requested = svc.spec?.loadBalancerIP;
      if (requested && !pool.claim(key, requested)) throw new Error(`requested load balancer IP ${requested} is not available in pool ${pool.range}`);
      if (!requested && current && !pool.get(key)) pool.claim(key, current);
      const ip = pool.allocate(key);
      if (!ip) throw new Error(`no available IPs in pool ${pool.range}`);
      return statusOf(ip);
    },
    async updateLoadBalancer() {
      // Addresses do not depend on the node set.
    },
    async ensureLoadBalancerDeleted(_cluster, svc) {
      pool.release(keyOf(svc));
    },
  };
  const instances: InstancesV2 = {
    async instanceExists(node: Node) {
      return table.get(node.metadata?.name ?? "")?.state !== "terminated";
    },
    async instanceShutdown(node: Node) {
      return table.get(node.metadata?.name ?? "")?.state === "shutdown";
    },
    async instanceMetadata(node: Node): Promise<InstanceMetadata> {
      const labels = node.metadata?.labels ?? {};
      const known = table.get(node.metadata?.name ?? "");
      const zone = known?.zone ?? labels["topology.kubernetes.io/zone"];
      const region = known?.region ?? labels["topology.kubernetes.io/region"];
      const internal = (node.status?.addresses ?? []).filter((a) => a.type === "InternalIP" || a.type === "Hostname");
      return {
        providerID: node.spec?.providerID ?? `kubesim://${node.metadata?.name}`,
        instanceType: known?.instanceType ?? labels["node.kubernetes.io/instance-type"] ?? "kubesim-node",
        ...(zone ? { zone } : {}),
        ...(region ? { region } : {}),
        nodeAddresses: internal.length ? internal : [{ type: "Hostname", address: node.metadata?.name ?? "" }],
      };
    },
  };
  return { name: "kubesim", loadBalancer: () => loadBalancer, instancesV2: () => instances };
}
