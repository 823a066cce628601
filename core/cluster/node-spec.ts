import { token } from "../di/token.js";

/** A node to register, as given to `new Cluster({ nodes })`, `cluster.addNode` or cluster.yaml. */
export interface NodeSpec {
  /** DNS-1123 subdomain; default `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`, ... as kind names them. */
  name?: string;
  /** Default `worker`. A control-plane node gets the control-plane role label and NoSchedule taint. */
  role?: "control-plane" | "worker";
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
  /** Node capacity (default cpu 4, memory 8Gi, pods 110, ephemeral-storage 100Gi). */
  capacity?: { cpu?: string; memory?: string; pods?: string; "ephemeral-storage"?: string };
  /** The node's container runtime, a `ContainerRuntimes` contribution (`containerd` (default), `docker`). */
  runtime?: string;
  /** KubeletConfiguration fields of this node's kubelet. */
  kubeletConfig?: {
    /** Hard eviction thresholds by signal, e.g. `{ "memory.available": "100Mi", "nodefs.available": "10%" }` (default as upstream). */
    evictionHard?: Record<string, string>;
    imageGCHighThresholdPercent?: number;
    imageGCLowThresholdPercent?: number;
    /**
     * A directory of the host's (real) file system the kubelet runs static pods from, watched
     * for changes (KubeletConfiguration's `staticPodPath`, `kubelet --pod-manifest-path`).
     * Default: `/etc/kubernetes/manifests` in the node's simulated file system.
     */
    staticPodPath?: string;
  };
  /** On an underlay of several subnets (`underlaySubnets`): the one the node joins (default the first). */
  subnet?: string;
  /**
   * `kubelet --cloud-provider`: `external` registers the Node with the
   * `node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule` taint and no providerID, left
   * for cloud-controller-manager's cloud node controller to fill in (default: the cluster's
   * {@link KubeletCloudProvider}, else none).
   */
  cloudProvider?: "external" | "";
}

/**
 * The cluster's default `kubelet --cloud-provider` (cluster scope): a cloud-controller-manager
 * plugin provides `external`, as kubeadm sets it on every node of a cluster run with an external
 * cloud provider.
 */
export const KubeletCloudProvider = token<"external" | "">("KubeletCloudProvider");

/** The name of the node a per-node DI scope belongs to. */
export const NodeName = token<string>("NodeName");

/** The node's InternalIP on the underlay (kind's 172.18.0.0/16), as `kubelet --node-ip` gives it; node scope. */
export const NodeIP = token<string>("NodeIP");

/** The node's pod CIDR (`spec.podCIDR`), allocated by the cluster bootstrap; node scope. */
export const NodePodCidr = token<string>("NodePodCidr");

/** The node's spec as registered (role, labels, taints, capacity); node scope. */
export const NodeSpecToken = token<NodeSpec & { name: string; role: "control-plane" | "worker" }>("NodeSpec");
