/**
 * A subnet lease as flannel's subnet managers hand it to a backend: the node's subnet, its public
 * (underlay) address, and the backend's type and data (`{"VNI":1,"VtepMAC":"..."}` for vxlan).
 */
export interface Lease {
  /** The Node (kube subnet manager) or lease key (etcd) it came from. */
  readonly owner: string;
  /** `10.244.1.0/24` */
  readonly subnet: string;
  readonly network: number;
  readonly prefix: number;
  readonly publicIP: number;
  readonly backendType: string;
  readonly backendData: { readonly VNI?: number; readonly VtepMAC?: string };
}

/** Added or removed leases of other nodes (flannel's subnet.Event). */
export interface LeaseEvents {
  added(lease: Lease): void;
  removed(lease: Lease): void;
}

/** A running subnet manager (kube or etcd): the other nodes' leases it knows, and stopping it. */
export interface SubnetManager {
  leases(): Lease[];
  stop(): void;
}
