import type { HpaSettings } from "./controllers/podautoscaler/horizontal-controller.js";
/** kube-controller-manager's settings, named after its flags. */
export interface KubeControllerManagerOptions {
  /** `--controllers`: `"*"` (default), `"*,-ttl"`, `["foo", "bar"]`. */
  controllers?: string | readonly string[];
  /**
   * `--use-service-account-credentials` (default true, kubeadm's setting): each controller acts as
   * its own ServiceAccount `kube-system/<name>` under the bootstrap `system:controller:<name>` role,
   * instead of as the controller manager's own user.
   */
  useServiceAccountCredentials?: boolean;
  /** `--concurrent-*-syncs` by flag name without the dashes: `{ "concurrent-deployment-syncs": 10 }`. */
  concurrency?: Readonly<Record<string, number>>;
  /** `--leader-elect` (default true): run the controllers only while holding kube-system/kube-controller-manager. */
  leaderElect?: boolean;
  /** `--leader-elect-lease-duration`, `--leader-elect-renew-deadline`, `--leader-elect-retry-period` in ms (15 s, 10 s, 2 s). */
  leaseDuration?: number;
  renewDeadline?: number;
  retryPeriod?: number;
  /** Leader election identity (default `<hostname>_<uuid>`). */
  identity?: string;
  /** `--allocate-node-cidrs`: run the node IPAM controller (a Cluster turns it on with its pod network). */
  allocateNodeCidrs?: boolean;
  /** `--cluster-cidr`: the pod network node CIDRs are cut from. */
  clusterCidr?: string;
  /** `--node-cidr-mask-size` (default 24). */
  nodeCidrMaskSize?: number;
  /** `--service-cluster-ip-range`: kept out of node CIDRs. */
  serviceClusterIpRange?: string;
  /** `--terminated-pod-gc-threshold`: terminated pods kept before the oldest are deleted (12500; 0 keeps all). */
  terminatedPodGcThreshold?: number;
  /** Node lifecycle settings (`--node-monitor-period`, `--node-monitor-grace-period`, ... in ms and per second). */
  nodeLifecycle?: Partial<NodeLifecycleSettings>;
  /** `--cluster-signing-duration` in ms: the longest validity the CSR signers hand out (8760 h). */
  clusterSigningDurationMs?: number;
  /** The HPA's `--horizontal-pod-autoscaler-*` settings (sync period 15 s, tolerance 0.1, downscale stabilization 5 min, ... in ms). */
  horizontalPodAutoscaler?: Partial<HpaSettings>;
}

/** The node lifecycle controller's flags, upstream's defaults in {@link NODE_LIFECYCLE_DEFAULTS}. */
export interface NodeLifecycleSettings {
  /** `--node-monitor-period`: how often node health is checked (5 s). */
  nodeMonitorPeriod: number;
  /** `--node-monitor-grace-period`: a node not heard from for this long goes Ready=Unknown (50 s in 1.32). */
  nodeMonitorGracePeriod: number;
  /** `--node-startup-grace-period`: the same for a node that never posted a Ready condition (60 s). */
  nodeStartupGracePeriod: number;
  /** `--node-eviction-rate`: nodes tainted per second per healthy zone (0.1). */
  nodeEvictionRate: number;
  /** `--secondary-node-eviction-rate`: the rate in an unhealthy zone of a large cluster (0.01). */
  secondaryNodeEvictionRate: number;
  /** `--large-cluster-size-threshold`: zones with more nodes than this are "large" (50). */
  largeClusterSizeThreshold: number;
  /** `--unhealthy-zone-threshold`: the not-ready fraction (with more than 2 not ready) that makes a zone unhealthy (0.55). */
  unhealthyZoneThreshold: number;
}

export const NODE_LIFECYCLE_DEFAULTS: NodeLifecycleSettings = {
  nodeMonitorPeriod: 5_000,
  nodeMonitorGracePeriod: 50_000,
  nodeStartupGracePeriod: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** The Lease kube-controller-manager replicas compete for. */
export const LEASE_NAMESPACE = "kube-system";
export const LEASE_NAME = "kube-controller-manager";
