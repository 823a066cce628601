/** kube-controller-manager's settings, named after its flags. */
export interface KubeControllerManagerOptions {
  /** `--controllers`: `"*"` (default), `"*,-ttl"`, `["foo", "bar"]`. */
  controllers?: string | readonly string[];
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
}

/** The Lease kube-controller-manager replicas compete for. */
export const LEASE_NAMESPACE = "kube-system";
export const LEASE_NAME = "kube-controller-manager";
