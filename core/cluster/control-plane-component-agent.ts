import type { Pod } from "kubernetes-types/core/v1.js";
import { NodeFiles, type NodeFileSystem } from "../cni/node-files.js";
import { serveHttpConnection } from "../cri/http.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../metrics/metrics-registry.js";
import type { MetricsSource } from "../metrics/metrics-endpoint.js";
import { DataPlaneToken, type DataPlane } from "../net/data-plane.js";
import { NetworkConfigToken, type NetworkConfig } from "../net/network-config.js";
import { componentHealthAnswer, writeStaticPodManifest, type HealthCheck } from "./control-plane-host.js";
import type { NodeAgent } from "./node-agents.js";
import { NodeIP, NodeName } from "./node-spec.js";

/** A control-plane component's node side (kube-controller-manager, kube-scheduler). */
export interface ControlPlaneComponentOptions {
  /** Its secure port on the node (`--secure-port`: 10257, 10259). */
  port: number;
  /** `/metrics`. */
  metrics: MetricsSource;
  /** The health endpoints it serves (`/healthz`; kube-scheduler also `/livez` and `/readyz`). */
  healthPaths: readonly string[];
  /** The in-process component's health, which those endpoints answer. */
  health: HealthCheck;
  /** kubeadm's static pod for it, from the cluster's network settings. */
  staticPod: (network: NetworkConfig, node: { name: string; ip: string }) => Pod;
}

/**
 * A control-plane component on a control-plane node, as kubeadm sets it up: its static pod's
 * manifest in /etc/kubernetes/manifests (the kubelet runs it and mirrors it into kube-system as
 * `<component>-<node>`), and its secure port in the node's root network namespace (the pod uses the
 * host network) serving `/metrics` and the health endpoints the pod's probes reach, answered from
 * the in-process component's health (500 naming the failed check when it is not healthy, so the
 * mirror pod's readiness and restarts show it). Other paths 404 as Go's mux answers. Plain HTTP:
 * the simulated network carries no TLS. Worker nodes get nothing.
 */
export function controlPlaneComponentAgent(options: ControlPlaneComponentOptions): NodeAgent {
  return {
    start({ role, scope }) {
      if (role !== "control-plane") return { stop() {} };
      const name = scope.resolve<string>(NodeName);
      const ip = scope.resolve<string>(NodeIP);
      if (scope.isRegistered(NodeFiles, true) && scope.isRegistered(NetworkConfigToken, true)) {
        writeStaticPodManifest(scope.resolve<NodeFileSystem>(NodeFiles), options.staticPod(scope.resolve<NetworkConfig>(NetworkConfigToken), { name, ip }));
      }
      if (!scope.isRegistered(DataPlaneToken, true)) return { stop() {} };
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const stack = plane.stack(plane.addNode(name, ip));
      const listener = stack.listen("TCP", options.port, (conn) =>
        serveHttpConnection(conn, async (req) => {
          const path = req.path.split("?")[0]!;
          if (options.healthPaths.includes(path)) return (await componentHealthAnswer(path, options.health, "healthz"))!;
          if (path === "/metrics") return { status: 200, headers: { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE }, body: await options.metrics() };
          return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }, body: "404 page not found\n" };
        }),
      );
      return { stop: () => listener.close() };
    },
  };
}
