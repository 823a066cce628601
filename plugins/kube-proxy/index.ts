import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName } from "../../core/cluster/node-spec.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Clock } from "../../core/clock/clock.js";
import { Proxier, type ProxyMode } from "./proxier.js";

export { Proxier, type ProxyMode } from "./proxier.js";
export { portProtoHash, serviceChainName, endpointChainName } from "./chain-names.js";
export { iptablesRestoreInput } from "./iptables-rules.js";

export interface KubeProxyOptions {
  /** `--proxy-mode` (default iptables). */
  mode?: ProxyMode;
  /** `--iptables-min-sync-period` in ms (default 1000). */
  minSyncPeriodMs?: number;
}

/** The proxiers running, by node (for tests, views and benchmarks). */
export const proxiers = new WeakMap<DataPlane, Map<string, Proxier>>();

/**
 * kube-proxy as a plugin: its per-node data path (a {@link Proxier} on every node's root namespace,
 * fed by the shared Service and EndpointSlice informers). Real clusters run it as the `kube-proxy`
 * DaemonSet in kube-system; here it is a node agent until DaemonSets run (docs/networking.md).
 */
export function kubeProxy(options: KubeProxyOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "kube-proxy",
    description: `kube-proxy (${options.mode ?? "iptables"} mode): Services and EndpointSlices to each node's iptables or IPVS rules`,
    setup(ctx) {
      ctx.contribute(NodeAgents, "kube-proxy", {
        start({ scope, signal }) {
          const node = scope.resolve<string>(NodeName);
          const plane = scope.resolve<DataPlane>(DataPlaneToken);
          const config = scope.resolve<NetworkConfig>(NetworkConfigToken);
          const nodeIP = scope.resolve<string>(NodeIP);
          const root = plane.addNode(node, nodeIP);
          const proxier = new Proxier({
            node,
            root,
            hostStack: plane.stack(root),
            informers: scope.resolve<SharedInformerFactory>(InformerFactory),
            clock: scope.resolve<Clock>(Clock),
            clusterCidr: config.podNetworkCidr,
            nodeIP,
            mode: options.mode ?? "iptables",
            minSyncPeriodMs: options.minSyncPeriodMs ?? 1000,
            log: ctx.log,
          });
          let byNode = proxiers.get(plane);
          if (!byNode) proxiers.set(plane, (byNode = new Map()));
          byNode.set(node, proxier);
          proxier.start(signal);
          return {
            stop() {
              proxier.stop();
              byNode.delete(node);
            },
          };
        },
      });
      return () => void ctx.extensions(NodeAgents).withdraw("kube-proxy");
    },
  });
}

export default kubeProxy();
