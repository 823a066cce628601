import "reflect-metadata";
import { UnixSocketTable, UnixSockets } from "../net/unix-sockets.js";
import type { Node } from "kubernetes-types/core/v1.js";
import type { DependencyContainer } from "tsyringe";
import { BUILT_IN_TYPES } from "../api/builtin/index.js";
import { ResourceRegistry } from "../api/resource-registry.js";
import { isStatusError } from "../api/status.js";
import { Client } from "../client/client.js";
import { Clock } from "../clock/clock.js";
import { Random, SeededRandom } from "../clock/random.js";
import { RealClock } from "../clock/real-clock.js";
import { CniPodNetwork } from "../cni/cni-pod-network.js";
import { NetworkPlugins } from "../cni/network-plugins.js";
import { NodeFileSystem, NodeFiles } from "../cni/node-files.js";
import { PodNetwork } from "../cni/pod-network.js";
import { createClusterScope, createNodeScope } from "../di/scopes.js";
import { provide } from "../di/token.js";
import { InformerFactory, SharedInformerFactory } from "../informers/shared-informer-factory.js";
import { Logger } from "../log/logger.js";
import { DataPlane, DataPlaneToken } from "../net/data-plane.js";
import { HostUnderlay } from "../net/host-underlay.js";
import { isTombstone } from "../informers/tombstone.js";
import { NetworkConfigToken, type NetworkConfig } from "../net/network-config.js";
import { ExtensionRegistry } from "../plugins/extension-point.js";
import { PluginHost } from "../plugins/plugin-host.js";
import type { PluginRef } from "../plugins/plugin-loader.js";
import { NodeAgents, type NodeAgentHandle } from "./node-agents.js";
import { NodeAddressing } from "./node-registration.js";
import { NodeIP, NodeName, NodePodCidr, NodeSpecToken, type NodeSpec } from "./node-spec.js";

export interface NodeHostOptions {
  /** The API server, usually an `HttpClient` from a kubeconfig. */
  client: Client;
  nodeName: string;
  /** The plugins whose node agents run here (kubelet, a runtime, the CNI, kube-proxy, ...). */
  plugins: readonly PluginRef[];
  /**
   * `register`: this host brings the node up (the kubelet's process): it picks the node's address and
   * pod CIDR unless given, and the kubelet registers the Node with them. `join`: the Node is
   * registered by another process (kube-proxy beside a kubelet); this host waits for it and takes
   * its InternalIP and pod CIDR from it, as kube-proxy reads its Node.
   */
  mode: "register" | "join";
  /** The node's spec (role, labels, runtime, capacity) when registering. */
  spec?: NodeSpec;
  /** The node's InternalIP (kubelet `--node-ip`); default: the next 172.18.0.x no Node has. */
  nodeIP?: string;
  /** The node's pod CIDR (kubelet `--pod-cidr`); default: the next /24 of `network.podNetworkCidr` no Node has. */
  podCidr?: string;
  network?: Partial<NetworkConfig>;
  log: Logger;
  clock?: Clock;
  random?: Random;
  /** How long `join` waits for the Node (ms, default 60 000). */
  joinTimeout?: number;
  /**
   * `register` only: bind the node's host underlay socket here (`host`, default 127.0.0.1; `port`,
   * default a free one) so pods of this process reach pods of nodes in other processes
   * ({@link HostUnderlay}); publish {@link NodeHost.underlay}'s endpoint on the Node.
   */
  underlay?: { host?: string; port?: number };
}

/**
 * One node's machine in a process of its own: the node's DI scope (name, address, pod CIDR, files,
 * pod network and a data-plane model of its kernel) and the node agents of the plugins it is given,
 * all reaching the cluster through `client` only — so `kubesim kubelet` and `kubesim kube-proxy`
 * run the same plugin code against any API server that a `Cluster` runs in process. The data-plane
 * model lives in this process: pods here reach each other and this node's services, not pods in
 * other processes.
 */
export class NodeHost {
  readonly container: DependencyContainer;
  readonly extensions = new ExtensionRegistry();
  readonly informers: SharedInformerFactory;
  private readonly plugins: PluginHost;
  private readonly plane: DataPlane;
  private readonly clock: Clock;
  private readonly network: NetworkConfig;
  private readonly stopController = new AbortController();
  private readonly handles: NodeAgentHandle[] = [];
  private nodeScope: DependencyContainer | undefined;
  /** The node's host underlay socket (with the `underlay` option, after `start`). */
  underlay: HostUnderlay | undefined;
  private state: "new" | "running" | "stopped" = "new";

