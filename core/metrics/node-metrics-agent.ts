import type { NodeAgent } from "../cluster/node-agents.js";
import { NodeIP, NodeName } from "../cluster/node-spec.js";
import { DataPlaneToken, type DataPlane } from "../net/data-plane.js";
import { serveMetricsEndpoint, type MetricsSource } from "./metrics-endpoint.js";

/**
 * A node agent serving a component's metrics on `port` of the node's root network namespace (the
 * component's host port: it runs with host networking, as kube-controller-manager and
 * kube-scheduler do as static pods, and kube-proxy as a DaemonSet). With `controlPlaneOnly`, only
 * control-plane nodes serve it. The listener closes with the node.
 */
export function nodeMetricsAgent(port: number, paths: Readonly<Record<string, MetricsSource>>, options: { controlPlaneOnly?: boolean } = {}): NodeAgent {
  return {
    start({ role, scope }) {
      if (options.controlPlaneOnly && role !== "control-plane") return { stop() {} };
      if (!scope.isRegistered(DataPlaneToken, true)) return { stop() {} };
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const root = plane.addNode(scope.resolve<string>(NodeName), scope.resolve<string>(NodeIP));
      const listener = serveMetricsEndpoint(plane.stack(root), port, paths);
      return { stop: () => listener.close() };
    },
  };
}
