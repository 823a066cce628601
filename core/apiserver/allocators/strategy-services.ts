import type { Service } from "kubernetes-types/core/v1.js";
import type { Random } from "../../clock/random.js";
import type { StrategyServices } from "../../api/strategy.js";
import { ClusterIPAllocator, DEFAULT_SERVICE_CIDR } from "./cluster-ip-allocator.js";
import { DEFAULT_NODE_PORT_RANGE, NodePortAllocator, parsePortRange, type PortRange } from "./node-port-allocator.js";

export interface StrategyServicesOptions {
  random: Random;
  /** IPv4 service CIDR (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** Node port range as `30000-32767` or parsed (default 30000-32767). */
  nodePortRange?: string | PortRange;
}

/** The allocator-backed StrategyServices, with the allocators themselves for inspection and rebuild. */
export interface AllocatingStrategyServices extends Required<StrategyServices> {
  readonly clusterIPs: ClusterIPAllocator;
  readonly nodePorts: NodePortAllocator;
  /** Marks the IPs and node ports of already-stored Services taken (call once at startup, before serving). */
  rebuildFrom(services: Iterable<Service>): void;
}

/** Wires a ClusterIPAllocator and a NodePortAllocator into the StrategyServices the Service strategy uses. */
export function createStrategyServices(opts: StrategyServicesOptions): AllocatingStrategyServices {
  const range = typeof opts.nodePortRange === "string" ? parsePortRange(opts.nodePortRange) : (opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE);
  const clusterIPs = new ClusterIPAllocator(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR, opts.random);
  const nodePorts = new NodePortAllocator(range, opts.random);
  return {
    clusterIPs,
    nodePorts,
    allocateClusterIP: (requested) => clusterIPs.allocate(requested),
    releaseClusterIP: (ip) => clusterIPs.release(ip),
    allocateNodePort: (requested) => nodePorts.allocate(requested),
    releaseNodePort: (port) => nodePorts.release(port),
    rebuildFrom(services) {
      for (const svc of services) {
        const spec = svc.spec;
        if (!spec) continue;
        const ips = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
        clusterIPs.rebuild(ips.filter((ip) => ip !== "None"));
        if (spec.ports) nodePorts.rebuild(spec.ports.flatMap((p) => (p.nodePort ? [p.nodePort] : [])));
        if (spec.healthCheckNodePort) nodePorts.rebuild([spec.healthCheckNodePort]);
      }
    },
  };
}