  constructor(private readonly options: NodeHostOptions) {
    this.clock = options.clock ?? new RealClock();
    const random = options.random ?? new SeededRandom();
    this.network = { podNetworkCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12", nodePortRange: "30000-32767", ...options.network };
    this.container = createClusterScope();
    provide(this.container, Clock, this.clock);
    provide(this.container, Random, random);
    provide(this.container, Logger, options.log);
    provide(this.container, Client, options.client);
    this.plane = new DataPlane({ clock: this.clock });
    provide(this.container, DataPlaneToken, this.plane);
    provide(this.container, UnixSockets, new UnixSocketTable());
    provide(this.container, NetworkConfigToken, this.network);
    this.informers = new SharedInformerFactory({ client: options.client, clock: this.clock, registry: new ResourceRegistry(BUILT_IN_TYPES), random, logger: options.log.child("informers") });
    provide(this.container, InformerFactory, this.informers);
    this.plugins = new PluginHost({ container: this.container, extensions: this.extensions, clock: this.clock, random, log: options.log });
    for (const p of options.plugins) this.plugins.use(p);
  }

  /** The node's scope (after `start`). */
  get scope(): DependencyContainer {
    if (!this.nodeScope) throw new Error(`node ${this.options.nodeName} is not started`);
    return this.nodeScope;
  }

  /** Sets up the plugins, builds the node's scope and starts their node agents; on failure stops what started. */
  async start(): Promise<{ nodeIP: string; podCidr: string }> {
    if (this.state !== "new") throw new Error(`node host ${this.options.nodeName} was already started`);
    this.state = "running";
    try {
      const { nodeIP, podCidr } = this.options.mode === "join" ? await this.joinAddresses() : await this.chooseAddresses();
      await this.plugins.start();
      const name = this.options.nodeName;
      const scope = createNodeScope(this.container);
      provide(scope, NodeName, name);
      provide(scope, NodeIP, nodeIP);
      provide(scope, NodePodCidr, podCidr);
      provide(scope, NodeSpecToken, { ...this.options.spec, name, role: this.options.spec?.role ?? "worker" });
      const files = new NodeFileSystem();
      provide(scope, NodeFiles, files);
      provide(scope, PodNetwork, new CniPodNetwork(this.plane, { name, ip: nodeIP, podCidr }, files, this.extensions.point(NetworkPlugins)));
      this.nodeScope = scope;
      if (this.options.underlay && this.options.mode === "register") await this.startUnderlay(this.options.underlay);
      const role = this.options.spec?.role ?? "worker";
      for (const agent of this.extensions.point(NodeAgents).all()) {
        this.handles.push(await agent.start({ nodeName: name, role, scope, signal: this.stopController.signal }));
      }
      this.informers.start(this.stopController.signal);
      return { nodeIP, podCidr };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops the agents (reverse order), the plugins and the informers. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    for (const h of this.handles.splice(0).reverse()) {
      try {
        await h.stop();
      } catch (err) {
        this.options.log.error("node agent failed to stop", { node: this.options.nodeName, error: err });
      }
    }
    this.stopController.abort();
    await this.plugins.stop();
    await this.informers.shutdown();
    this.underlay?.close();
  }

  /** Binds the underlay socket and keeps its peers: every other Node publishing one. */
  private async startUnderlay(options: { host?: string; port?: number }): Promise<void> {
    const underlay = await HostUnderlay.start(this.plane, this.options.nodeName, options.host, options.port);
    this.underlay = underlay;
    this.informers.forResource<Node>("Node").addEventHandler({
      onAdd: (n) => underlay.nodeChanged(n),
      onUpdate: (_, n) => underlay.nodeChanged(n),
      onDelete: (obj) => {
        const n = isTombstone(obj) ? (obj.obj as Node | undefined) : obj;
        if (n?.metadata?.name) underlay.nodeRemoved(n.metadata.name);
      },
    });
  }

  /** Registering: the Node's own address and CIDR when it exists already (a restart), else free ones. */
  private async chooseAddresses(): Promise<{ nodeIP: string; podCidr: string }> {
    const nodes = (await this.options.client.resource<Node>("Node").list()).items;
    const self = nodes.find((n) => n.metadata?.name === this.options.nodeName);
    const addressing = new NodeAddressing(this.network.podNetworkCidr);
    for (const n of nodes) {
      if (n === self) continue;
      if (n.spec?.podCIDR) addressing.occupyPodCidr(n.spec.podCIDR);
      const ip = internalIP(n);
      if (ip) addressing.occupyNodeIP(ip);
    }
    const nodeIP = this.options.nodeIP ?? (self && internalIP(self)) ?? addressing.allocateNodeIP();
    const podCidr = this.options.podCidr ?? self?.spec?.podCIDR ?? addressing.allocatePodCidr();
    return { nodeIP, podCidr };
  }

  /** Joining: waits for the Node (registered by its kubelet) to have an InternalIP and a pod CIDR. */
  private async joinAddresses(): Promise<{ nodeIP: string; podCidr: string }> {
    const nodes = this.options.client.resource<Node>("Node");
    const deadline = this.clock.now() + (this.options.joinTimeout ?? 60_000);
    let waited = false;
    for (;;) {
      const node = await nodes.get(this.options.nodeName).catch((err: unknown) => {
        if (isStatusError(err, "NotFound")) return undefined;
        throw err;
      });
      const nodeIP = this.options.nodeIP ?? (node && internalIP(node));
      const podCidr = this.options.podCidr ?? node?.spec?.podCIDR;
      if (nodeIP && podCidr) return { nodeIP, podCidr };
      if (this.clock.now() >= deadline) {
        throw new Error(node ? `node "${this.options.nodeName}" has no ${nodeIP ? "spec.podCIDR" : "InternalIP address"} yet` : `node "${this.options.nodeName}" is not registered: start its kubelet first (kubesim kubelet --node-name ${this.options.nodeName})`);
      }
      if (!waited) this.options.log.info("waiting for the Node to be registered", { node: this.options.nodeName });
      waited = true;
      await this.clock.sleep(500, this.stopController.signal);
    }
  }
}

function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}
