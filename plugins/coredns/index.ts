import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { Client } from "../../core/client/client.js";
import { isStatusError } from "../../core/api/status.js";
import { Images } from "../../core/cri/images.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeIP, NodeName } from "../../core/cluster/node-spec.js";
import { ClusterDnsAddressToken, ClusterDnsPort, ClusterDnsWorkers } from "../../core/cluster/cluster-dns.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { NetworkConfigToken, type NetworkConfig } from "../../core/net/network-config.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import type { Process } from "../../core/cri/process.js";
import { corednsImage } from "./addon/image.js";
import { clusterDnsIp, corednsObjects } from "./addon/manifests.js";
import { BUILTIN_DNS_PLUGINS } from "./dns-plugins/builtins.js";
import { DnsPlugins, type DnsPluginDefinition } from "./server/handler.js";
import { listenOnHost, type HostDnsListener } from "./server/host-listener.js";
import { HostWorkers } from "./server/host-workers.js";
import { stackTransport } from "./server/stack-listeners.js";
import type { DnsServer } from "./server/dns-server.js";

export { DnsPlugins, Rcode, reply, type DnsPluginDefinition, type DnsPluginSetup, type DnsPluginInstance, type DnsHandler, type DnsRequest, type DnsReply, type DnsEnvironment, type DnsTransport } from "./server/handler.js";
export { markTtlShifted } from "./server/ttl-shifted-replies.js";
export { DnsServer, encodeWithin, type QueryInfo } from "./server/dns-server.js";
export { parseCorefile, CorefileError, DirectiveReader, type Directive, type ServerBlockConfig } from "./corefile/parse.js";
export { PLUGIN_ORDER } from "./server/plugin-order.js";
export { BUILTIN_DNS_PLUGINS } from "./dns-plugins/builtins.js";
export { kubeadmCorefile, corednsObjects, clusterDnsIp, COREDNS_IMAGE } from "./addon/manifests.js";
export { DnsIndex } from "./kubernetes/dns-index.js";

export interface CorednsOptions {
  /** Replicas of the coredns Deployment (default 2, as kubeadm). */
  replicas?: number;
  /** The cluster domain (default cluster.local). */
  domain?: string;
  /** Address the host port binds (default 127.0.0.1). */
  hostAddress?: string;
}

/** CoreDNS servers running in pods, by cluster (tests and benchmarks reach them here). */
export const runningServers = new WeakMap<DataPlane, Set<DnsServer>>();

/** The host-port listener, by cluster (tests reach its workers here). */
export const hostListeners = new WeakMap<DataPlane, HostDnsListener>();

/**
 * CoreDNS as a cluster add-on, deployed as kubeadm deploys it: the `coredns` Deployment (2
 * replicas of the `registry.k8s.io/coredns/coredns` image behaviour) reading the `coredns`
 * ConfigMap's Corefile, behind the `kube-dns` Service at the tenth address of the service network.
 * With a host port (`ClusterDnsPort`: `kubesim up --dns-port`, `new Cluster({ dnsPort })`) the
 * cluster DNS is also served on the host over real UDP and TCP, each query relayed through a node
 * to the kube-dns Service (kube-proxy's DNAT picks a CoreDNS pod), so `dig @127.0.0.1 -p 10053` asks
 * the same servers pods ask.
 */
