import type { PodSecurityConfiguration } from "../apiserver/admission/pod-security/index.js";
import "reflect-metadata";
import { setMaxListeners } from "node:events";
import { join } from "node:path";
import type { DependencyContainer } from "tsyringe";
import type { Node, Service } from "kubernetes-types/core/v1.js";
import { Clock, offClock } from "../clock/clock.js";
import { RealClock } from "../clock/real-clock.js";
import { VirtualClock } from "../clock/virtual-clock.js";
import { Random, SeededRandom } from "../clock/random.js";
import { createClusterScope, createNodeScope } from "../di/scopes.js";
import { provide, type Token } from "../di/token.js";
import { Addons, clusterAddons } from "./addons.js";
import { Logger, createLogger, type LogLevel } from "../log/logger.js";
import { ExtensionRegistry } from "../plugins/extension-point.js";
import { AdmissionPlugins, ApiTypes } from "../plugins/extension-points.js";
import { PluginHost } from "../plugins/plugin-host.js";
import type { PluginRef } from "../plugins/plugin-loader.js";
import type { KubeObject, ObjectLike } from "../api/object.js";
import type { ResourceRegistry } from "../api/resource-registry.js";
import { ApiServerApi } from "../apiserver/api-server-contract.js";
import { createControlPlane, type ControlPlane } from "../apiserver/control-plane.js";
import { ClusterCredentials, ClusterCredentialsToken } from "../apiserver/serviceaccount/cluster-credentials.js";
import { Client, type ResourceRef } from "../client/client.js";
import { ClientFactory } from "../client/client-factory.js";
import type { UserInfo } from "../apiserver/admission.js";
import { Store } from "../store/store.js";
import { DurableStore } from "../store/durable-store.js";
import { isStatusError } from "../api/status.js";
import { InformerFactory, SharedInformerFactory } from "../informers/shared-informer-factory.js";
import { applyObjects, parseManifests, type ApplyResult } from "./apply.js";
import { NodeAddressing, nodeObject } from "./node-registration.js";
import { NodeIP, NodeName, NodePodCidr, NodeSpecToken, type NodeSpec } from "./node-spec.js";
import { rfc3339 } from "../api/time.js";
import { Manager } from "../controller/manager.js";
import { Controllers } from "../controller/extension-point.js";
import { loadClusterConfig } from "./cluster-config.js";
import { PodStreams } from "../apiserver/http/pod-streams.js";
import { DEFAULT_PLUGINS } from "./default-distribution.js";
import { NodeAgents, type NodeAgentHandle } from "./node-agents.js";
import { DataPlane, DataPlaneToken } from "../net/data-plane.js";
import { AggregatedApi, AggregatedApiToken } from "../apiserver/aggregator/aggregated-api.js";
import { RemoteApiServices } from "../apiserver/aggregator/remote-api-services.js";
import { ApiServiceTransportToken, networkServiceTransport } from "../apiserver/aggregator/service-transport.js";
import { NodeFileSystem, NodeFiles } from "../cni/node-files.js";
import { CniPodNetwork } from "../cni/cni-pod-network.js";
import { PodNetwork } from "../cni/pod-network.js";
import { NetworkPlugins } from "../cni/network-plugins.js";
import { ClusterNetwork } from "../net/cluster-network.js";
import { NetworkConfigToken, type NetworkConfig } from "../net/network-config.js";
import { controlPlaneHostAgent, CONTROL_PLANE_HOST_AGENT } from "./control-plane-host.js";
import { ClusterDnsPort, ClusterDnsWorkers } from "./cluster-dns.js";
import { NodeCommands, type NodeCommandResult } from "./node-commands.js";
import { runNodeCommand } from "./node-shell.js";
import { kubesimEndpoints } from "./kubesim-endpoints.js";
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from "../apiserver/http/http-server.js";
import { HttpAuthorizers } from "../apiserver/http/authorization.js";
import { CustomResourceConverters, customResourceConverterName } from "../apiserver/apiextensions/custom-resource-converters.js";
import type { AuthorizationMode } from "../apiserver/authorization/authorization-modes.js";
import { reconcileBootstrapPolicy } from "../apiserver/authorization/rbac/reconcile-bootstrap-policy.js";
import { serviceResolver } from "../apiserver/webhooks/service-resolver.js";
import type { NetworkStack } from "../net/sockets.js";
import { ApiServerMetrics } from "../apiserver/metrics/api-server-metrics.js";
import { MeteredStore } from "../apiserver/metrics/metered-store.js";
import { MemoryStore } from "../store/memory-store.js";
import { UnixSocketTable, UnixSockets } from "../net/unix-sockets.js";
import { clusterApiServerProxy } from "./api-server-proxy.js";
import { bootstrapTokenAuthenticator } from "../apiserver/bootstrap-token/bootstrap-token.js";
import { routedPodStreams, type KubeletClientCertificate } from "./remote-pod-streams.js";
import { loadOrCreateClientCertificate } from "../apiserver/http/tls.js";

