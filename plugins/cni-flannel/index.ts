import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NetworkPlugins } from "../../core/cni/network-plugins.js";
import { Images } from "../../core/cri/images.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import { token } from "../../core/di/token.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { flannelCni } from "./cni-plugin.js";
import { Clock } from "../../core/clock/clock.js";
import { EtcdSubnetRegistry, FLANNEL_ETCD_PREFIX } from "./etcd-registry.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { KubeLeaseWatcher } from "./kube-subnet-manager.js";
import { flanneldAgent, type FlannelEtcdOptions, type FlanneldRegistry } from "./flanneld.js";
import { FLANNEL_IMAGES } from "./images.js";
import { flannelManifest } from "./manifest.js";
import { netConfJson, type BackendConfig } from "./net-conf.js";

export { parseNetConf, netConfJson, FlannelConfigError, type FlannelNetConf, type BackendConfig } from "./net-conf.js";
export { formatSubnetEnv, parseSubnetEnv, SUBNET_FILE, type SubnetEnv } from "./subnet-env.js";
export { FLANNEL_CONFLIST } from "./cni-plugin.js";
export { ANNOTATION, leaseOfNode } from "./kube-subnet-manager.js";
export { FLANNEL_NAMESPACE, FLANNEL_CONFIGMAP, FLANNEL_DAEMONSET, flannelManifest } from "./manifest.js";
export type { FlanneldState, FlannelEtcdOptions } from "./flanneld.js";
export { EtcdSubnetRegistry, FLANNEL_ETCD_PREFIX, subnetKey, parseSubnetKey, type LeaseAttrs } from "./etcd-registry.js";
export { EtcdSubnetManager, SUBNET_TTL_SECONDS, RENEW_MARGIN_MS } from "./etcd-subnet-manager.js";
export { UdpBackend, FLANNEL_UDP_PORT } from "./udp-backend.js";

export interface FlannelOptions {
  /** net-conf.json's Backend (default `{ Type: "vxlan" }`, as kube-flannel.yml ships). */
  backend?: BackendConfig;
  /**
   * The etcd subnet manager instead of the kube one: flanneld runs with `--etcd-endpoints` and keeps
   * its leases under `<prefix>/subnets/` in this etcd; the network config is written to
   * `<prefix>/config` at install when absent (what an administrator does with `etcdctl put`).
   */
  etcd?: FlannelEtcdOptions;
}


/** Writes `<prefix>/config` when etcd has none yet; an existing config is the administrator's and stays. */
async function seedEtcdConfig(etcd: FlannelEtcdOptions, clock: Clock, netConf: string): Promise<void> {
  const registry = new EtcdSubnetRegistry(etcd, clock, etcd.prefix);
  try {
    await registry.getNetworkConfig().catch(() => registry.putNetworkConfig(netConf));
  } finally {
    registry.close();
  }
}

/** The flanneld instances running in a cluster, by node name (cluster scope), for views and tests. */
export const Flanneld = token<FlanneldRegistry>("Flanneld");

/**
 * flannel as a pod network (`cni-flannel`): the `flannel` CNI plugin binary, flanneld on every node
 * (kube or etcd subnet manager; vxlan, host-gw or udp backend), its images, and kube-flannel.yml's objects.
 * `flannel({ backend: { Type: "host-gw" } })` chooses another backend.
 */
export function flannel(options: FlannelOptions = {}): DefinedPlugin {
  const backend = options.backend ?? { Type: "vxlan" };
  return definePlugin({
    name: "cni-flannel",
    requires: ["cni-plugins"],
    description: `flannel pod network (${backend.Type}): bridge cni0 + host-local per node, flanneld with the ${options.etcd ? "etcd" : "kube"} subnet manager, kube-flannel-ds`,
    async setup(ctx) {
      const registry: FlanneldRegistry = new Map();
      ctx.provide(Flanneld, registry);
      ctx.contribute(NetworkPlugins, "flannel", flannelCni);
      for (const image of FLANNEL_IMAGES) ctx.contribute(Images, image.repository, image);
      const network = ctx.resolve<NetworkConfig>(NetworkConfigToken).podNetworkCidr;
      const netConf = netConfJson(network, backend);
      const etcd = options.etcd;
      if (etcd) await seedEtcdConfig(etcd, ctx.resolve<Clock>(Clock), netConf);
      const args = etcd ? ["--ip-masq", `--etcd-endpoints=${etcd.endpoints.join(",")}`, `--etcd-prefix=${etcd.prefix ?? FLANNEL_ETCD_PREFIX}`] : undefined;
      await ctx.resolve<AddonInstaller>(Addons).install(flannelManifest(netConf, args), (m) => ctx.log.warn(`kube-flannel.yml: ${m}`), "kubectl-client-side-apply");
      ctx.contribute(NodeAgents, "flanneld", flanneldAgent(registry, new KubeLeaseWatcher(ctx.resolve<SharedInformerFactory>(InformerFactory)), etcd));
      return () => {
        ctx.extensions(NodeAgents).withdraw("flanneld");
        ctx.extensions(NetworkPlugins).withdraw("flannel");
        for (const image of FLANNEL_IMAGES) ctx.extensions(Images).withdraw(image.repository);
      };
    },
  });
}

export default flannel();
