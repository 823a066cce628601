import { definePlugin } from "../../core/plugins/plugin.js";
import { NodeAgents, type NodeAgent } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName, NodePodCidr } from "../../core/cluster/node-spec.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Images } from "../../core/cri/images.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { KINDNET_IMAGE_DEFINITION } from "./image.js";
import { kindnetManifest } from "./manifest.js";
import { KindnetRoutes } from "./node-routes.js";

export { kindnetManifest, KINDNET_IMAGE } from "./manifest.js";

/** kind's CNI configuration (kindnetd writes it from the node's podCIDR). */
export function kindnetConflist(podCidr: string, mtu = 1500): string {
  return `{
\t"cniVersion": "0.3.1",
\t"name": "kindnet",
\t"plugins": [
\t{
\t\t"type": "ptp",
\t\t"ipMasq": false,
\t\t"ipam": {
\t\t\t"type": "host-local",
\t\t\t"dataDir": "/run/cni-ipam-state",
\t\t\t"routes": [
\t\t\t\t{ "dst": "0.0.0.0/0" }
\t\t\t],
\t\t\t"ranges": [
\t\t\t\t[ { "subnet": "${podCidr}" } ]
\t\t\t]
\t\t},
\t\t"mtu": ${mtu}
\t},
\t{
\t\t"type": "portmap",
\t\t"capabilities": {
\t\t\t"portMappings": true
\t\t}
\t}
\t]
}
`;
}

/** kindnetd's masquerade agent: everything leaving for outside the pod network is masqueraded. */
function masqAgentRules(podNetworkCidr: string): string {
  return [
    "*nat",
    ":KIND-MASQ-AGENT - [0:0]",
    `-A POSTROUTING -m addrtype ! --dst-type LOCAL -m comment --comment "kind-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom KIND-MASQ-AGENT chain" -j KIND-MASQ-AGENT`,
    `-A KIND-MASQ-AGENT -d ${podNetworkCidr} -m comment --comment "kind-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`,
    `-A KIND-MASQ-AGENT -m comment --comment "kind-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE`,
    "COMMIT",
    "",
  ].join("\n");
}

/**
 * The node half of kindnet: writes /etc/cni/net.d/10-kindnet.conflist (ptp + host-local from the
 * node's podCIDR + portmap), keeps a route to every other node's pod CIDR via its InternalIP (shared
 * by the cluster's nodes, {@link KindnetRoutes}), and
 * installs the masquerade agent's rules. This is what the `kindnet` DaemonSet's pods stand for
 * (docs/networking.md, "How the network's agents are deployed").
 */
export function kindnetAgent(routes: KindnetRoutes): NodeAgent {
  return {
    start({ scope, signal }) {
      const self = scope.resolve<string>(NodeName);
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const root = plane.addNode(self, scope.resolve<string>(NodeIP));
      const files = scope.resolve<NodeFileSystem>(NodeFiles);
      const config = scope.resolve<NetworkConfig>(NetworkConfigToken);
      root.netfilter.restore(masqAgentRules(config.podNetworkCidr), { noflush: true });
      files.write("/etc/cni/net.d/10-kindnet.conflist", kindnetConflist(scope.resolve<string>(NodePodCidr)));
      root.main.attach(routes.routes, self);
      root.changed();
      routes.join(signal);
      return {
        stop() {
          routes.leave();
          files.remove("/etc/cni/net.d/10-kindnet.conflist");
        },
      };
    },
  };
}

export default definePlugin({
  name: "cni-kindnet",
  requires: ["cni-plugins"],
  description: "kind's default pod network: the kindnet DaemonSet; ptp + host-local + portmap per node, routes to every node's pod CIDR, masquerade to outside",
  async setup(ctx) {
    ctx.contribute(Images, KINDNET_IMAGE_DEFINITION.repository, KINDNET_IMAGE_DEFINITION);
    const network = ctx.resolve<NetworkConfig>(NetworkConfigToken);
    await ctx.resolve<AddonInstaller>(Addons).install(kindnetManifest(network.podNetworkCidr), (m) => ctx.log.warn(`kindnet manifest: ${m}`));
    ctx.contribute(NodeAgents, "kindnet", kindnetAgent(new KindnetRoutes(ctx.resolve<SharedInformerFactory>(InformerFactory))));
    return () => {
      ctx.extensions(NodeAgents).withdraw("kindnet");
      ctx.extensions(Images).withdraw(KINDNET_IMAGE_DEFINITION.repository);
    };
  },
});
