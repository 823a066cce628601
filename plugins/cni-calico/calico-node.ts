import type { Namespace, Node, Pod } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { NodeAgent, NodeAgentHandle } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName } from "../../core/cluster/node-spec.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { Client } from "../../core/client/client.js";
import { Clock, type TimerHandle } from "../../core/clock/clock.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Logger } from "../../core/log/logger.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { ipv4ToUint32, prefixMask, uint32ToIpv4 } from "../../core/net/ipv4.js";
import { calicoRef } from "./api-types.js";
import { BirdSpeaker } from "./bgp.js";
import { calicoConflist } from "./cni-plugin.js";
import { CALICO_ANNOTATION } from "./confd-datastore.js";
import { DEFAULT_AS, bgpProtocols, renderBirdAggrCfg, renderBirdCfg, renderBirdIpamCfg, type ConfdNode } from "./confd.js";
import { FELIX_PROTO, FelixRoutes } from "./felix.js";
import type { Block, IpamEvents } from "./ipam.js";
import { FelixPolicy, type PolicyPod } from "./felix-policy.js";
import { fromCalico, fromK8s, type PolicyModel } from "./policy-model.js";
import type { CalicoNetwork, CalicoNodeState } from "./network.js";

export const CALICO_CONFLIST_PATH = "/etc/cni/net.d/10-calico.conflist";
export const BIRD_CFG_DIR = "/etc/calico/confd/config";
/** The annotations calico-node keeps on its Node in the Kubernetes datastore. */
/** How long Felix batches policy-relevant changes before reprogramming. */
export const POLICY_BATCH_MS = 100;

/** How long confd waits to batch datastore changes into one render and BIRD reload. */
export const CONFD_BATCH_MS = 1000;

interface CalicoObject {
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
}

/**
 * calico-node on one node: registers the node (its address and tunnel on the Node's annotations),
 * installs 10-calico.conflist and /var/lib/calico/{nodename,mtu} (the install-cni init container's
 * and calico-node's start-up work), sets up Felix (tunnel device, blackholes for owned blocks,
 * natOutgoing, VXLAN routes), and with the bird backend runs BIRD with confd re-rendering bird.cfg
 * from the Nodes, BGPConfiguration and BGPPeers and reloading it.
 */