export interface ClusterOptions {
  /** Cluster name (default `kubesim`); nodes are named after it as kind does. */
  name?: string;
  /**
   * `"real"` (default): wall time. `"virtual"`: deterministic time that jumps to the next timer
   * whenever nothing else can run (turn that off with `autoAdvance: false` and drive it with
   * `cluster.clock.advance(ms)`). Or any Clock.
   */
  clock?: "real" | "virtual" | Clock;
  /** With a virtual clock: jump to the next timer when idle (default true). */
  autoAdvance?: boolean;
  /** Seed of generated names and uids (default: random). */
  seed?: number;
  /** Pod network; each node gets a /24 of it (default 10.244.0.0/16). */
  podNetworkCidr?: string;
  /** Service network (default 10.96.0.0/12). */
  serviceCidr?: string;
  /** kube-apiserver's PodSecurity admission configuration: defaults for unlabelled namespaces and exemptions (default privileged, none exempt). */
  podSecurity?: PodSecurityConfiguration;
  /** NodePort range (default 30000-32767). */
  nodePortRange?: string;
  /**
   * Nodes on several L2 subnets joined by a router (the outside host), instead of kind's one
   * 172.18.0.0/16: e.g. `["172.18.0.0/24", "172.18.1.0/24"]`; a node picks one with `subnet`.
   */
  underlaySubnets?: readonly string[];
  /** Nodes to register at start: specs, or a count (one control-plane node plus count-1 workers). Default: one control-plane node, left untainted (schedulable) as kind leaves a cluster without workers. */
  nodes?: NodeSpec[] | number;
  /** Storage backend (default: in-memory, or a {@link DurableStore} under `stateDir` when that is given). */
  store?: Store;
  /**
   * Keep the cluster's objects durably in `<stateDir>/store` (a write-ahead log plus snapshots):
   * a cluster started again on the same directory finds them all. Ignored when `store` is given.
   */
  stateDir?: string;
  /**
   * Where the cluster CA and the service-account key are kept (kubeadm's `certificatesDir`;
   * default `stateDir`). Serve with the same directory as `stateDir` in {@link ServeOptions}.
   */
  certificatesDir?: string;
  /** Log level (default: `KUBESIM_LOG_LEVEL`, silent under tests, else warn). */
  logLevel?: LogLevel;
  /** Directory relative plugin paths resolve against (default: working directory). */
  baseDir?: string;
  /** Serve the cluster DNS on this host port (UDP and TCP, 127.0.0.1; 0 picks a free port) when a DNS plugin (coredns) is loaded; default: no host port. */
  dnsPort?: number;
  /**
   * With `dnsPort`: worker processes answering the host port's UDP queries, each running the
   * CoreDNS pods' Corefile on replicas of the cluster's informers (default 0: this process answers
   * them; `kubesim up` defaults to min(2, CPUs)). Needs the real clock.
   */
  dnsWorkers?: number;
  /** The port the API server is served on, written into the `kubernetes` Service's targetPort (default 6443). */
  apiServerPort?: number;
  /**
   * kube-apiserver's `--authorization-mode` for requests served over HTTP (default `["Node",
   * "RBAC"]`); `["AlwaysAllow"]` lets every authenticated request through. The admin
   * (`system:masters`) is always allowed; plugins' {@link HttpAuthorizers} are asked after the modes.
   */
  authorizationModes?: readonly AuthorizationMode[];
  /** kube-apiserver's `--event-ttl`: Events are deleted this long after their last write, on the cluster clock (default 1 h; 0 keeps them). */
  eventTtlMs?: number;
  /**
   * The plugins to load instead of the default distribution ({@link DEFAULT_PLUGINS}); `[]` gives
   * an API-only cluster. Plugins added with `use` load on top of either.
   */
  plugins?: readonly PluginRef[];
}

/** How {@link Cluster.serve} serves the API; the cluster supplies the API server, clock, log and authorizer. */
export type ServeOptions = Omit<HttpServerOptions, "apiServer" | "registry" | "clock" | "log" | "random" | "authorizer">;

export interface WaitForOptions {
  namespace?: string;
  labelSelector?: string;
  /** Give up after this many ms of cluster time (default 30 000). */
  timeout?: number;
  signal?: AbortSignal;
}

/** A registered node: its Node object name and its DI scope. */
export interface ClusterNode {
  readonly name: string;
  readonly role: "control-plane" | "worker";
  readonly scope: DependencyContainer;
}

/**
 * A whole Kubernetes cluster in this process — the composition root. Build it, `use` plugins,
 * `start`, then drive it through `client`, `informers`, `apply` and `waitFor`; `stop` releases
 * every timer, watch and handle.
 *
 * ```ts
 * const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3 });
 * await cluster.start();
 * await cluster.apply(yamlText);
 * await cluster.waitFor("Deployment", (d) => d.metadata?.name === "web");
 * await cluster.stop();
 * ```
 */
