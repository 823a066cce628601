import type { Node } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import { Client } from "../../core/client/client.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import { NetworkPlugins } from "../../core/cni/network-plugins.js";
import { Images } from "../../core/cri/images.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import { ApiTypes } from "../../core/plugins/extension-points.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { token } from "../../core/di/token.js";
import { CALICO_API_VERSION, CALICO_TYPES } from "./api-types.js";
import { calicoNodeAgent } from "./calico-node.js";
import { IpamDatastore } from "./ipam-datastore.js";
import { calicoIpamPlugin, calicoPlugin } from "./cni-plugin.js";
import { birdc, calicoctl } from "./commands.js";
import { CALICO_IMAGES } from "./images.js";
import { calicoManifest } from "./manifest.js";
import type { CalicoMode } from "./modes.js";
import { CalicoNetwork, CalicoNetworkToken } from "./network.js";

export { CalicoNetwork, CalicoNetworkToken, type CalicoNodeState, type WorkloadEndpoint } from "./network.js";
export { modeSettings, type CalicoMode } from "./modes.js";
export { BIRD_CFG_DIR, CALICO_CONFLIST_PATH, CONFD_BATCH_MS } from "./calico-node.js";
export { CALICO_ANNOTATION } from "./confd-datastore.js";
export { parseSelector, SelectorError } from "./selector.js";
export { BGP_TIMERS } from "./bgp.js";
export { calicoRef, CALICO_API_VERSION } from "./api-types.js";
export { IpamDatastore, ipamBlockObject, blockAffinityObject, ipamHandleObject, blockName } from "./ipam-datastore.js";

export interface CalicoOptions {
  /** Default `ipip` (IPIP Always, as calico.yaml ships). */
  mode?: CalicoMode;
  /** The IPPool's blockSize (default 26). */
  blockSize?: number;
  /** The IPPool's CIDR (CALICO_IPV4POOL_CIDR; default the cluster's pod network). */
  poolCidr?: string;
  /** IPAM strictAffinity: never borrow from other nodes' blocks. */
  strictAffinity?: boolean;
}

async function install(client: Client, objects: readonly KubeObject[], warn: (m: string) => void): Promise<void> {
  for (const obj of objects) {
    try {
      await client.resource({ apiVersion: obj.apiVersion!, kind: obj.kind! }).create(obj, { fieldManager: "kubectl-client-side-apply" });
    } catch (err) {
      if (isStatusError(err, "AlreadyExists")) continue;
      warn(`calico.yaml: ${obj.kind} ${obj.metadata?.name}: ${String(err)}`);
    }
  }
}

/** Calico IPAM's writer of IPAMBlock, BlockAffinity and IPAMHandle objects (cluster scope); `idle()` waits for its writes. */
export const CalicoIpamDatastore = token<IpamDatastore>("CalicoIpamDatastore");

/**
 * Calico as a pod network (`cni-calico`): the `calico` and `calico-ipam` CNI plugins, calico-node
 * on every node (Felix, BIRD, confd), Calico IPAM, the crd.projectcalico.org/v1 types, calico.yaml's
 * objects, `birdc`/`calicoctl` on the node shell, and calico-kube-controllers' node controller
 * (IPAM released for deleted Nodes). `calico({ mode: "vxlan" })` chooses another mode.
 */
export function calico(options: CalicoOptions = {}): DefinedPlugin {
  const mode = options.mode ?? "ipip";
  return definePlugin({
    name: "cni-calico",
    requires: ["cni-plugins"],
    description: `Calico pod network (${mode}): calico + calico-ipam CNI, calico-node (Felix, BIRD, confd), Calico IPAM`,
    async setup(ctx) {
      const podCidr = options.poolCidr ?? ctx.resolve<NetworkConfig>(NetworkConfigToken).podNetworkCidr;
      const network = new CalicoNetwork(mode, podCidr, ctx.clock, ctx.random, { ...(options.blockSize ? { blockSize: options.blockSize } : {}) });
      network.ipam.strictAffinity = options.strictAffinity ?? false;
      ctx.provide(CalicoNetworkToken, network);
      for (const t of CALICO_TYPES) ctx.contribute(ApiTypes, `${t.descriptor.plural}.${t.descriptor.group}`, t);
      ctx.contribute(NetworkPlugins, "calico", calicoPlugin(network));
      ctx.contribute(NetworkPlugins, "calico-ipam", calicoIpamPlugin(network));
      for (const image of CALICO_IMAGES) ctx.contribute(Images, image.repository, image);
      ctx.contribute(NodeCommands, "birdc", birdc(network));
      ctx.contribute(NodeCommands, "birdcl", birdc(network));
      ctx.contribute(NodeCommands, "calicoctl", calicoctl(network));
      ctx.contribute(NodeAgents, "calico-node", calicoNodeAgent(network));
      const client = ctx.resolve<Client>(Client);
      const datastore = new IpamDatastore(network.ipam, client, ctx.log);
      ctx.provide(CalicoIpamDatastore, datastore);
      // calico-kube-controllers' node controller: a deleted Node's IPAM is released.
      const informers = ctx.resolve<SharedInformerFactory>(InformerFactory);
      const reg = informers.forResource<Node>("Node").addEventHandler({
        onDelete: (n) => {
          const node = isTombstone(n) ? n.obj : n;
          if (node.metadata?.name) network.ipam.releaseNode(node.metadata.name);
        },
      });
      const manifest = calicoManifest(network.ipam.pool, network.settings.backend, network.settings.mtu);
      await install(client, manifest.filter((o) => o.apiVersion !== CALICO_API_VERSION), (m) => ctx.log.warn(m));
      // The IPPool is created by the first calico-node (its types are served once the plugins have started).
      network.ensureObjects = () => install(client, manifest.filter((o) => o.apiVersion === CALICO_API_VERSION), (m) => ctx.log.warn(m));
      return async () => {
        reg.remove();
        datastore.stop();
        await datastore.idle();
        for (const name of ["birdc", "birdcl", "calicoctl"]) ctx.extensions(NodeCommands).withdraw(name);
        ctx.extensions(NodeAgents).withdraw("calico-node");
        ctx.extensions(NetworkPlugins).withdraw("calico");
        ctx.extensions(NetworkPlugins).withdraw("calico-ipam");
        for (const image of CALICO_IMAGES) ctx.extensions(Images).withdraw(image.repository);
      };
    },
  });
}

export default calico();