export function calicoNodeAgent(network: CalicoNetwork): NodeAgent {
  return {
    async start({ scope, signal }): Promise<NodeAgentHandle> {
      const self = scope.resolve<string>(NodeName);
      const nodeIP = scope.resolve<string>(NodeIP);
      const plane = scope.resolve<DataPlane>(DataPlaneToken);
      const files = scope.resolve<NodeFileSystem>(NodeFiles);
      const client = scope.resolve<Client>(Client);
      const clock = scope.resolve<Clock>(Clock);
      const informers = scope.resolve<SharedInformerFactory>(InformerFactory);
      const log = scope.resolve<Logger>(Logger).child(`calico-node/${self}`);
      await network.ensureOnce();
      const root = plane.addNode(self, nodeIP);
      const pool = network.ipam.pool;
      const felix = new FelixRoutes(plane, root, self, pool);
      const state: CalicoNodeState = { name: self, ip: nodeIP, felix };
      network.nodes.set(self, state);
      files.write("/var/lib/calico/nodename", self);
      files.write("/var/lib/calico/mtu", String(network.settings.mtu));
      felix.natOutgoing(pool);
      const underlay = root.addresses()[0]!;
      const ethPrefix = root.devices.get("eth0")!.addresses[0]!.prefix;
      const nodeNetwork = `${uint32ToIpv4((underlay & prefixMask(ethPrefix)) >>> 0)}/${ethPrefix}`;
      const annotations: Record<string, string> = { [CALICO_ANNOTATION.ipv4Address]: `${nodeIP}/${ethPrefix}` };
      const bird = network.settings.backend === "bird";
      const blockProto = bird ? "bird" : FELIX_PROTO;

      const datastore = network.confd(informers);
      let timer: TimerHandle | undefined;
      let rendered = "";
      const kernel = bird ? network.birdKernel(() => void plane.generation++) : undefined;
      if (bird) {
        state.speaker = new BirdSpeaker(network.fabric, self, ipv4ToUint32(nodeIP), DEFAULT_AS, undefined);
        kernel!.attach(root, state.speaker, (nh) => felix.encapsulates(nh), pool.ipipMode !== "CrossSubnet");
      }
      const ownBlock = (b: Block): void => {
        felix.ownBlock(b, blockProto);
        state.speaker?.originate(b.network, b.prefix);
      };
      const events: IpamEvents = {
        affinityClaimed(node, b) {
          if (node === self) {
            ownBlock(b);
            scheduleRender();
          } else if (!bird) felix.addRemoteBlock(b.network, b.prefix, node);
        },
        affinityReleased(node, b) {
          if (node === self) {
            felix.releaseBlock(b);
            state.speaker?.retract(b.network, b.prefix);
            scheduleRender();
          } else if (!bird) felix.removeRemoteBlock(b.network, b.prefix);
        },
        borrowed(node, ip) {
          if (node === self) state.speaker?.originate(ip, 32);
          else if (!bird) felix.addRemoteBlock(ip, 32, node);
        },
        returned(node, ip) {
          if (node === self) state.speaker?.retract(ip, 32);
          else if (!bird) felix.removeRemoteBlock(ip, 32);
        },
      };
      // With BIRD only the node's own blocks matter here (remote ones arrive over BGP); Felix's VXLAN routes need every node's.
      const unsubscribe = network.ipam.subscribe(events, bird ? self : undefined);
      for (const b of bird ? network.ipam.blocksOf(self) : network.ipam.blocks.values()) {
        const owner = b.affinity?.slice("host:".length);
        if (owner === self) ownBlock(b);
        else if (owner && !bird) felix.addRemoteBlock(b.network, b.prefix, owner);
      }

      // The tunnel address comes from the node's own block (allocating it claims the first block).
      if (network.settings.ipipMode !== "Never") {
        const { ip } = network.ipam.assign(self, `ipip-tunnel-addr-${self}`, { type: "ipipTunnelAddress" });
        felix.setupIpip(ip);
        annotations[CALICO_ANNOTATION.ipipTunnelAddr] = uint32ToIpv4(ip);
      }
      if (network.settings.vxlanMode !== "Never") {
        const { ip } = network.ipam.assign(self, `vxlan-tunnel-addr-${self}`, { type: "vxlanTunnelAddress" });
        const mac = felix.setupVxlan(ip, ipv4ToUint32(nodeIP));
        annotations[CALICO_ANNOTATION.vxlanTunnelAddr] = uint32ToIpv4(ip);
        annotations[CALICO_ANNOTATION.vxlanTunnelMac] = mac;
        state.vtep = { node: self, nodeIP: ipv4ToUint32(nodeIP), tunnelIP: ip, mac };
        network.vteps.set(self, state.vtep);
        for (const other of network.nodes.values()) if (other.name !== self) other.felix.addVtep(state.vtep);
        for (const v of network.vteps.values()) felix.addVtep(v);
      }
      files.write(CALICO_CONFLIST_PATH, calicoConflist(self));

      // confd: the datastore's nodes and BGP resources, rendered into bird*.cfg and BIRD's protocols.
      function render(): void {
        timer = undefined;
        const me: ConfdNode = datastore.nodes.get(self) ?? { name: self, ip: nodeIP, labels: {} };
        const settings = datastore.settings;
        if (state.speaker) state.speaker.clusterId = me.rrClusterId;
        state.rrClusterId = me.rrClusterId;
        const protocols = bird ? bgpProtocols(me, datastore, settings) : [];
        const text = renderBirdCfg(me, protocols, settings);
        files.write(`${BIRD_CFG_DIR}/bird_aggr.cfg`, renderBirdAggrCfg(network.ipam.blocksOf(self)));
        files.write(`${BIRD_CFG_DIR}/bird_ipam.cfg`, renderBirdIpamCfg(pool, nodeNetwork));
        if (text !== rendered) {
          rendered = text;
          files.write(`${BIRD_CFG_DIR}/bird.cfg`, text);
          state.speaker?.configure(protocols);
        }
      }
      function scheduleRender(): void {
        if (!timer && !signal.aborted) timer = clock.setTimeout(render, CONFD_BATCH_MS);
      }
      datastore.join(
        self,
        {
          own(n: Node) {
            const current = n.metadata?.annotations ?? {};
            if (Object.entries(annotations).some(([k, v]) => current[k] !== v))
              void client
                .resource<Node>("Node")
                .patch(self, "merge", { metadata: { annotations } }, { fieldManager: "calico-node" })
                .catch((err: unknown) => log.warn("failed to update the Node's Calico annotations", { error: String(err) }));
          },
          render: scheduleRender,
          nodeDeleted(name) {
            if (!bird) felix.removeVtep(name);
          },
        },
        signal,
      );
      const regs: { remove(): void }[] = [];
      // Felix's policy: pods (labels, named ports), namespaces, Kubernetes and Calico policies.
      const policy = new FelixPolicy(root);
      const podInf = informers.forResource<Pod>("Pod");
      const nsInf = informers.forResource<Namespace>("Namespace");
      const k8sPolicies = informers.forResource<NetworkPolicy>("NetworkPolicy");
      const calicoPolicies = informers.forResource<CalicoObject>(calicoRef("NetworkPolicy"));
      const globalPolicies = informers.forResource<CalicoObject>(calicoRef("GlobalNetworkPolicy"));
      const renderPolicy = (): void => {
        policyTimer = undefined;
        if (signal.aborted) return;
        const podOf = (ns: string, name: string): Pod | undefined => podInf.lister().namespace(ns).get(name);
        const pods: PolicyPod[] = [...network.endpoints.values()].map((ep) => {
          const p = podOf(ep.namespace, ep.pod);
          const ports = (p?.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.name).map((x) => ({ name: x.name!, protocol: x.protocol ?? "TCP", port: x.containerPort })));
          return { namespace: ep.namespace, name: ep.pod, ip: ep.ip, labels: p?.metadata?.labels ?? {}, ports };
        });
        const namespaces = new Map<string, Record<string, string>>();
        for (const n of nsInf.lister().list()) namespaces.set(n.metadata!.name!, { ...(n.metadata?.labels ?? {}), "kubernetes.io/metadata.name": n.metadata!.name! });
        const models: PolicyModel[] = [];
        for (const np of k8sPolicies.lister().list()) models.push(fromK8s(np));
        for (const cp of calicoPolicies.lister().list()) models.push(fromCalico("NetworkPolicy", cp as never));
        for (const gp of globalPolicies.lister().list()) models.push(fromCalico("GlobalNetworkPolicy", gp as never));
        const byKey = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
        const local = [...network.endpoints.values()].filter((ep) => ep.node === self).map((ep) => ({ pod: byKey.get(`${ep.namespace}/${ep.pod}`)!, iface: ep.iface }));
        try {
          policy.render(local, models, pods, namespaces);
        } catch (err) {
          log.warn("failed to program policy", { error: String(err) });
        }
      };
      let policyTimer: TimerHandle | undefined;
      const schedulePolicy = (): void => {
        if (!policyTimer && !signal.aborted) policyTimer = clock.setTimeout(renderPolicy, POLICY_BATCH_MS);
      };
      for (const inf of [podInf, nsInf, k8sPolicies, calicoPolicies, globalPolicies] as { addEventHandler(h: object): { remove(): void } }[]) regs.push(inf.addEventHandler({ onAdd: schedulePolicy, onUpdate: schedulePolicy, onDelete: schedulePolicy }));
      // A new endpoint is programmed at once (until then its traffic would hit "Unknown interface").
      network.endpointListeners.add(renderPolicy);
      if (informers.all().some((i) => !i.isStarted())) informers.start(signal);
      scheduleRender();
      renderPolicy();
      return {
        stop() {
          for (const r of regs) r.remove();
          datastore.leave(self);
          network.endpointListeners.delete(renderPolicy);
          clock.clearTimeout(policyTimer);
          unsubscribe();
          clock.clearTimeout(timer);
          timer = undefined;
          state.speaker?.stop();
          kernel?.detach(root);
          network.nodes.delete(self);
          network.vteps.delete(self);
          if (state.vtep) for (const other of network.nodes.values()) other.felix.removeVtep(self);
          files.remove(CALICO_CONFLIST_PATH);
        },
      };
    },
  };
}
