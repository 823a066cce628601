import type { Node } from "kubernetes-types/core/v1.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../net/ipv4.js";
import type { NodeSpec } from "./node-spec.js";

/** Kubernetes version kubesim reports for its nodes and API server. */
export const KUBERNETES_VERSION = "v1.32.0-kubesim";

/**
 * Chooses the pod CIDR (`--node-cidr-mask-size` 24 of the cluster's pod network) of each node the
 * cluster starts, before its agents start (they read it from the node scope; the kubelet registers
 * it, as `kubelet --pod-cidr`); kube-controller-manager's node IPAM takes those as allocated and
 * hands out CIDRs to every other Node. Also node InternalIPs from a node network (kind's 172.18.0.0/16).
 */
export class NodeAddressing {
  private readonly podBase: number;
  private readonly podBlocks: number;
  private readonly usedBlocks = new Set<number>();
  /** Node addresses handed out (as integers). */
  private readonly usedHosts = new Set<number>();
  private readonly nodeBase = ipv4ToUint32("172.18.0.0");
  /** No block below this one is free (allocation resumes here instead of scanning from the first). */
  private freeBlockFrom = 0;
  /** Per node network base: no host number below this one is free there. */
  private readonly freeHostFrom = new Map<number, number>();
  /** Pod CIDRs already marked used by {@link occupyPodCidr} (a node listing repeats them). */
  private readonly occupied = new Set<string>();

  constructor(
    podNetworkCidr: string,
    private readonly nodeMask = 24,
    /** The underlay's subnets when it has several (`underlaySubnets`); node addresses come from the one asked for. */
    private readonly underlaySubnets: readonly string[] = [],
  ) {
    const { network, prefix } = parseIpv4Cidr(podNetworkCidr);
    if (prefix > nodeMask) throw new Error(`podNetworkCidr ${podNetworkCidr} is smaller than one node's /${nodeMask}`);
    this.podBase = network;
    this.podBlocks = 2 ** (nodeMask - prefix);
  }

  /** Reserves the next free pod CIDR (or `requested` if free). */
  allocatePodCidr(requested?: string): string {
    if (requested) {
      const block = (parseIpv4Cidr(requested).network - this.podBase) >>> (32 - this.nodeMask);
      this.usedBlocks.add(block);
      return requested;
    }
    for (let i = this.freeBlockFrom; i < this.podBlocks; i++) {
      if (this.usedBlocks.has(i)) continue;
      this.usedBlocks.add(i);
      this.freeBlockFrom = i + 1;
      return `${uint32ToIpv4(this.podBase + i * 2 ** (32 - this.nodeMask))}/${this.nodeMask}`;
    }
    throw new Error(`pod network exhausted: no free /${this.nodeMask} left for another node`);
  }

  /** Marks a CIDR some other allocator (node IPAM) gave a Node as used; ignores CIDRs outside the pod network. */
  occupyPodCidr(cidr: string): void {
    if (this.occupied.has(cidr)) return;
    this.occupied.add(cidr);
    const block = (parseIpv4Cidr(cidr).network - this.podBase) / 2 ** (32 - this.nodeMask);
    if (block >= 0 && block < this.podBlocks) this.usedBlocks.add(Math.floor(block));
  }

  releasePodCidr(cidr: string): void {
    const block = (parseIpv4Cidr(cidr).network - this.podBase) >>> (32 - this.nodeMask);
    this.usedBlocks.delete(block);
    this.occupied.delete(cidr);
    this.freeBlockFrom = Math.min(this.freeBlockFrom, block);
  }

  /**
   * The next free node address: 172.18.0.2, .3, ... — or, on an underlay of several subnets, the
   * next in `subnet` (default the first): .2 onwards, .1 being the router's.
   */
  allocateNodeIP(subnet?: string): string {
    let base = this.nodeBase;
    let size = 65536;
    if (subnet !== undefined || this.underlaySubnets.length) {
      const cidr = subnet ?? this.underlaySubnets[0]!;
      if (!this.underlaySubnets.includes(cidr)) throw new Error(`node subnet ${cidr} is not one of the cluster's underlay subnets (${this.underlaySubnets.join(", ") || "none configured"})`);
      const { network, prefix } = parseIpv4Cidr(cidr);
      base = network;
      size = 2 ** (32 - prefix);
    }
    for (let host = this.freeHostFrom.get(base) ?? 2; host < size - 2; host++) {
      if (this.usedHosts.has(base + host)) continue;
      this.usedHosts.add(base + host);
      this.freeHostFrom.set(base, host + 1);
      return uint32ToIpv4(base + host);
    }
    throw new Error(`node network exhausted${subnet ? `: no address left in ${subnet}` : ""}`);
  }

  /** Marks an address a Node registered elsewhere (another process's kubelet) has as used. */
  occupyNodeIP(ip: string): void {
    this.usedHosts.add(ipv4ToUint32(ip));
  }

  releaseNodeIP(ip: string): void {
    const addr = ipv4ToUint32(ip);
    this.usedHosts.delete(addr);
    // Lower the resume point of whichever node network holds the address.
    for (const [base, from] of this.freeHostFrom) if (addr >= base && addr - base < from) this.freeHostFrom.set(base, Math.max(2, addr - base));
  }
}

/**
 * The Node object a kubelet would register for `spec`: labels (hostname, os, arch, role), the
 * control-plane taint (unless `controlPlaneTaint` is false: kind leaves a cluster without workers
 * schedulable), pod CIDR, address, capacity and node info. Until kubelets exist its Ready
 * condition is True with a message saying that no kubelet runs pods on it (a documented
 * difference: a real node without a kubelet would turn NotReady).
 */
export function nodeObject(spec: Required<Pick<NodeSpec, "name" | "role">> & NodeSpec, podCidr: string, internalIP: string, now: string, options: { controlPlaneTaint?: boolean } = {}): Node {
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": spec.name,
    "kubernetes.io/os": "linux",
    ...(spec.role === "control-plane" ? { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
    ...(spec.labels ?? {}),
  };
  const taints = [...(spec.taints ?? [])];
  if (spec.role === "control-plane" && (options.controlPlaneTaint ?? true) && !taints.some((t) => t.key === "node-role.kubernetes.io/control-plane")) {
    taints.push({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" });
  }
  const capacity = { cpu: "4", "ephemeral-storage": "100Gi", memory: "8Gi", pods: "110", ...(spec.capacity ?? {}) };
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: spec.name, labels, annotations: { "node.alpha.kubernetes.io/ttl": "0", "kubesim.io/registered-by": "cluster" } },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr], providerID: `kubesim://${spec.name}`, ...(taints.length ? { taints } : {}) },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [{ type: "InternalIP", address: internalIP }, { type: "Hostname", address: spec.name }],
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "node registered by kubesim (no kubelet runs pods on it yet)"),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: "",
        containerRuntimeVersion: "kubesim://0.1.0",
        kernelVersion: "6.1.0-kubesim",
        kubeProxyVersion: KUBERNETES_VERSION,
        kubeletVersion: KUBERNETES_VERSION,
        machineID: "",
        operatingSystem: "linux",
        osImage: "kubesim",
        systemUUID: "",
      },
    },
  };
}
