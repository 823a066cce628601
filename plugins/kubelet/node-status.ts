import type { Node, NodeCondition, ContainerImage } from "kubernetes-types/core/v1.js";
import { parseQuantity, subtractQuantities } from "../../core/api/quantity.js";
import type { NodeSpec } from "../../core/cluster/node-spec.js";
import type { Image } from "../../core/cri/runtime-service.js";

/** Kubernetes version the kubelet reports. */
export const KUBELET_VERSION = "v1.32.0";

/** kubelet's default hard eviction thresholds, subtracted from capacity for allocatable. */
const EVICTION_MEMORY = "100Mi";
const EVICTION_NODEFS_PERCENT = 10;

export const DEFAULT_CAPACITY = { cpu: "4", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "8Gi", pods: "110" };

/** Capacity and allocatable (capacity minus kube-reserved, system-reserved and the eviction thresholds). */
export function nodeResources(spec: NodeSpec): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity: Record<string, string> = { ...DEFAULT_CAPACITY, ...(spec.capacity ?? {}) };
  const memory = parseQuantity(capacity["memory"]!);
  const allocatable: Record<string, string> = { ...capacity };
  allocatable["memory"] = toKi(subtractQuantities(memory, parseQuantity(EVICTION_MEMORY)));
  const storage = parseQuantity(capacity["ephemeral-storage"]!);
  allocatable["ephemeral-storage"] = String(Math.floor(bytesOf(storage) * (1 - EVICTION_NODEFS_PERCENT / 100)));
  capacity["memory"] = toKi(memory);
  capacity["ephemeral-storage"] = toKi(storage);
  return { capacity, allocatable };
}

function bytesOf(q: ReturnType<typeof parseQuantity>): number {
  return Number(q.nanos / 1_000_000_000n);
}

function toKi(q: ReturnType<typeof parseQuantity>): string {
  return `${Math.floor(bytesOf(q) / 1024)}Ki`;
}

/** The node's conditions: pressure conditions and Ready (with the runtime's network error while NotReady). */
export interface NodePressure {
  MemoryPressure: boolean;
  DiskPressure: boolean;
  PIDPressure: boolean;
}

export const NO_PRESSURE: NodePressure = { MemoryPressure: false, DiskPressure: false, PIDPressure: false };

export function nodeConditions(now: string, previous: NodeCondition[] | undefined, networkError: string | undefined, pressure: NodePressure = NO_PRESSURE): NodeCondition[] {
  const cond = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const old = previous?.find((c) => c.type === type);
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: old && old.status === status ? old.lastTransitionTime! : now };
  };
  return [
    pressure.MemoryPressure ? cond("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available") : cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    pressure.DiskPressure ? cond("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure") : cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    pressure.PIDPressure ? cond("PIDPressure", "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available") : cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    networkError ? cond("Ready", "False", "KubeletNotReady", networkError) : cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

/** `status.images`: names as kubelet lists them (repo digests and tags), largest first, at most 50. */
export function nodeImages(images: Image[]): ContainerImage[] {
  return [...images]
    .sort((a, b) => b.size - a.size)
    .slice(0, 50)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }));
}

/** The taint `kubelet --cloud-provider=external` registers a Node with, until cloud-controller-manager initialises it. */
export const CLOUD_UNINITIALIZED_TAINT = Object.freeze({ key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" as const });

/**
 * The registered Node's spec: its `--register-with-taints`; with an external cloud provider also the
 * uninitialized taint and no providerID (the cloud node controller sets it), else kind's providerID.
 */
function registrationSpec(spec: NodeSpec & { name: string }): NonNullable<Node["spec"]> {
  const taints = (spec.taints ?? []).map((t) => ({ ...t }));
  if (spec.cloudProvider === "external") {
    if (!taints.some((t) => t.key === CLOUD_UNINITIALIZED_TAINT.key)) taints.push({ ...CLOUD_UNINITIALIZED_TAINT });
    return { taints };
  }
  return { providerID: `kind://docker/kubesim/${spec.name}`, ...(taints.length ? { taints } : {}) };
}

/** The Node a kubelet registers: labels (`--node-labels`), taints (`--register-with-taints`), addresses, capacity and nodeInfo. */
export function registrationNode(spec: NodeSpec & { name: string }, ip: string, runtimeVersion: string, images: Image[], now: string, networkError: string | undefined, machineId: string): Node {
  const { capacity, allocatable } = nodeResources(spec);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      labels: { "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": spec.name, "kubernetes.io/os": "linux", ...(spec.labels ?? {}) },
      annotations: { "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock", "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: registrationSpec(spec),
    status: {
      capacity,
      allocatable,
      conditions: nodeConditions(now, undefined, networkError),
      addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: spec.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: machineId,
        systemUUID: machineId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
        bootID: machineId.split("").reverse().join("").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
        kernelVersion: "6.8.0-kubesim",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        containerRuntimeVersion: runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: "linux",
        architecture: "amd64",
      },
      images: nodeImages(images),
    },
  };
}