export class Cluster {
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** The cluster's DI scope (a child of the root: two clusters share nothing). */
  readonly container: DependencyContainer;
  readonly extensions = new ExtensionRegistry();
  private readonly plugins: PluginHost;
  private readonly addressing: NodeAddressing;
  private readonly dataPlane: DataPlane;
  private readonly nodeScopes = new Map<string, ClusterNode>();
  /** Nodes whose pod CIDRs the addressing knows: the last full listing's plus those registered here since (see occupyForeignPodCidrs). */
  private nodesAccounted = -1;
  private readonly nodeAgents = new Map<string, { abort: AbortController; handles: NodeAgentHandle[] }>();
  private readonly stopController = new AbortController();
  private readonly servers = new Set<HttpServerHandle>();
  private controlPlane: ControlPlane | undefined;
  /** The API server's metrics (`/metrics` of every server `serve` starts). */
  readonly apiServerMetrics = new ApiServerMetrics();
  private informerFactory: SharedInformerFactory | undefined;
  private controllerManager: Manager | undefined;
  private aggregated: AggregatedApi | undefined;
  private state: "new" | "starting" | "running" | "stopped" = "new";
  private workerCount = 0;
  /** A cluster started without workers keeps its control-plane nodes schedulable, as kind does. */
  private untaintedControlPlane = false;