export function coredns(options: CorednsOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "coredns",
    description: "CoreDNS: the cluster DNS (kube-dns Service, coredns Deployment, Corefile ConfigMap), also served on a host port",
    async setup(ctx) {
      const builtins = new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d]));
      const plane = ctx.resolve<DataPlane>(DataPlaneToken);
      const plugins = (): ReadonlyMap<string, DnsPluginDefinition> => {
        const all = new Map(builtins);
        for (const { name, plugin, value } of ctx.extensions(DnsPlugins).entries()) {
          if (builtins.has(value.name)) throw new Error(`plugin "${plugin}" contributes DNS plugin "${name}", but "${value.name}" is a built-in CoreDNS plugin`);
          all.set(value.name, value);
        }
        return all;
      };
      // The CoreDNS pods' servers as a list (rebuilt when one starts or stops), and whose turn it is.
      let podServers: DnsServer[] | undefined;
      let turn = 0;
      let servers = runningServers.get(plane);
      if (!servers) runningServers.set(plane, (servers = new Set()));
      const running = servers;
      // Host-port UDP from worker processes mirroring a CoreDNS pod (set below, once listening).
      let hostWorkers: HostWorkers | undefined;
      const podProcesses = new Map<DnsServer, { process: Process; detach?: (() => void) | undefined }>();
      ctx.contribute(Images, "registry.k8s.io/coredns/coredns", corednsImage({
        informers: () => ctx.resolve<SharedInformerFactory>(InformerFactory),
        random: ctx.random,
        plugins,
        onServer: (server, process) => {
          running.add(server);
          podServers = undefined;
          const entry = { process, detach: hostWorkers?.podStarted(server, process) };
          podProcesses.set(server, entry);
          return () => {
            running.delete(server);
            podServers = undefined;
            podProcesses.delete(server);
            entry.detach?.();
          };
        },
      }));

      // kubeadm's addon phase: create what is missing, leave what exists (a user's Corefile edits).
      const config = ctx.resolve<NetworkConfig>(NetworkConfigToken);
      const dnsIp = clusterDnsIp(config.serviceCidr);
      const client = ctx.resolve(Client);
      for (const obj of corednsObjects({ dnsIp, ...(options.domain ? { domain: options.domain } : {}), ...(options.replicas !== undefined ? { replicas: options.replicas } : {}) })) {
        const resource = client.resource(obj.kind!);
        const ns = obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {};
        // Look first: creating an existing Service would be refused for its taken cluster IP before its name.
        const exists = await resource.get(obj.metadata!.name!, ns).then(
          () => true,
          (err: unknown) => {
            if (isStatusError(err, "NotFound")) return false;
            throw err;
          },
        );
        if (exists) continue;
        try {
          await resource.create(obj, { ...ns, fieldManager: "kubeadm" });
        } catch (err) {
          if (!isStatusError(err, "AlreadyExists")) throw err;
        }
      }

      // Each node's root namespace: where host-port queries enter the cluster network.
      const nodeStacks = new Map<string, NetworkStack>();
      ctx.contribute(NodeAgents, "coredns-host-relay", {
        start({ scope }) {
          const name = scope.resolve<string>(NodeName);
          nodeStacks.set(name, plane.stack(plane.addNode(name, scope.resolve<string>(NodeIP))));
          return { stop: () => void nodeStacks.delete(name) };
        },
      });

      let hostListener: { close(): Promise<void> } | undefined;
      if (ctx.container.isRegistered(ClusterDnsPort, true)) {
        const wanted = ctx.resolve<number>(ClusterDnsPort);
        const workers = ctx.container.isRegistered(ClusterDnsWorkers, true) ? ctx.resolve<number>(ClusterDnsWorkers) : 0;
        if (workers > 0 && ctx.clock instanceof VirtualClock) throw new Error(`dnsWorkers (${workers}) needs the real clock: the worker processes answer in real time while this cluster's clock is virtual (use dnsWorkers 0)`);
        const host = options.hostAddress ?? "127.0.0.1";
        try {
          // A repeat of a query a CoreDNS pod answered from its cache is answered from that pod's
          // packed answer in the same turn (the pods taken in turn, as kube-proxy spreads
          // queries); anything else walks the network: node → kube-dns Service → a pod.
          const infos = { udp: { remoteAddress: host, remotePort: 0, port: 53, protocol: "udp" as const }, tcp: { remoteAddress: host, remotePort: 0, port: 53, protocol: "tcp" as const } };
          const quick = (query: Buffer, protocol: "udp" | "tcp"): Uint8Array | undefined => {
            const list = (podServers ??= [...running]);
            const n = list.length;
            const info = infos[protocol];
            for (let i = 0; i < n; i++) {
              const out = list[(turn + i) % n]!.answerCached(query, info);
              if (out) {
                turn = (turn + i + 1) % n;
                return out;
              }
            }
            return undefined;
          };
          const l = await listenOnHost(host, wanted, async (query, protocol) => {
            const stack = nodeStacks.values().next().value;
            if (!stack) return undefined;
            try {
              return await stackTransport(stack, ctx.clock).exchange(query, dnsIp, 53, { protocol, timeoutMs: protocol === "udp" ? 5000 : 10_000 });
            } catch {
              return undefined;
            }
          }, { quick });
          hostListener = l;
          hostListeners.set(plane, l);
          ctx.provide(ClusterDnsAddressToken, { host: l.host, port: l.port });
          if (workers > 0) {
            const hw = new HostWorkers(l, {
              workers,
              informers: ctx.resolve<SharedInformerFactory>(InformerFactory),
              builtins: new Set(builtins.keys()),
              // A forwarded query leaves from a node, as a CoreDNS pod's goes out through its node.
              transport: {
                exchange: (query, address, port, o) => {
                  const stack = nodeStacks.values().next().value;
                  return stack ? stackTransport(stack, ctx.clock).exchange(query, address, port, o) : Promise.reject(new Error("no node to send the query from"));
                },
              },
              report: (level, message) => ctx.log[level](message),
            });
            hostWorkers = hw;
            // Pods that started while the listener was being set up (a restarted cluster's).
            for (const [server, entry] of podProcesses) entry.detach ??= hw.podStarted(server, entry.process);
          }
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new Error(`cannot serve the cluster DNS on ${host}:${wanted}: ${code === "EADDRINUSE" ? "the port is already in use" : (err as Error).message} (choose another with --dns-port, cluster.yaml dnsPort or the dnsPort option; 0 picks a free port)`);
        }
      }
      return async () => {
        ctx.extensions(NodeAgents).withdraw("coredns-host-relay");
        await hostWorkers?.stop();
        await hostListener?.close();
        hostListeners.delete(plane);
      };
    },
  });
}

export default coredns();
