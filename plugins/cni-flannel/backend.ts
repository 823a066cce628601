import type { Lease, LeaseEvents } from "./lease.js";

/** A flannel backend on one node: how remote leases become routes (and, for overlays, tunnel state). */
export interface Backend extends LeaseEvents {
  readonly type: string;
  /** The MTU pods get (FLANNEL_MTU): the underlay's minus the backend's overhead. */
  readonly mtu: number;
  /** The backend data published with this node's lease. */
  readonly data: Lease["backendData"] | null;
  /** Problems flanneld logged while programming leases (what `kubectl logs` of kube-flannel would show). */
  readonly errors: readonly string[];
  /** True when the backend's entries for other leases are shared by the cluster's nodes (programmed once, not through this backend's events). */
  readonly shared?: boolean;
  /** Removes what the backend created on the node. */
  teardown(): void;
}
