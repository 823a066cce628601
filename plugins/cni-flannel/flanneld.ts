import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { NodeAgent, NodeAgentHandle } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName, NodePodCidr } from "../../core/cluster/node-spec.js";
import { Clock } from "../../core/clock/clock.js";
import type { NetNamespace } from "../../core/net/netns.js";
import { randomMac } from "../../core/net/mac.js";
import type { EtcdConnection } from "../../core/store/etcd/etcd-client.js";
import { EtcdSubnetRegistry, type LeaseAttrs } from "./etcd-registry.js";
import { EtcdSubnetManager } from "./etcd-subnet-manager.js";
import type { SubnetManager } from "./lease.js";
import { UdpBackend } from "./udp-backend.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { Client } from "../../core/client/client.js";
import { Logger } from "../../core/log/logger.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { Backend } from "./backend.js";
import { FLANNEL_CONFLIST } from "./cni-plugin.js";
import { HostGwBackend } from "./host-gw-backend.js";
import { ANNOTATION, KubeSubnetManager, type KubeLeaseWatcher } from "./kube-subnet-manager.js";
import { flannelRules } from "./masquerade.js";
import { FLANNEL_CONFIGMAP, FLANNEL_NAMESPACE } from "./manifest.js";
import { FlannelConfigError, SUPPORTED_BACKENDS, parseNetConf, type FlannelNetConf } from "./net-conf.js";
import { SUBNET_FILE, formatSubnetEnv, parseSubnetEnv } from "./subnet-env.js";
import { VxlanBackend } from "./vxlan-backend.js";

/** Where the install-cni init container copies the CNI configuration. */
export const FLANNEL_CONFLIST_PATH = "/etc/cni/net.d/10-flannel.conflist";

/** One node's running flanneld: its configuration, backend and subnet manager (for views and tests). */
export interface FlanneldState {
  readonly config: FlannelNetConf;
  readonly backend: Backend;
  readonly subnets: SubnetManager;
  /** The node's subnet (`10.244.1.0/24`): its podCIDR (kube) or its etcd lease. */
  readonly subnet: string;
}

/** Running flanneld instances by node name (per cluster: the agent registers here). */
export type FlanneldRegistry = Map<string, FlanneldState>;

/** flanneld's etcd subnet manager settings (`--etcd-endpoints`, `--etcd-prefix`, `--etcd-cafile`...). */
export interface FlannelEtcdOptions extends EtcdConnection {
  /** `--etcd-prefix` (default `/coreos.com/network`). */
  prefix?: string;
  /** The etcd lease TTL in seconds (upstream's fixed 24 h; shorter only to watch expiry happen). */
  ttlSeconds?: number;
}

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

/** The backend of `config` on a node whose subnet is `local.network` (vxlan may be given the VtepMAC it announced already). */
function makeBackend(plane: DataPlane, root: NetNamespace, config: FlannelNetConf, local: { network: number; publicIP: number }, vtepMac?: string, shared?: KubeLeaseWatcher): Backend {
  switch (config.Backend.Type) {
    case "vxlan":
      return new VxlanBackend(plane, root, local, config.Backend, vtepMac, shared && !config.Backend.DirectRouting ? (dev) => shared.vxlanEntries(dev) : undefined);
    case "host-gw":
      return new HostGwBackend(root);
    case "udp":
      return new UdpBackend(plane, root, local, parseIpv4Cidr(config.Network), config.Backend.Port);
    default:
      throw new FlannelConfigError(`error fetching backend: unknown backend type: ${config.Backend.Type} (kubesim's flanneld implements ${SUPPORTED_BACKENDS.join(", ")})`);
  }
}

/** The lease attributes a backend announces before it is set up (etcd mode acquires the lease with them). */
function leaseAttrs(config: FlannelNetConf, publicIP: string, vtepMac: string): LeaseAttrs {
  const base = { PublicIP: publicIP, PublicIPv6: null };
  switch (config.Backend.Type) {
    case "vxlan":
      return { ...base, BackendType: "vxlan", BackendData: { VNI: config.Backend.VNI ?? 1, VtepMAC: vtepMac } };
    case "host-gw":
      return { ...base, BackendType: "host-gw" };
    default:
      return base;
  }
}

