import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { serveMetricsEndpoint } from "../../core/metrics/metrics-endpoint.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName } from "../../core/cluster/node-spec.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import { InformerFactory, SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Clock } from "../../core/clock/clock.js";
import { Proxier, type ProxyMode } from "./proxier.js";
import { Client } from "../../core/client/client.js";
import { ResourceRegistry } from "../../core/api/resource-registry.js";
import { BUILT_IN_TYPES } from "../../core/api/builtin/index.js";
import { Images } from "../../core/cri/images.js";
import { createObjects } from "../../core/cluster/create-objects.js";
import { KUBE_PROXY_IMAGE_DEFINITION } from "./image.js";
import { kubeProxyConfiguration, kubeProxyManifest } from "./manifest.js";

export { Proxier, type ProxyMode } from "./proxier.js";
export { portProtoHash, serviceChainName, endpointChainName } from "./chain-names.js";
export { iptablesRestoreInput } from "./iptables-rules.js";
export { kubeProxyCommand } from "./command.js";
export { kubeProxyManifest, kubeProxyConfiguration, KUBE_PROXY_IMAGE } from "./manifest.js";

export interface KubeProxyOptions {
  /** `--proxy-mode` (default iptables). */
  mode?: ProxyMode;
  /** `--iptables-min-sync-period` in ms (default 1000). */
  minSyncPeriodMs?: number;
  /**
   * Install kubeadm's kube-proxy add-on objects (ConfigMap, DaemonSet, RBAC; default true). False
   * for kube-proxy run as a process of its own (`kubesim kube-proxy`), as a hand-built cluster runs it.
   */
  addon?: boolean;
  /**
   * The client kube-proxy lists and watches Services and EndpointSlices through: its own
   * credentials (kubeadm's kube-proxy.conf, `system:kube-proxy`) when it runs inside a node process
   * whose client is the kubelet's (`kubesim kubelet --proxy-kubeconfig`). Default: the node's shared
   * informers.
   */
  client?: Client;
}

/** The proxiers running, by node (for tests, views and benchmarks). */
export const proxiers = new WeakMap<DataPlane, Map<string, Proxier>>();

/**
 * kube-proxy as a plugin, deployed as kubeadm deploys it: the kube-proxy ConfigMap
 * (KubeProxyConfiguration with the mode) and DaemonSet in kube-system, whose hostNetwork pods run
 * the registry.k8s.io/kube-proxy image on every node; and the data path those pods stand for, a
 * node agent per node (a {@link Proxier} on the node's root namespace, fed by the shared Service
 * and EndpointSlice informers), so rules exist from the node's registration on — with or without
 * a kubelet (docs/networking.md, "How the network's agents are deployed").
 */
export function kubeProxy(options: KubeProxyOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "kube-proxy",
    description: `kube-proxy (${options.mode ?? "iptables"} mode): Services and EndpointSlices to each node's iptables or IPVS rules`,
    async setup(ctx) {
      const mode = options.mode ?? "iptables";
      const minSyncPeriodMs = options.minSyncPeriodMs ?? 1000;
      const network = ctx.resolve<NetworkConfig>(NetworkConfigToken);
      ctx.contribute(Images, KUBE_PROXY_IMAGE_DEFINITION.repository, KUBE_PROXY_IMAGE_DEFINITION);
      if (options.addon !== false) await createObjects(ctx.resolve<Client>(Client), kubeProxyManifest(kubeProxyConfiguration({ mode, clusterCidr: network.podNetworkCidr, minSyncPeriodMs })), (m) => ctx.log.warn(`kube-proxy addon: ${m}`));
      ctx.contribute(NodeAgents, "kube-proxy", {
        start({ scope, signal }) {
          const node = scope.resolve<string>(NodeName);
          const plane = scope.resolve<DataPlane>(DataPlaneToken);
          const config = scope.resolve<NetworkConfig>(NetworkConfigToken);
          const nodeIP = scope.resolve<string>(NodeIP);
          const root = plane.addNode(node, nodeIP);
          const clock = scope.resolve<Clock>(Clock);
          const own = options.client ? new SharedInformerFactory({ client: options.client, clock, registry: new ResourceRegistry(BUILT_IN_TYPES) }) : undefined;
          const proxier = new Proxier({
            node,
            root,
            hostStack: plane.stack(root),
            informers: own ?? scope.resolve<SharedInformerFactory>(InformerFactory),
            clock,
            clusterCidr: config.podNetworkCidr,
            nodeIP,
            mode,
            minSyncPeriodMs,
            log: ctx.log,
          });
          let byNode = proxiers.get(plane);
          if (!byNode) proxiers.set(plane, (byNode = new Map()));
          byNode.set(node, proxier);
          proxier.start(signal);
          // metricsBindAddress 0.0.0.0:10249 (the ConfigMap's): reachable from the node's network, as Prometheus scrapes it.
          const metrics = serveMetricsEndpoint(plane.stack(root), 10249, { "/metrics": () => proxier.metrics.registry.metrics() });
          return {
            stop() {
              metrics.close();
              proxier.stop();
              void own?.shutdown();
              byNode.delete(node);
            },
          };
        },
      });
      return () => {
        ctx.extensions(NodeAgents).withdraw("kube-proxy");
        ctx.extensions(Images).withdraw(KUBE_PROXY_IMAGE_DEFINITION.repository);
      };
    },
  });
}

export default kubeProxy();
