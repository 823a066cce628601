import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { NodeAgent, NodeAgentHandle } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName, NodePodCidr } from "../../core/cluster/node-spec.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { Client } from "../../core/client/client.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Logger } from "../../core/log/logger.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { Backend } from "./backend.js";
import { FLANNEL_CONFLIST } from "./cni-plugin.js";
import { HostGwBackend } from "./host-gw-backend.js";
import { ANNOTATION, KubeSubnetManager } from "./kube-subnet-manager.js";
import { flannelRules } from "./masquerade.js";
import { FLANNEL_CONFIGMAP, FLANNEL_NAMESPACE } from "./manifest.js";
import { FlannelConfigError, parseNetConf, type FlannelNetConf } from "./net-conf.js";
import { SUBNET_FILE, formatSubnetEnv } from "./subnet-env.js";
import { VxlanBackend } from "./vxlan-backend.js";

/** Where the install-cni init container copies the CNI configuration. */
export const FLANNEL_CONFLIST_PATH = "/etc/cni/net.d/10-flannel.conflist";

/** One node's running flanneld: its configuration, backend and subnet manager (for views and tests). */
export interface FlanneldState {
  readonly config: FlannelNetConf;
  readonly backend: Backend;
  readonly subnets: KubeSubnetManager;
}

/** Running flanneld instances by node name (per cluster: the agent registers here). */
export type FlanneldRegistry = Map<string, FlanneldState>;

async function readNetConf(client: Client): Promise<FlannelNetConf> {
  let cm: ConfigMap;
  try {
    cm = await client.resource<ConfigMap>("ConfigMap").get(FLANNEL_CONFIGMAP, { namespace: FLANNEL_NAMESPACE });
  } catch (err) {
    throw new FlannelConfigError(`failed to read net-conf.json: configmaps "${FLANNEL_CONFIGMAP}" not found in ${FLANNEL_NAMESPACE} (${String(err)})`);
  }
  const text = cm.data?.["net-conf.json"];
  if (text === undefined) throw new FlannelConfigError(`failed to read net-conf.json: open /etc/kube-flannel/net-conf.json: no such file or directory`);
  return parseNetConf(text);
}

/**
 * flanneld with `--ip-masq --kube-subnet-mgr` on one node: reads net-conf.json from the
 * kube-flannel-cfg ConfigMap, takes the node's podCIDR as its lease, sets up the backend (vxlan's
 * flannel.1 or host-gw), publishes the lease as Node annotations, writes /run/flannel/subnet.env and
 * the masquerade/forward rules, installs 10-flannel.conflist (the install-cni init container's
 * job), and keeps every other node's lease programmed as nodes come and go.
 */
export function flanneldAgent(registry: FlanneldRegistry): NodeAgent {
  return {
    async start({ scope, signal }): Promise<NodeAgentHandle> {
      const self = scope.resolve<string>(NodeName);
      const nodeIP = scope.resolve<string>(NodeIP);
      const podCidr = scope.resolve<string>(NodePodCidr);
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const files = scope.resolve<NodeFileSystem>(NodeFiles);
      const client = scope.resolve<Client>(Client);
      const log = scope.resolve<Logger>(Logger).child(`flanneld/${self}`);
      const config = await readNetConf(client);
      const root = plane.addNode(self, nodeIP);
      const subnet = parseIpv4Cidr(podCidr);
      const network = parseIpv4Cidr(config.Network);
      const local = { network: subnet.network, publicIP: ipv4ToUint32(nodeIP) };
      let backend: Backend;
      switch (config.Backend.Type) {
        case "vxlan":
          backend = new VxlanBackend(plane, root, local, config.Backend);
          break;
        case "host-gw":
          backend = new HostGwBackend(root);
          break;
        default:
          throw new FlannelConfigError(`error fetching backend: unknown backend type: ${config.Backend.Type} (kubesim's flanneld implements vxlan and host-gw)`);
      }
      const networkText = `${uint32ToIpv4(network.network)}/${network.prefix}`;
      root.netfilter.restore(flannelRules(networkText, podCidr, true), { noflush: true });
      files.write(SUBNET_FILE, formatSubnetEnv({ network: networkText, subnet: `${uint32ToIpv4(subnet.network + 1)}/${subnet.prefix}`, mtu: backend.mtu, ipMasq: true }));
      files.write(FLANNEL_CONFLIST_PATH, FLANNEL_CONFLIST);
      const subnets = new KubeSubnetManager(self, client, scope.resolve<SharedInformerFactory>(InformerFactory), log);
      const annotations: Record<string, string> = {
        [ANNOTATION.backendData]: JSON.stringify(backend.data),
        [ANNOTATION.backendType]: backend.type,
        [ANNOTATION.kubeSubnetManager]: "true",
        [ANNOTATION.publicIP]: nodeIP,
      };
      subnets.start(annotations, backend, signal);
      registry.set(self, { config, backend, subnets });
      return {
        stop() {
          subnets.stop();
          registry.delete(self);
          files.remove(FLANNEL_CONFLIST_PATH);
          files.remove(SUBNET_FILE);
        },
      };
    },
  };
}