/** The subnet of a previous run's subnet.env (FLANNEL_SUBNET `10.244.5.1/24` → `10.244.5.0/24`), if any. */
function previousSubnet(files: NodeFileSystem): string | undefined {
  const text = files.read(SUBNET_FILE);
  if (!text) return undefined;
  try {
    const { network, prefix } = parseIpv4Cidr(parseSubnetEnv(text).subnet);
    return `${uint32ToIpv4(network)}/${prefix}`;
  } catch {
    return undefined;
  }
}

/**
 * flanneld with `--ip-masq` on one node. With the kube subnet manager (`--kube-subnet-mgr`, the
 * default) it reads net-conf.json from the kube-flannel-cfg ConfigMap, takes the node's podCIDR as
 * its lease and publishes it as Node annotations; with the etcd subnet manager (`etcd` given) it
 * reads `<prefix>/config` from etcd and acquires a lease there, never touching the API server for
 * leases. Either way it sets up the backend (vxlan's flannel.1, host-gw's routes, udp's flannel0),
 * writes /run/flannel/subnet.env and the masquerade/forward rules, installs 10-flannel.conflist (the
 * install-cni init container's job), and keeps every other node's lease programmed as they come and go.
 */
export function flanneldAgent(registry: FlanneldRegistry, leases: KubeLeaseWatcher, etcd?: FlannelEtcdOptions): NodeAgent {
  return {
    async start({ scope, signal }): Promise<NodeAgentHandle> {
      const self = scope.resolve<string>(NodeName);
      const nodeIP = scope.resolve<string>(NodeIP);
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const files = scope.resolve<NodeFileSystem>(NodeFiles);
      const client = scope.resolve<Client>(Client);
      const log = scope.resolve<Logger>(Logger).child(`flanneld/${self}`);
      const publicIP = ipv4ToUint32(nodeIP);
      let config: FlannelNetConf;
      let subnet: string;
      let backend: Backend;
      let subnets: SubnetManager;
      if (etcd) {
        const clock = scope.resolve<Clock>(Clock);
        const manager = new EtcdSubnetManager(new EtcdSubnetRegistry(etcd, clock, etcd.prefix), clock, plane.random, log, etcd.ttlSeconds !== undefined ? { ttlSeconds: etcd.ttlSeconds } : {});
        try {
          config = await manager.networkConfig();
          const mac = randomMac(plane.random);
          const own = await manager.acquire(config, leaseAttrs(config, nodeIP, mac), previousSubnet(files));
          subnet = own.subnet;
          const root = plane.addNode(self, nodeIP);
          backend = makeBackend(plane, root, config, { network: own.network, publicIP }, mac);
          await manager.start(own, backend);
        } catch (err) {
          manager.stop();
          throw err;
        }
        subnets = manager;
      } else {
        config = await readNetConf(client);
        subnet = scope.resolve<string>(NodePodCidr);
        const root = plane.addNode(self, nodeIP);
        backend = makeBackend(plane, root, config, { network: parseIpv4Cidr(subnet).network, publicIP }, undefined, leases);
        const kube = new KubeSubnetManager(self, client, leases, log);
        const annotations: Record<string, string> = {
          [ANNOTATION.backendData]: JSON.stringify(backend.data),
          [ANNOTATION.backendType]: backend.type,
          [ANNOTATION.kubeSubnetManager]: "true",
          [ANNOTATION.publicIP]: nodeIP,
        };
        kube.start(annotations, backend.shared ? undefined : backend, signal);
        subnets = kube;
      }
      const root = plane.node(self)!;
      const local = parseIpv4Cidr(subnet);
      const network = parseIpv4Cidr(config.Network);
      const networkText = `${uint32ToIpv4(network.network)}/${network.prefix}`;
      root.netfilter.restore(flannelRules(networkText, subnet, true), { noflush: true });
      files.write(SUBNET_FILE, formatSubnetEnv({ network: networkText, subnet: `${uint32ToIpv4(local.network + 1)}/${local.prefix}`, mtu: backend.mtu, ipMasq: true }));
      files.write(FLANNEL_CONFLIST_PATH, FLANNEL_CONFLIST);
      registry.set(self, { config, backend, subnets, subnet });
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
