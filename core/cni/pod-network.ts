import { token } from "../di/token.js";
import type { NetworkStack } from "../net/sockets.js";

/**
 * What a container runtime asks of its node's pod network: the CNI calls a CRI runtime makes when it
 * creates and removes a pod sandbox (ADD/DEL/STATUS through the node's conflist in /etc/cni/net.d),
 * and the socket layer of each namespace. One per node, in the node's DI scope under
 * {@link PodNetwork}; provided by the pod-network implementation (core/cni + the data-plane model).
 * A node without one reports NetworkReady=false and runs only hostNetwork pods.
 */
export interface PodNetwork {
  /** NetworkReady as CRI's Status reports it: false until a network configuration exists on the node. */
  status(): PodNetworkStatus;
  /** CNI ADD for a sandbox: creates its network namespace and runs the conflist. Idempotent per sandboxId. */
  setUpPod(request: PodNetworkRequest): Promise<PodNetworkAttachment>;
  /** CNI DEL: releases addresses and removes the namespace. Idempotent; never fails for an unknown sandbox. */
  tearDownPod(request: PodNetworkRequest): Promise<void>;
  /** The node's root network namespace (hostNetwork pods, probes, the kubelet's own connections). */
  hostStack(): NetworkStack;
}

export interface PodNetworkStatus {
  readonly ready: boolean;
  /** e.g. `NetworkPluginNotReady` */
  readonly reason?: string;
  /** e.g. `Network plugin returns error: cni plugin not initialized` */
  readonly message?: string;
}

/** A sandbox's identity and the CNI_ARGS the runtime passes (K8S_POD_NAMESPACE, K8S_POD_NAME, ...). */
export interface PodNetworkRequest {
  readonly sandboxId: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly podUid: string;
  /** hostPort mappings for the portmap plugin. */
  readonly portMappings?: readonly { containerPort: number; hostPort: number; protocol: "TCP" | "UDP" | "SCTP"; hostIP?: string }[];
  /** kubernetes.io/ingress-bandwidth / egress-bandwidth annotations, for the bandwidth plugin. */
  readonly bandwidth?: { ingressRate?: number; egressRate?: number };
}

/** What ADD returned: the sandbox's addresses and its namespace's socket layer. */
export interface PodNetworkAttachment {
  /** IPv4 addresses of the pod's eth0, primary first (no prefix length). */
  readonly ips: readonly string[];
  readonly interfaceName: string;
  readonly stack: NetworkStack;
}

/** The node's pod network (node scope). */
export const PodNetwork = token<PodNetwork>("PodNetwork");