  constructor(private readonly options: ClusterOptions = {}) {
    this.name = options.name ?? "kubesim";
    const clockOption = options.clock ?? "real";
    this.clock = clockOption === "real" ? new RealClock() : clockOption === "virtual" ? new VirtualClock({ auto: options.autoAdvance ?? true }) : clockOption;
    this.random = new SeededRandom(options.seed);
    // A library should be quiet unless asked: warnings and errors only, unless a level is given
    // (option or KUBESIM_LOG_LEVEL); `kubesim up` logs at info.
    const level = options.logLevel ?? (process.env["KUBESIM_LOG_LEVEL"] || process.env["NODE_ENV"] === "test" ? undefined : "warn");
    this.log = createLogger(`cluster/${this.name}`, { ...(level ? { level } : {}), now: () => this.clock.now() });
    this.container = createClusterScope();
    provide(this.container, Clock, this.clock);
    provide(this.container, Random, this.random);
    provide(this.container, Logger, this.log);
    // Plugins get state directories when the cluster's objects are durable (a state dir, and no in-memory store instead).
    const durable = options.stateDir !== undefined && !(options.store instanceof MemoryStore);
    this.plugins = new PluginHost({ container: this.container, extensions: this.extensions, clock: this.clock, random: this.random, log: this.log, ...(options.baseDir ? { baseDir: options.baseDir } : {}), ...(durable ? { pluginStateRoot: join(options.stateDir!, "plugins") } : {}) });
    this.addressing = new NodeAddressing(options.podNetworkCidr ?? "10.244.0.0/16", 24, options.underlaySubnets ?? []);
    this.dataPlane = new DataPlane({ clock: this.clock, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.underlaySubnets?.length ? { subnets: options.underlaySubnets } : {}) });
    provide(this.container, DataPlaneToken, this.dataPlane);
    provide(this.container, UnixSockets, new UnixSocketTable());
    if (options.dnsPort !== undefined) provide(this.container, ClusterDnsPort, options.dnsPort);
    if (options.dnsWorkers !== undefined) provide(this.container, ClusterDnsWorkers, options.dnsWorkers);
    provide(this.container, NetworkConfigToken, { podNetworkCidr: options.podNetworkCidr ?? "10.244.0.0/16", serviceCidr: options.serviceCidr ?? "10.96.0.0/12", nodePortRange: options.nodePortRange ?? "30000-32767" });
    // Informers, the controller manager and every pending waitFor listen on the stop signal.
    setMaxListeners(0, this.stopController.signal);
  }

  /** The pod network's data plane: namespaces, devices, rules, and packet traces (`cluster.network.trace(from, to)`). */
  get network(): ClusterNetwork {
    return new ClusterNetwork(this.dataPlane, this.running().client, this.nodeScopes);
  }

  /**
   * A cluster described by a cluster.yaml (validated; errors name the offending fields), with its
   * plugins queued. `overrides` win over the file.
   */
  static fromConfig(path: string, overrides: ClusterOptions = {}): Cluster {
    const { plugins, apiVersion: _a, kind: _k, ...options } = loadClusterConfig(path);
    const cluster = new Cluster({ ...options, ...overrides });
    (plugins ?? []).forEach((p, i) => {
      if (typeof p === "string") cluster.use(p);
      else if (p.config === undefined) cluster.use(p.name);
      else cluster.plugins.use(p.name, { config: p.config, field: `plugins[${i}].config` });
    });
    return cluster;
  }

  /**
   * Loads a plugin: an object, a built-in name (`"cni-flannel"`), a module specifier or a path;
   * with `config`, its configuration section (validated by the plugin's `config.parse` at start,
   * refused naming the field). Before `start` only.
   */
  /** True when `plugin` (an object, a name or a specifier) is queued: by `use`, cluster.yaml, or the default distribution once started. */
  hasPlugin(plugin: PluginRef): boolean {
    return this.plugins.has(plugin) || (this.options.plugins === undefined && typeof plugin === "string" && DEFAULT_PLUGINS.includes(plugin));
  }

  use(plugin: PluginRef, config?: unknown): this {
    this.plugins.use(plugin, config === undefined ? undefined : { config });
    return this;
  }

  /** The admin client (in-process). */
  get client(): Client {
    return this.running().client;
  }

  /**
   * A client acting as `user` (in-process, authorized as the API server authorizes that user over
   * HTTP): what each component gets from {@link ClientFactory}, e.g. `clientFor(nodeUser("kubesim-worker"))`.
   * With a `userAgent` (e.g. `componentUserAgent("kubelet")`), writes naming no `fieldManager` are
   * recorded under its first segment.
   */
  clientFor(user: UserInfo, userAgent?: string): Client {
    return this.running().clients.clientFor(user, userAgent);
  }

  /** The cluster's shared informer factory (one informer per resource and selector). */
  get informers(): SharedInformerFactory {
    this.running();
    return this.informerFactory!;
  }

  /** The controller manager: controllers contributed by plugins run in it; add your own with `controllerFor(cluster.manager)`. */
  get manager(): Manager {
    this.running();
    return this.controllerManager!;
  }

  /** The served resource types. */
  get registry(): ResourceRegistry {
    return this.running().registry;
  }

  /** The API server's request surface (for serving it over HTTP). */
  get apiServer(): ApiServerApi {
    return this.running().apiServer;
  }

  /** Registered nodes, by name. */
  get nodes(): ReadonlyMap<string, ClusterNode> {
    return this.nodeScopes;
  }

  /** Resolves a service from the cluster's scope. */
  resolve<T>(t: Token<T>): T {
    return this.container.resolve<T>(t);
  }

  /**
   * Starts the control plane (store, API server, admission, bootstrap objects), the plugins in
   * dependency order, the informers, and registers the nodes. On failure everything started is
   * stopped again and the error is rethrown.
   */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`cluster ${this.name} was already started`);
    this.state = "starting";
    try {
      const admission = this.extensions.point(AdmissionPlugins);
      const backend = this.options.store ?? (this.options.stateDir ? await offClock(this.clock, DurableStore.open(join(this.options.stateDir, "store"), { warn: (message) => this.log.warn(message), clock: this.clock })) : new MemoryStore());
      const store = await MeteredStore.wrap(backend, this.apiServerMetrics, this.clock);
      const apiTypes = this.extensions.point(ApiTypes);
      this.controlPlane = await createControlPlane({
        clock: this.clock,
        random: this.random,
        log: this.log,
        ...(store ? { store } : {}),
        ...(this.options.serviceCidr ? { serviceCidr: this.options.serviceCidr } : {}),
        ...(this.options.nodePortRange ? { nodePortRange: this.options.nodePortRange } : {}),
        ...(this.options.apiServerPort ? { apiServerPort: this.options.apiServerPort } : {}),
        extraAdmission: () => admission.values(),
        credentials: new ClusterCredentials(this.options.certificatesDir ?? this.options.stateDir),
        ...(this.options.authorizationModes ? { authorizationModes: this.options.authorizationModes } : {}),
        ...(this.options.eventTtlMs !== undefined ? { eventTtlMs: this.options.eventTtlMs } : {}),
        extraAuthorizers: () => this.extensions.point(HttpAuthorizers).values(),
        // Webhooks' Services are reached from the control-plane node, through the pod network.
        resolveWebhookService: serviceResolver(() => this.running(true).client, () => this.controlPlaneStack()),
        // Operators' conversion functions, looked up on every conversion (plugins start after the control plane).
        customResourceConverters: (group, kind) => this.extensions.point(CustomResourceConverters).get(customResourceConverterName(group, kind))?.convert,
        ...(this.options.podSecurity ? { podSecurity: this.options.podSecurity } : {}),
      });
      const cp = this.controlPlane;
      // kube-apiserver's rbac/bootstrap-roles post-start hook, then its authorizers' caches.
      await reconcileBootstrapPolicy(cp.client);
      await cp.authorization.start();
      this.apiServerMetrics.setStorageCounts(() => store.objectCounts((storage) => storageObjectsLabel(cp.registry, storage)));
      // What `kubectl get componentstatuses` reports: kube-apiserver probes each component's /healthz.
      const refused = (port: number) => ({ healthy: false as const, error: `Get "https://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused` });
      cp.componentHealth.set("controller-manager", () => (this.state === "running" ? { healthy: true } : refused(10257)));
      cp.componentHealth.set("scheduler", () => (this.state === "running" && this.plugins.startedPlugins.includes("kube-scheduler") ? { healthy: true } : refused(10259)));
      // kubeadm's part on control-plane nodes: the kube-apiserver and etcd static pods and their probes' endpoints.
      const agents = this.extensions.point(NodeAgents);
      if (!agents.has(CONTROL_PLANE_HOST_AGENT)) {
        const network = this.container.resolve<NetworkConfig>(NetworkConfigToken);
        const healthOf = async (component: string): Promise<{ healthy: boolean; reason?: string }> => {
          const status = await cp.componentHealth.status(component);
          const condition = status?.conditions?.[0];
          return condition?.status === "True" ? { healthy: true } : { healthy: false, reason: condition?.error ?? "unhealthy" };
        };
        agents.contribute(CONTROL_PLANE_HOST_AGENT, controlPlaneHostAgent({
          apiServer: () => (this.state === "running" || this.state === "starting" ? healthOf("etcd-0") : { healthy: false, reason: "the API server is stopping" }),
          etcd: () => healthOf("etcd-0"),
          kubeadm: () => ({ apiServerPort: this.options.apiServerPort ?? 6443, serviceCidr: network.serviceCidr, podNetworkCidr: network.podNetworkCidr }),
        }));
      }
      for (const ref of this.options.plugins ?? DEFAULT_PLUGINS) if (!this.plugins.has(ref)) this.plugins.use(ref);
      provide(this.container, Store, cp.store);
      provide(this.container, ApiServerApi, cp.apiServer);
      provide(this.container, Client, cp.client);
      provide(this.container, Addons, clusterAddons(cp.client));
      provide(this.container, ClientFactory, cp.clients);
      provide(this.container, ClusterCredentialsToken, cp.credentials);
      // The aggregation layer reaches APIServices' Services through the pod network unless a plugin provides another transport.
      const network = networkServiceTransport(this.dataPlane, this.clock, (namespace, name) => cp.client.resource<Service>("Service").get(name, { namespace }).catch(() => undefined));
      this.aggregated = new AggregatedApi(new RemoteApiServices(cp.apiServer), () => (this.container.isRegistered(ApiServiceTransportToken, true) ? this.resolve(ApiServiceTransportToken) : network));
      provide(this.container, AggregatedApiToken, this.aggregated);
      this.informerFactory = new SharedInformerFactory({ client: cp.client, clock: this.clock, registry: cp.registry, random: this.random, logger: this.log.child("informers") });
      provide(this.container, InformerFactory, this.informerFactory);
      await this.plugins.start();
      // Types contributed by plugins join the API; one that takes a served group and resource is refused.
      for (const { name, plugin, value } of apiTypes.entries()) {
        const d = value.descriptor;
        const taken = cp.registry.all().find((t) => t.descriptor.group === d.group && t.descriptor.plural === d.plural);
        if (taken) {
          const resource = d.group ? `${d.plural}.${d.group}` : d.plural;
          throw new Error(`plugin "${plugin}" contributes API type "${name}" (${resource}/${d.version}), but ${resource} is already served (${taken.descriptor.kind}, ${taken.descriptor.version}): a type must not replace a built-in or another plugin's resource; give it its own group`);
        }
        cp.registry.add(value);
      }
      this.controllerManager = new Manager({ client: cp.client, informers: this.informerFactory, clock: this.clock, log: this.log.child("controller-manager"), random: this.random, registry: cp.registry });
      // Controllers plugins contributed (kube-controller-manager's among them in the default distribution).
      for (const registration of this.extensions.point(Controllers).all()) await registration.setup(this.controllerManager);
      this.informerFactory.start(this.stopController.signal);
      // Nodes left in a durable store by an earlier run keep their pod CIDRs; those registered again re-register.
      for (const node of (await cp.client.resource<Node>("Node").list()).items) if (node.spec?.podCIDR) this.addressing.allocatePodCidr(node.spec.podCIDR);
      const initial = this.initialNodes();
      this.untaintedControlPlane = initial.length > 0 && initial.every((n) => n.role === "control-plane");
      for (const spec of initial) await this.addNode(spec);
      this.untaintedControlPlane = false;
      await this.controllerManager.start(this.stopController.signal);
      this.state = "running";
      this.log.info("cluster started", { nodes: this.nodeScopes.size, plugins: this.plugins.startedPlugins });
    } catch (err) {
      await this.teardown();
      this.state = "stopped";
      throw err;
    }
  }

  /**
   * Serves the cluster's Kubernetes API over HTTPS (or plain HTTP when asked) for kubectl and other
   * clients, authorizing requests as `authorizationModes` says (Node,RBAC by default; the admin's
   * `system:masters` first, the plugins' {@link HttpAuthorizers} after the modes). The server
   * is closed by `stop` (or earlier by its own `close`).
   */
  async serve(options: ServeOptions): Promise<HttpServerHandle> {
    const cp = this.running();
    const server = await startHttpServer({
      ...options,
      apiServer: this.apiServer,
      registry: this.registry,
      clock: this.clock,
      random: this.random,
      log: this.log.child("http"),
      authorizer: cp.authorization.authorizer,
      extraEndpoints: kubesimEndpoints(this),
      ...(this.aggregated ? { aggregated: this.aggregated } : {}),
      // The kubelets' streaming API (logs, exec, attach, port-forward), reached through the pod subresources.
      ...this.podStreams(options.stateDir),
      // Service account tokens, and bootstrap tokens for nodes joining (kubesim join).
      authenticators: [cp.tokens, bootstrapTokenAuthenticator(cp.client, () => this.clock.now())],
      metrics: this.apiServerMetrics,
      // nodes/proxy, pods/proxy and services/proxy, carried over the pod network from the control plane.
      proxy: clusterApiServerProxy({ client: cp.client, dataPlane: this.dataPlane, clock: this.clock, controlPlaneNode: () => [...this.nodeScopes.values()].find((n) => n.role === "control-plane")?.name }),
    });
    // Pods trust the CA this server presents (kube-root-ca.crt).
    if (server.caData) cp.credentials.setServingCa(server.caData, server.caKeyData);
    this.servers.add(server);
    return server;
  }

  /** The pods' streaming: this process's kubelets, and kubelets in processes of their own (reached with a client certificate the state dir's CA signs). */
  private podStreams(stateDir: string | undefined): { podLogs: PodStreams["logs"]; podExec: PodStreams["exec"] & {}; podPortForward: PodStreams["portForward"] & {} } {
    const local = this.container.isRegistered(PodStreams, true) ? this.resolve(PodStreams) : undefined;
    let certificate: ReturnType<KubeletClientCertificate> | undefined;
    const clientCertificate: KubeletClientCertificate = () => (certificate ??= stateDir ? loadOrCreateClientCertificate(stateDir, "apiserver-kubelet-client", { commonName: "kube-apiserver-kubelet-client", organization: "kubeadm:cluster-admins" }) : Promise.resolve(undefined));
    const streams = routedPodStreams({ client: this.running().client, local, clientCertificate });
    return { podLogs: streams.logs, podExec: streams.exec!, podPortForward: streams.portForward! };
  }

  /**
   * Applies manifests like `kubectl apply`: multi-document YAML text or objects; creates what is
   * missing, patches what changed (three-way, with the last-applied annotation), leaves the rest.
   */
  async apply(manifests: string | KubeObject | readonly KubeObject[]): Promise<ApplyResult[]> {
    const cp = this.running();
    const objects = typeof manifests === "string" ? parseManifests(manifests) : Array.isArray(manifests) ? manifests : [manifests as KubeObject];
    return applyObjects(cp.client, cp.registry, objects);
  }

  /** Registers a node (its Node object and its DI scope). Works while running. */
  async addNode(spec: NodeSpec = {}): Promise<ClusterNode> {
    const cp = this.running(true);
    const role = spec.role ?? "worker";
    const name = spec.name ?? this.defaultNodeName(role);
    if (this.nodeScopes.has(name)) throw new Error(`node ${name} is already registered in cluster ${this.name}`);
    const nodes = cp.client.resource<Node>("Node");
    const existing = await nodes.get(name).catch((err: unknown) => {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    });
    // Node CIDRs node IPAM handed to Nodes registered through the API are taken.
    if (this.state === "running") await this.occupyForeignPodCidrs(name);
    const podCidr = this.addressing.allocatePodCidr(existing?.spec?.podCIDR);
    const ip = this.addressing.allocateNodeIP(spec.subnet);
    // A kubelet registers its own Node; without one (API-only clusters) the cluster writes a placeholder.
    const kubelet = this.extensions.point(NodeAgents).has("kubelet");
    try {
      const fresh = nodeObject({ ...spec, name, role }, podCidr, ip, rfc3339(this.clock.now()), { controlPlaneTaint: !this.untaintedControlPlane });
      if (kubelet) {
        // The kubelet registers (or re-registers) its own Node.
      } else if (existing) {
        // Re-registration over a durable store, as a restarted kubelet does: same object (uid), current spec and status.
        const metadata = { ...fresh.metadata, uid: existing.metadata?.uid, creationTimestamp: existing.metadata?.creationTimestamp } as Node["metadata"];
        const updated = await nodes.update({ ...fresh, metadata: { ...metadata, resourceVersion: existing.metadata?.resourceVersion } }, { fieldManager: "kubesim-node-registration" });
        await nodes.updateStatus({ ...fresh, metadata: { ...metadata, resourceVersion: updated.metadata?.resourceVersion } }, { fieldManager: "kubesim-node-registration" });
      } else {
        await nodes.create(fresh, { fieldManager: "kubesim-node-registration" });
        this.nodesAccounted++;
      }
    } catch (err) {
      this.addressing.releasePodCidr(podCidr);
      this.addressing.releaseNodeIP(ip);
      throw err;
    }
    const scope = createNodeScope(this.container);
    provide(scope, NodeName, name);
    provide(scope, NodeIP, ip);
    provide(scope, NodePodCidr, podCidr);
    provide(scope, NodeSpecToken, { ...spec, name, role });
    const files = new NodeFileSystem();
    provide(scope, NodeFiles, files);
    provide(scope, PodNetwork, new CniPodNetwork(this.dataPlane, { name, ip, podCidr }, files, this.extensions.point(NetworkPlugins)));
    const node: ClusterNode = { name, role, scope };
    this.nodeScopes.set(name, node);
    try {
      await this.startNodeAgents(node);
      if (kubelet) {
        await this.completeRegistration(name, role, podCidr, spec);
        if (!existing) this.nodesAccounted++;
      }
    } catch (err) {
      this.nodeScopes.delete(name);
      this.addressing.releasePodCidr(podCidr);
      this.addressing.releaseNodeIP(ip);
      throw err;
    }
    return node;
  }

  /**
   * What the cluster bootstrap adds to a Node its kubelet registered: the pod CIDR (node IPAM) and,
   * on control-plane nodes, the role label and NoSchedule taint (kubeadm's mark-control-plane).
   */
  private async completeRegistration(name: string, role: "control-plane" | "worker", podCidr: string, spec: NodeSpec): Promise<void> {
    const nodes = this.running(true).client.resource<Node>("Node");
    const current = await nodes.get(name);
    const patch: { metadata?: { labels: Record<string, string> }; spec: { podCIDR: string; podCIDRs: string[]; taints?: unknown[] } } = { spec: { podCIDR: podCidr, podCIDRs: [podCidr] } };
    if (role === "control-plane") {
      patch.metadata = { labels: { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } };
      const taints = [...(current.spec?.taints ?? [])];
      if (!this.untaintedControlPlane && !taints.some((t) => t.key === "node-role.kubernetes.io/control-plane") && !spec.taints?.some((t) => t.key === "node-role.kubernetes.io/control-plane")) taints.push({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" });
      patch.spec.taints = taints;
    }
    await nodes.patch(name, "merge", patch, { fieldManager: "kubeadm" });
  }

  /** Starts every contributed node agent on `node`, in contribution order; on failure stops those started and rethrows. */
  private async startNodeAgents(node: ClusterNode): Promise<void> {
    const abort = new AbortController();
    const entry = { abort, handles: [] as NodeAgentHandle[] };
    this.nodeAgents.set(node.name, entry);
    for (const agent of this.extensions.point(NodeAgents).all()) {
      try {
        entry.handles.push(await agent.start({ nodeName: node.name, role: node.role, scope: node.scope, signal: abort.signal }));
      } catch (err) {
        await this.stopNodeAgents(node.name);
        throw err;
      }
    }
  }

  /** Stops a node's agents in reverse start order; a failing stop is logged, the others still run. */
  private async stopNodeAgents(name: string): Promise<void> {
    const entry = this.nodeAgents.get(name);
    if (!entry) return;
    this.nodeAgents.delete(name);
    entry.abort.abort();
    for (const handle of entry.handles.reverse()) {
      try {
        await handle.stop();
      } catch (err) {
        this.log.error("node agent failed to stop", { node: name, error: err });
      }
    }
  }

  /** Runs a program on a node's shell (`kubesim node exec <node> -- argv...`): the NodeCommands contributed by plugins. */
  async nodeExec(node: string, argv: readonly string[], stdin?: string): Promise<NodeCommandResult> {
    this.running();
    const n = this.nodeScopes.get(node);
    if (!n) return { stdout: "", stderr: `Error from server (NotFound): nodes "${node}" not found\n`, exitCode: 1 };
    return runNodeCommand(this.extensions.point(NodeCommands), n, argv, stdin);
  }

  /**
   * Marks the pod CIDRs of Nodes registered through the API (node IPAM gave them) as taken. The
   * full listing is skipped while the number of Nodes is the one accounted for — the last listing's
   * plus the Nodes this cluster registered since — so adding n nodes costs O(n), not O(n²).
   */
  private async occupyForeignPodCidrs(adding: string): Promise<void> {
    const nodes = this.running().client.resource<Node>("Node");
    const page = await nodes.list({ limit: 1 });
    const total = page.metadata?.remainingItemCount !== undefined ? page.items.length + page.metadata.remainingItemCount : page.metadata?.continue ? -1 : page.items.length;
    if (total === this.nodesAccounted) return;
    const all = await nodes.list();
    for (const n of all.items) if (n.spec?.podCIDR && n.metadata?.name !== adding) this.addressing.occupyPodCidr(n.spec.podCIDR);
    this.nodesAccounted = all.items.length;
  }

  /** Removes a node: stops its agents, deletes its Node object and drops its scope. */
  async removeNode(name: string): Promise<void> {
    const cp = this.running();
    await this.stopNodeAgents(name);
    const node = await cp.client.resource<Node>("Node").get(name);
    await cp.client.resource("Node").delete(name);
    this.nodesAccounted--;
    const podCidr = node.spec?.podCIDR;
    if (podCidr) this.addressing.releasePodCidr(podCidr);
    const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    if (ip) this.addressing.releaseNodeIP(ip);
    this.dataPlane.removeNode(name);
    this.nodeScopes.delete(name);
  }

  /**
   * Waits, on the cluster's clock, until an object of `resource` satisfies `predicate` in the
   * informer cache (checked now and on every change); resolves with that object. Rejects after
   * `timeout` ms (default 30 s) of cluster time.
   */
  async waitFor<T extends ObjectLike = KubeObject>(resource: ResourceRef, predicate: (obj: T) => boolean, options: WaitForOptions = {}): Promise<T> {
    this.running();
    const informer = this.informerFactory!.forResource<T>(resource, {
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    });
    this.informerFactory!.start(this.stopController.signal);
    const timeout = options.timeout ?? 30_000;
    const clock = this.clock;
    const stopSignal = this.stopController.signal;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let registration: ReturnType<typeof informer.addEventHandler> | undefined;
      let timer: ReturnType<Clock["setTimeout"]> | undefined;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        if (registration) informer.removeEventHandler(registration);
        clock.clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        stopSignal.removeEventListener("abort", onStop);
        settle();
      };
      const onAbort = (): void => finish(() => reject(options.signal?.reason ?? new Error("waitFor aborted")));
      const onStop = (): void => finish(() => reject(new Error(`cluster ${this.name} stopped while waiting for ${describe(resource)}`)));
      const check = (obj: T): void => {
        if (settled) return;
        let ok = false;
        try {
          ok = predicate(obj);
        } catch (err) {
          finish(() => reject(err));
          return;
        }
        if (ok) finish(() => resolve(obj));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      stopSignal.addEventListener("abort", onStop, { once: true });
      timer = clock.setTimeout(() => {
        finish(() => reject(new Error(`timed out after ${timeout} ms waiting for ${describe(resource)}${options.namespace ? ` in namespace ${options.namespace}` : ""} to satisfy the condition`)));
      }, timeout);
      registration = informer.addEventHandler({ onAdd: check, onUpdate: (_old, obj) => check(obj) });
      if (settled) informer.removeEventHandler(registration);
    });
  }

  /** Stops plugins (reverse order), informers and the store; leaves no timer, watch or handle behind. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    await this.teardown();
    this.log.info("cluster stopped");
  }

  private async teardown(): Promise<void> {
    // Every step runs even when one before it fails (logged): a half-stopped cluster would leave
    // timers and sockets behind. Only the store's close, which is about the data, fails the stop.
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.log.error(`stopping: ${what} failed`, { error: err });
      }
    };
    for (const server of this.servers) await step("HTTP server close", () => server.close());
    this.servers.clear();
    // Controllers first: left running, they would react to every node agent stopping (each pod or
    // node change syncing a DaemonSet over all nodes), and the stop would grow with nodes².
    await step("controller manager stop", () => this.controllerManager?.stop());
    for (const name of [...this.nodeAgents.keys()].reverse()) await this.stopNodeAgents(name);
    this.stopController.abort();
    await step("plugin teardown", () => this.plugins.stop());
    await step("informer shutdown", () => this.informerFactory?.shutdown());
    await step("control plane stop", () => this.controlPlane?.stop());
    await step("authorization informers shutdown", () => this.controlPlane?.authorization.stop());
    await this.controlPlane?.store.close();
    if (this.clock instanceof VirtualClock) this.clock.setAuto(false);
  }

  /** The network stack kube-apiserver's outgoing connections use: the control-plane node's root namespace (the first node's when none is marked). */
  private controlPlaneStack(): NetworkStack | undefined {
    const name = [...this.nodeScopes.values()].find((n) => n.role === "control-plane")?.name ?? this.dataPlane.nodeNames()[0];
    const ns = name ? this.dataPlane.node(name) : undefined;
    return ns ? this.dataPlane.stack(ns) : undefined;
  }

  private running(allowStarting = false): ControlPlane {
    if (this.controlPlane && (this.state === "running" || (allowStarting && this.state === "starting"))) return this.controlPlane;
    if (this.state === "new") throw new Error(`cluster ${this.name} is not started: call await cluster.start() first`);
    if (this.state === "stopped") throw new Error(`cluster ${this.name} is stopped`);
    throw new Error(`cluster ${this.name} is still starting`);
  }

  private initialNodes(): NodeSpec[] {
    const nodes = this.options.nodes ?? 1;
    if (typeof nodes === "number") {
      return Array.from({ length: Math.max(0, nodes) }, (_, i): NodeSpec => ({ role: i === 0 ? "control-plane" : "worker" }));
    }
    return nodes;
  }

  /** kind's naming: `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`, ... */
  private defaultNodeName(role: "control-plane" | "worker"): string {
    if (role === "control-plane") {
      const existing = [...this.nodeScopes.values()].filter((n) => n.role === "control-plane").length;
      return existing === 0 ? `${this.name}-control-plane` : `${this.name}-control-plane${existing + 1}`;
    }
    for (;;) {
      this.workerCount++;
      const name = this.workerCount === 1 ? `${this.name}-worker` : `${this.name}-worker${this.workerCount}`;
      if (!this.nodeScopes.has(name)) return name;
    }
  }
}

/** `apiserver_storage_objects`' resource label of a storage segment (`deployments` → `deployments.apps`) or a group and kind. */
function storageObjectsLabel(registry: ResourceRegistry, storage: string | { group: string; kind: string }): string {
  if (typeof storage === "string") {
    if (storage.includes(".")) return storage;
    const t = registry.all().find((r) => r.descriptor.plural === storage);
    return t?.descriptor.group ? `${storage}.${t.descriptor.group}` : storage;
  }
  const t = registry.all().find((r) => r.descriptor.group === storage.group && r.descriptor.kind === storage.kind);
  const plural = t?.descriptor.plural ?? `${storage.kind.toLowerCase()}s`;
  return storage.group ? `${plural}.${storage.group}` : plural;
}

function describe(ref: ResourceRef): string {
  if (typeof ref === "string") return ref;
  return "kind" in ref ? ref.kind : ref.resource;
}

