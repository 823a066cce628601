import type { LoadBalancerStatus, Node, NodeAddress, Service } from "kubernetes-types/core/v1.js";
import { extensionPoint } from "../../core/index.js";

/**
 * A cloud's load balancers (k8s.io/cloud-provider's `LoadBalancer`). Implementations are
 * idempotent: `ensureLoadBalancer` may be called again for a Service that already has one.
 */
export interface LoadBalancer {
  /** The Service's load balancer, if it exists. */
  getLoadBalancer(clusterName: string, service: Service): Promise<{ status: LoadBalancerStatus; exists: boolean }>;
  /** Creates or updates the Service's load balancer over `nodes`; returns what goes in `status.loadBalancer`. */
  ensureLoadBalancer(clusterName: string, service: Service, nodes: readonly Node[]): Promise<LoadBalancerStatus>;
  /** The node set changed: point the load balancer at `nodes`. */
  updateLoadBalancer(clusterName: string, service: Service, nodes: readonly Node[]): Promise<void>;
  /** Deletes the Service's load balancer; succeeds when there is none. */
  ensureLoadBalancerDeleted(clusterName: string, service: Service): Promise<void>;
}

/** What the cloud knows of a node (k8s.io/cloud-provider's `InstanceMetadata`). */
export interface InstanceMetadata {
  providerID: string;
  instanceType?: string;
  zone?: string;
  region?: string;
  /** The node's addresses as the cloud knows them (InternalIP, ExternalIP, Hostname, ...). */
  nodeAddresses?: NodeAddress[];
}

/** A cloud's instances (k8s.io/cloud-provider's `InstancesV2`). */
export interface InstancesV2 {
  /** Whether the node's instance still exists (a deleted instance deletes its Node). */
  instanceExists(node: Node): Promise<boolean>;
  /** Whether the node's instance is shut down (it gets the `node.cloudprovider.kubernetes.io/shutdown` taint while NotReady). */
  instanceShutdown?(node: Node): Promise<boolean>;
  instanceMetadata(node: Node): Promise<InstanceMetadata>;
}

/**
 * A cloud provider (k8s.io/cloud-provider's `Interface`): each capability is optional, as
 * `LoadBalancer()` and `InstancesV2()` return `(impl, ok)` upstream. Zones come with
 * {@link InstanceMetadata}, as InstancesV2 providers report them.
 */
export interface CloudProvider {
  /** The provider's name (`--cloud-provider`). */
  readonly name: string;
  loadBalancer?(): LoadBalancer | undefined;
  instancesV2?(): InstancesV2 | undefined;
}

/** Cloud providers by name; cloud-controller-manager runs the one `--cloud-provider` names. */
export const CloudProviders = extensionPoint<CloudProvider>("cloud-providers", "a cloud provider (load balancers, instances, zones) for cloud-controller-manager");
