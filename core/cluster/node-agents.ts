import type { DependencyContainer } from "tsyringe";
import { extensionPoint } from "../plugins/extension-point.js";

/** What a node agent is started with: the node's name, role and DI scope. */
export interface NodeAgentContext {
  readonly nodeName: string;
  readonly role: "control-plane" | "worker";
  /** The node's scope: node-local services (runtime, network namespaces, files) live here. */
  readonly scope: DependencyContainer;
  /** Aborted when the node is removed or the cluster stops. */
  readonly signal: AbortSignal;
}

/**
 * A per-node component (kubelet, kube-proxy's data path, a network agent): started for every node
 * the cluster registers, including nodes added while running, and stopped when the node is removed
 * or the cluster stops. Agents start in contribution order (so the plugin order given by
 * `requires` holds) and stop in reverse.
 */
export interface NodeAgent {
  /** Starts the agent on one node; the returned function stops it (awaited on removal). */
  start(ctx: NodeAgentContext): Promise<NodeAgentHandle> | NodeAgentHandle;
}

export interface NodeAgentHandle {
  stop(): Promise<void> | void;
}

/** Node agents, keyed by name (`kubelet`, `kube-proxy`, ...). */
export const NodeAgents = extensionPoint<NodeAgent>("node-agents", "a per-node component started on every node");
