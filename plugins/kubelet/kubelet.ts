import type { DependencyContainer } from "tsyringe";
import type { ConfigMap, Node, Pod, Secret, Service } from "kubernetes-types/core/v1.js";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import { flatString } from "../../core/collections/flat-string.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import type { Client } from "../../core/client/client.js";
import type { Logger } from "../../core/log/logger.js";
import { isStatusError } from "../../core/api/status.js";
import { rfc3339, rfc3339Micro } from "../../core/api/time.js";
import { milliValue, parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { ipv4ToUint32, uint32ToIpv4 } from "../../core/net/ipv4.js";
import { EventBroadcaster } from "../../core/events/event-broadcaster.js";
import type { EventRecorder } from "../../core/events/event-recorder.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { KubeletCloudProvider, NodeIP, NodeName, NodePodCidr, NodeSpecToken, type NodeSpec } from "../../core/cluster/node-spec.js";
import { provide } from "../../core/di/token.js";
import { CsiNodePlugins, NodeHostFs, type CsiNodeRegistry, type StorageDriver } from "../../core/csi/storage-drivers.js";
import type { CsiNodePlugin } from "../../core/csi/services.js";
import { CsiVolumeManager } from "./csi-volumes.js";
import { deregisterCsiDriver, registerCsiDrivers } from "./csi-registration.js";
import { PluginManager } from "./plugin-manager.js";
import { UnixSockets } from "../../core/net/unix-sockets.js";
import { NodeRuntimeToken, type ContainerRuntimeFactory, type NodeRuntime } from "../../core/cri/runtime-service.js";
import { Backoff } from "./backoff.js";
import { ObjectSource } from "./container-env.js";
import { SHARED_POD_DNS } from "./pod-dns.js";
import { WatchedObjects } from "./watched-objects.js";
import { configMapNames, secretNames } from "../../core/api/builtin/core/pod-references.js";
import { ServiceEnvironment } from "./service-env.js";
import { NO_PRESSURE, nodeConditions, nodeImages, nodeResources, registrationNode, type NodePressure } from "./node-status.js";
import { statsSummary, type StatsSummary, type VolumeStats } from "./stats.js";
import { serveKubeletEndpoints } from "./kubelet-server.js";
import { DEFAULT_EVICTION_HARD, SIGNAL_CONDITION, evictionMessage, observe, parseThresholds, rankForEviction, thresholdQuantity, type Threshold } from "./eviction.js";
import { DEFAULT_IMAGE_GC_POLICY, IMAGE_GC_PERIOD_MS, ImageGarbageCollector } from "./image-gc.js";
import { PodWorker, type KubeletServices } from "./pod-worker.js";
import { admitPod, type NodeUsage } from "./admission.js";
import { NodeHostFileSystem } from "./host-filesystem.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { StaticPodManager } from "./static-pod-manager.js";
import { STATIC_POD_PATH, isMirrorPod } from "./static-pods.js";
import { hostManifestDirectory, simulatedManifestDirectory } from "./manifest-directory.js";
import { KubeletMetrics } from "./kubelet-metrics.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import type { Listener } from "../../core/net/sockets.js";

/** The kubelet's port (its API and metrics). */

export interface KubeletOptions {
  scope: DependencyContainer;
  client: Client;
  clock: Clock;
  random: Random;
  log: Logger;
  runtime: ContainerRuntimeFactory;
  /** Node status is posted when it changes, and at least this often (default 5 min). */
  statusReportMs?: number;
  /** The CSI drivers whose node plugins run on this node (the `StorageDrivers` contributions). */
  storageDrivers?: () => readonly StorageDriver[];
}

/** The kubelet's clocks: lease renewal and status checks every 10 s, as upstream's defaults. */
export const LEASE_RENEW_MS = 10_000;
export const LEASE_DURATION_SECONDS = 40;
export const STATUS_UPDATE_MS = 10_000;
/** How often eviction signals are measured (`evictionMonitoringPeriod`). */
export const EVICTION_MONITORING_MS = 10_000;
/** How often the static pod directory is re-read besides its change notifications (`fileCheckFrequency`). */
export const FILE_CHECK_MS = 20_000;
/** `--sync-frequency`: how often running pods' content volumes are remounted from their sources (upstream default 1 min). */
export const SYNC_FREQUENCY_MS = 60_000;

/**
 * One node's kubelet: registers the Node, keeps its Lease and status, and runs the pods bound to
 * it through the CRI runtime, one {@link PodWorker} per pod. Reads pods through its own informer
 * (field selector `spec.nodeName=<node>`) and writes through the client, so it runs the same in
 * process or against a remote API server.
 */
export class Kubelet {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly runtime: NodeRuntime;
  readonly hostFs = new NodeHostFileSystem();
  /** The node plugins of the CSI drivers registered on this node, by driver name. */
  private readonly csiPlugins = new Map<string, CsiNodePlugin>();
  readonly csi: CsiVolumeManager;
  private readonly spec: NodeSpec & { name: string };
  private readonly workers = new Map<string, PodWorker>();
  /** The pods holding node resources ({@link PodWorker.holdsNodeResources}), as a running count and sum of their admission requests. */
  private readonly used = { pods: 0, requests: [0n, 0n, 0n] };
  private readonly bySandbox = new Map<string, PodWorker>();
  private readonly informers: SharedInformerFactory;
  private readonly events: EventBroadcaster;
  private readonly abort = new AbortController();
  private leaseTimer: TimerHandle | undefined;
  private statusTimer: TimerHandle | undefined;
  private syncTimer: TimerHandle | undefined;
  /** Service account tokens of projected volumes, per pod uid, audience and expiry (upstream's token manager). */
  private readonly tokens = new Map<string, { token: string; fetched: number; ttlMs: number }>();
  /** The ConfigMaps and Secrets this node's pods reference, each watched on its own (upstream's Watch strategy). */
  private readonly configMaps: WatchedObjects<ConfigMap>;
  private readonly secrets: WatchedObjects<Secret>;
  private lastStatusPost = 0;
  private lastNetworkError: string | undefined;
  private lastImagesKey = "";
  private clusterDNS = "10.96.0.10";
  private readonly services: KubeletServices;
  private readonly recorder: EventRecorder;
  private unsubscribe: (() => void) | undefined;
  private readonly staticPods: StaticPodManager | undefined;
  private unwatchManifests: (() => void) | undefined;
  private fileCheckTimer: TimerHandle | undefined;
  private readonly allocatable: Record<string, string>;
  private readonly capacity: Record<string, string>;
  private readonly thresholds: Threshold[];
  readonly imageGc: ImageGarbageCollector;
  /** The kubelet's metrics endpoints (`/metrics`, `/metrics/cadvisor`, `/metrics/resource`, `/metrics/probes`), served on :10250. */
  readonly metrics: KubeletMetrics;
  private pressure: NodePressure = NO_PRESSURE;
  private housekeepingTimer: TimerHandle | undefined;
  private imageGcTimer: TimerHandle | undefined;
  private readonly bootTime: number;

  constructor(private readonly o: KubeletOptions) {
    const scope = o.scope;
    this.nodeName = scope.resolve<string>(NodeName);
    this.nodeIP = scope.isRegistered(NodeIP, true) ? scope.resolve<string>(NodeIP) : "127.0.0.1";
    const spec: NodeSpec & { name: string } = scope.isRegistered(NodeSpecToken, true) ? scope.resolve(NodeSpecToken) : { name: this.nodeName };
    // `--cloud-provider`: the node's own, else the cluster's (external under a cloud-controller-manager).
    const cloudProvider = spec.cloudProvider ?? (scope.isRegistered(KubeletCloudProvider, true) ? scope.resolve(KubeletCloudProvider) : undefined);
    this.spec = cloudProvider ? { ...spec, cloudProvider } : spec;
    const resources = nodeResources(this.spec);
    this.allocatable = resources.allocatable;
    this.capacity = resources.capacity;
    this.bootTime = o.clock.now();
    const kc = this.spec.kubeletConfig ?? {};
    this.thresholds = parseThresholds(kc.evictionHard ?? DEFAULT_EVICTION_HARD);
    this.runtime = o.runtime.create(scope, { hostFs: this.hostFs });
    this.metrics = new KubeletMetrics({
      nodeName: this.nodeName,
      runtime: this.runtime,
      dataPlane: scope.isRegistered(DataPlaneToken, true) ? scope.resolve<DataPlane>(DataPlaneToken) : undefined,
      pods: () => [...this.workers.values()].map((w) => ({ pod: w.pod, sandbox: w.sandbox })),
      summary: () => this.statsSummary(),
    });
    this.hostFs.bindLogs(this.runtime.logs);
    this.imageGc = new ImageGarbageCollector(this.runtime, { ...DEFAULT_IMAGE_GC_POLICY, ...(kc.imageGCHighThresholdPercent !== undefined ? { highThresholdPercent: kc.imageGCHighThresholdPercent } : {}), ...(kc.imageGCLowThresholdPercent !== undefined ? { lowThresholdPercent: kc.imageGCLowThresholdPercent } : {}) });
    provide(scope, NodeRuntimeToken, this.runtime);
    provide(scope, NodeHostFs, this.hostFs);
    const registry: CsiNodeRegistry = { get: (name) => this.csiPlugins.get(name), names: () => [...this.csiPlugins.keys()] };
    provide(scope, CsiNodePlugins, registry);
    this.informers = new SharedInformerFactory({ client: o.client, clock: o.clock, random: o.random, logger: o.log.child("informers") });
    this.events = new EventBroadcaster({ client: o.client, clock: o.clock, log: o.log.child("events") });
    const recorder = this.events.newRecorder({ component: "kubelet", host: this.nodeName });
    this.recorder = recorder;
    // The Services every pod's environment is made from (the kubelet's service informer).
    const services = this.informers.forResource<Service>("Service");
    this.serviceEnvironment = new ServiceEnvironment(services.lister());
    const invalidate = (): void => this.serviceEnvironment.invalidate();
    services.addEventHandler({ onAdd: invalidate, onUpdate: invalidate, onDelete: invalidate });
    this.servicesRead = services.waitForSync(this.abort.signal).then(() => undefined);
    this.configMaps = new WatchedObjects<ConfigMap>({ client: o.client, clock: o.clock, kind: "ConfigMap", resource: "configmap", names: configMapNames, maxIdleMs: 5 * SYNC_FREQUENCY_MS, logger: o.log });
    this.secrets = new WatchedObjects<Secret>({ client: o.client, clock: o.clock, kind: "Secret", resource: "secret", names: secretNames, maxIdleMs: 5 * SYNC_FREQUENCY_MS, logger: o.log });
    this.csi = new CsiVolumeManager({ nodeName: this.nodeName, client: o.client, hostFs: this.hostFs, plugins: registry, recorder, clock: o.clock });
    this.services = {
      nodeName: this.nodeName,
      nodeIP: this.nodeIP,
      runtime: this.runtime,
      runtimeName: this.runtime.runtimeVersion.split("://")[0]!,
      client: o.client,
      clock: o.clock,
      log: o.log,
      recorder,
      hostFs: this.hostFs,
      source: new ObjectSource({ configMaps: this.configMaps, secrets: this.secrets }),
      restartBackoff: new Backoff(o.clock),
      pullBackoff: new Backoff(o.clock),
      allocatable: () => this.allocatable,
      networkError: () => this.lastNetworkError,
      hostStack: () => this.runtime.hostNetwork(),
      clusterDNS: () => this.clusterDNS,
      clusterDomain: "cluster.local",
      dns: SHARED_POD_DNS,
      serviceEnv: async (namespace, links) => {
        await this.servicesRead;
        return this.serviceEnvironment.forPod(namespace, links);
      },
      admit: (pod) => this.admit(pod),
      token: (pod, audience, exp) => this.podToken(pod, audience, exp),
      forget: (uid) => this.forget(uid),
      holdsNodeResources: (w, holds) => this.countUsage(w, holds ? 1 : -1),
      runtimeHandler: (name) => this.runtimeHandler(name),
      sandboxCreated: (id, worker) => void this.bySandbox.set(id, worker),
      metrics: this.metrics,
      csi: this.csi,
    };
    const manifests = kc.staticPodPath ? hostManifestDirectory(kc.staticPodPath) : scope.isRegistered(NodeFiles, true) ? simulatedManifestDirectory(scope.resolve<NodeFileSystem>(NodeFiles), STATIC_POD_PATH) : undefined;
    if (manifests) {
      this.staticPods = new StaticPodManager(
        {
          nodeName: this.nodeName,
          client: o.client,
          log: o.log.child("static-pods"),
          now: () => o.clock.now(),
          run: (pod) => this.podChanged(pod),
          stop: (pod) => this.stopStaticPod(pod),
          mirrorCreated: (uid) => this.workers.get(uid)?.resendStatus(),
          event: (pod, type, reason, message) => recorder.event(pod, type, reason, message),
        },
        manifests,
      );
    }
  }

  private nodeLabels: Record<string, string> = {};
  private readonly serviceEnvironment: ServiceEnvironment;
  /** Resolves once the Service informer has listed the Services (pods wait for it, as upstream's kubelet does). */
  private readonly servicesRead: Promise<void>;

  /** Registers the node, starts heartbeats and the pod informer. Resolves once the Node exists. */
  async start(): Promise<void> {
    this.lastNetworkError = await this.networkError();
    await this.register();
    await this.startCsiPlugins();
    this.renewLease();
    try {
      const m = this.metrics;
      this.endpoints = serveKubeletEndpoints(this.runtime.hostNetwork(), () => this.statsSummary(), {
        "/metrics": () => m.scrapeMain(),
        "/metrics/cadvisor": () => m.scrapeCadvisor(),
        "/metrics/probes": () => m.scrapeProbes(),
      });
    } catch (err) {
      this.o.log.warn("cannot serve the kubelet endpoints on port 10250", { error: err });
    }
    this.statusTimer = this.o.clock.setInterval(() => void this.updateStatus().catch((err: unknown) => this.o.log.warn("node status update failed", { error: err })), STATUS_UPDATE_MS);
    this.syncTimer = this.o.clock.setInterval(() => {
      for (const w of this.workers.values()) void w.refreshVolumes().catch((err: unknown) => this.o.log.warn("volume refresh failed", { pod: w.uid, error: err }));
    }, SYNC_FREQUENCY_MS);
    void this.readClusterDNS();
    this.unsubscribe = this.runtime.runtime.onContainerEvent((e) => this.workerForSandbox(e.podSandboxId)?.containerEvent(e.type));
    const pods = this.informers.forResource<Pod>("Pod", { fieldSelector: `spec.nodeName=${this.nodeName}` });
    const mirror = (pod: Pod, gone = false): boolean => {
      if (!isMirrorPod(pod)) return false;
      this.staticPods?.mirrorChanged(gone ? undefined : pod, `${pod.metadata?.namespace}/${pod.metadata?.name}`);
      return true;
    };
    pods.addEventHandler({
      onAdd: (pod) => {
        if (mirror(pod)) return;
        // The objects an API pod references are watched from when it is added (static pods reference none).
        this.configMaps.registerPod(pod);
        this.secrets.registerPod(pod);
        this.podChanged(pod);
      },
      onUpdate: (old, pod) => {
        if (mirror(pod)) return;
        // Only ephemeral containers can add references to a pod (they are only ever appended).
        if ((old.spec?.ephemeralContainers?.length ?? 0) !== (pod.spec?.ephemeralContainers?.length ?? 0)) {
          this.configMaps.registerPod(pod);
          this.secrets.registerPod(pod);
        }
        if (relevantChange(old, pod)) this.podChanged(pod);
        else this.workers.get(pod.metadata?.uid ?? "")?.reconcile(pod);
      },
      onDelete: (obj) => {
        const pod = isTombstone(obj) ? (obj.obj as Pod | undefined) : obj;
        if (pod && !mirror(pod, true)) this.workers.get(pod.metadata?.uid ?? "")?.removed();
      },
    });
    // Stopped by `shutdown` in stop(), right as the kubelet aborts: no signal combining the two per node.
    this.informers.start();
    this.housekeepingTimer = this.o.clock.setInterval(() => void this.housekeeping().catch((err: unknown) => this.o.log.warn("eviction manager: synchronize failed", { error: err })), EVICTION_MONITORING_MS);
    this.imageGcTimer = this.o.clock.setInterval(() => void this.collectImages().catch((err: unknown) => this.o.log.warn("image garbage collection failed", { error: err })), IMAGE_GC_PERIOD_MS);
    if (this.staticPods) {
      this.unwatchManifests = this.staticPods.watch();
      this.fileCheckTimer = this.o.clock.setInterval(() => this.staticPods!.resync(), FILE_CHECK_MS);
    }
  }

  /** Stops heartbeats and the informer, kills every container (the node is going away). */
  async stop(): Promise<void> {
    this.abort.abort();
    const informersStopped = this.informers.shutdown();
    this.endpoints?.close();
    this.o.clock.clearTimeout(this.leaseTimer);
    this.o.clock.clearInterval(this.statusTimer);
    this.o.clock.clearInterval(this.syncTimer);
    this.unsubscribe?.();
    this.pluginManager?.stop();
    this.unwatchManifests?.();
    this.o.clock.clearInterval(this.fileCheckTimer);
    this.o.clock.clearInterval(this.housekeepingTimer);
    this.o.clock.clearInterval(this.imageGcTimer);
    for (const w of this.workers.values()) await w.shutdown();
    await informersStopped;
    await Promise.all([this.configMaps.stop(), this.secrets.stop()]);
    await this.runtime.close();
    await this.events.shutdown();
  }

  /** The kubelet's clock reading. */
  now(): number {
    return this.o.clock.now();
  }

  /** The worker of a pod (streaming, node views, tests). */
  worker(namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) if (w.pod.metadata?.name === name && w.pod.metadata?.namespace === namespace) return w;
    return undefined;
  }

  get podWorkers(): ReadonlyMap<string, PodWorker> {
    return this.workers;
  }

  private podChanged(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(pod, this.services);
      this.workers.set(uid, w);
      w.kick();
      return;
    }
    w.update(pod);
  }

  /** A static pod's manifest is gone or changed: terminate it as a deletion with its grace period would. */
  private stopStaticPod(pod: Pod): void {
    const w = this.workers.get(pod.metadata?.uid ?? "");
    if (!w) return;
    w.detachStatus();
    w.update({ ...w.pod, metadata: { ...w.pod.metadata, deletionTimestamp: rfc3339(this.o.clock.now()), deletionGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30 } });
  }

  private forget(uid: string): void {
    const prefix = `${uid}|`;
    for (const key of this.tokens.keys()) if (key.startsWith(prefix)) this.tokens.delete(key);
    this.configMaps.unregisterPod(uid);
    this.secrets.unregisterPod(uid);
    const w = this.workers.get(uid);
    if (!w) return;
    this.workers.delete(uid);
    if (w.holdsNodeResources) this.countUsage(w, -1);
    for (const [id, x] of this.bySandbox) if (x === w) this.bySandbox.delete(id);
  }

  private workerForSandbox(id: string): PodWorker | undefined {
    return this.bySandbox.get(id);
  }

  /** Admits `pod` or says why not ({@link admitPod}), with its worker's requests (computed once per pod). */
  private admit(pod: Pod): { reason: string; message: string } | undefined {
    const self = this.workers.get(pod.metadata?.uid ?? "");
    return admitPod(pod, this.admittedUsage(self), this.allocatable, this.nodeLabels, self?.admissionRequests);
  }

  /**
   * What the pods admitted on this node and not finished, other than `self`'s, request: the running
   * sum (upstream walks the active pods on every admission; the sum is the same without the walk).
   */
  private admittedUsage(self: PodWorker | undefined): NodeUsage {
    if (!self?.holdsNodeResources) return this.used;
    const r = self.admissionRequests;
    return { pods: this.used.pods - 1, requests: this.used.requests.map((v, i) => v - r[i]!) };
  }

  /** Adds (`sign` 1) or removes (-1) a worker's pod from the running usage. */
  private countUsage(w: PodWorker, sign: 1 | -1): void {
    const r = w.admissionRequests;
    const used = this.used;
    used.pods += sign;
    for (let i = 0; i < used.requests.length; i++) used.requests[i] = sign > 0 ? used.requests[i]! + r[i]! : used.requests[i]! - r[i]!;
  }

  // ---- node registration and heartbeats ----

  private async networkError(): Promise<string | undefined> {
    const status = await this.runtime.runtime.status();
    const net = status.conditions.find((c) => c.type === "NetworkReady");
    if (!net || net.status) return undefined;
    return `container runtime network not ready: NetworkReady=false reason:${net.reason} message:${net.message}`;
  }

  private async register(): Promise<void> {
    const nodes = this.o.client.resource<Node>("Node");
    const now = rfc3339(this.o.clock.now());
    const images = await this.runtime.images.listImages();
    const machineId = this.nodeName.split("").reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, "0").repeat(4);
    const node = registrationNode(this.spec, this.nodeIP, this.runtime.runtimeVersion, images, now, this.lastNetworkError, machineId);
    // The pod CIDR the cluster bootstrap chose for this node (kubelet's --pod-cidr): registered with
    // the Node, so node IPAM takes it as allocated instead of handing out another.
    const podCidr = this.o.scope.isRegistered(NodePodCidr, true) ? this.o.scope.resolve<string>(NodePodCidr) : undefined;
    if (podCidr) node.spec = { ...node.spec, podCIDR: podCidr, podCIDRs: [podCidr] };
    this.nodeLabels = node.metadata!.labels!;
    try {
      await nodes.create(node, { fieldManager: "kubelet" });
    } catch (err) {
      if (!isStatusError(err) || err.code !== 409) throw err;
      // Re-registration: the Node exists (a kubelet restart); refresh its status.
      await nodes.patch(this.nodeName, "merge", { status: node.status }, { subresource: "status", fieldManager: "kubelet" });
    }
    this.lastStatusPost = this.o.clock.now();
    this.lastImagesKey = images.map((i) => i.id).join(",");
  }

  /**
   * Starts every CSI driver's node plugin on this node (the driver's DaemonSet pod) and registers
   * it as the node-driver-registrar's registration makes the kubelet do: CSINode, node-id
   * annotation, topology labels. The CSINode object is created even without drivers.
   */
  private async startCsiPlugins(): Promise<void> {
    for (const driver of this.o.storageDrivers?.() ?? []) {
      if (!driver.node || driver.runsAsPods) continue;
      this.csiPlugins.set(driver.name, driver.node({ driverName: driver.name, nodeName: this.nodeName, hostFs: this.hostFs, scope: this.o.scope, clock: this.o.clock, log: this.o.log.child(`csi/${driver.name}`) }));
    }
    await registerCsiDrivers(this.o.client, this.nodeName, this.csiPlugins);
    // Drivers deployed as pods register through their node-driver-registrar's socket.
    if (!this.o.scope.isRegistered(UnixSockets, true)) return;
    this.pluginManager = new PluginManager({
      hostFs: this.hostFs,
      sockets: this.o.scope.resolve(UnixSockets),
      clock: this.o.clock,
      log: this.o.log.child("plugin-manager"),
      csi: {
        register: async (name, _endpoint, plugin) => {
          this.csiPlugins.set(name, plugin);
          await registerCsiDrivers(this.o.client, this.nodeName, new Map([[name, plugin]]));
        },
        deregister: async (name) => {
          this.csiPlugins.delete(name);
          await deregisterCsiDriver(this.o.client, this.nodeName, name);
        },
      },
    });
    this.pluginManager.start();
  }

  private pluginManager: PluginManager | undefined;

  private async updateStatus(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const err = await this.networkError();
    const images = await this.runtime.images.listImages();
    const imagesKey = images.map((i) => i.id).join(",");
    const changed = err !== this.lastNetworkError || imagesKey !== this.lastImagesKey || this.pressureChanged;
    const networkCameUp = this.lastNetworkError !== undefined && err === undefined;
    this.lastNetworkError = err;
    if (networkCameUp) for (const w of this.workers.values()) if (!w.sandbox) w.kick();
    if (!changed && this.o.clock.now() - this.lastStatusPost < (this.o.statusReportMs ?? 300_000)) return;
    const nodes = this.o.client.resource<Node>("Node");
    const current = await nodes.get(this.nodeName).catch(() => undefined);
    if (!current) return;
    this.nodeLabels = current.metadata?.labels ?? this.nodeLabels;
    const now = rfc3339(this.o.clock.now());
    await nodes.patch(this.nodeName, "merge", { status: { conditions: nodeConditions(now, current.status?.conditions, err, this.pressure), images: nodeImages(images) } }, { subresource: "status", fieldManager: "kubelet" });
    this.lastStatusPost = this.o.clock.now();
    this.lastImagesKey = imagesKey;
    this.pressureChanged = false;
  }

  private pressureChanged = false;
  /** The listener of port 10250 (`/stats/summary`, `/metrics/resource`). */
  private endpoints: Listener | undefined;

  // ---- stats, eviction, image GC ----

  /** The kubelet's `/stats/summary`. */
  async statsSummary(): Promise<StatsSummary> {
    const pods: { pod: Pod; sandbox: string | undefined }[] = [];
    for (const w of this.workers.values()) pods.push({ pod: w.pod, sandbox: w.sandbox });
    return statsSummary({
      nodeName: this.nodeName,
      runtime: this.runtime,
      hostFs: this.hostFs,
      now: this.o.clock.now(),
      bootTime: this.bootTime,
      memoryCapacity: quantityToNumber(parseQuantity(this.capacity["memory"]!)),
      fsCapacity: quantityToNumber(parseQuantity(this.capacity["ephemeral-storage"]!)),
      pods,
      volumeStats: await this.csiVolumeStats(),
    });
  }

  /** NodeGetVolumeStats of every published CSI volume, per pod uid (drivers with GET_VOLUME_STATS). */
  private async csiVolumeStats(): Promise<Map<string, VolumeStats[]>> {
    const out = new Map<string, VolumeStats[]>();
    const time = rfc3339(this.o.clock.now());
    for (const w of this.workers.values()) {
      const list: VolumeStats[] = [];
      for (const v of this.csi.published(w.uid)) {
        const node = this.csiPlugins.get(v.driver)?.node;
        if (!node?.nodeGetVolumeStats) continue;
        try {
          const { usage } = await node.nodeGetVolumeStats({ volumeId: v.handle, volumePath: v.target, ...(v.staged ? { stagingTargetPath: v.staged } : {}) });
          const bytes = usage.find((u) => u.unit === "BYTES");
          const inodes = usage.find((u) => u.unit === "INODES");
          const claim = (w.pod.spec?.volumes ?? []).find((x) => x.name === v.podVolume);
          const claimName = claim?.persistentVolumeClaim?.claimName ?? (claim?.ephemeral ? `${w.pod.metadata?.name}-${claim.name}` : undefined);
          list.push({
            time,
            name: v.podVolume,
            usedBytes: bytes?.used ?? 0,
            ...(bytes?.available !== undefined ? { availableBytes: bytes.available } : {}),
            ...(bytes?.total !== undefined ? { capacityBytes: bytes.total } : {}),
            ...(inodes?.available !== undefined ? { inodesFree: inodes.available } : {}),
            ...(inodes?.total !== undefined ? { inodes: inodes.total } : {}),
            ...(inodes?.used !== undefined ? { inodesUsed: inodes.used } : {}),
            ...(claimName ? { pvcRef: { name: claimName, namespace: w.pod.metadata?.namespace ?? "default" } } : {}),
          });
        } catch (err) {
          this.o.log.warn("NodeGetVolumeStats failed", { volume: v.handle, error: err });
        }
      }
      if (list.length) out.set(w.uid, list);
    }
    return out;
  }

  /** The node's pressure conditions as last measured. */
  get nodePressure(): NodePressure {
    return this.pressure;
  }

  /**
   * The eviction manager's synchronize: measures every signal against its hard threshold, sets the
   * pressure conditions, reclaims node-level resources first (image GC for disk), then evicts one
   * pod — the highest ranked for the starved resource — with no grace period.
   */
  private async housekeeping(): Promise<void> {
    if (this.abort.signal.aborted) return;
    await this.metrics.relist(() => this.o.clock.now());
    let summary = await this.statsSummary();
    let obs = observe(summary);
    const met = (): { t: Threshold; quantity: number }[] =>
      this.thresholds.map((t) => ({ t, quantity: thresholdQuantity(t, obs[t.signal].capacity) })).filter(({ t, quantity }) => obs[t.signal].available < quantity);
    let starved = met();
    const pressure: NodePressure = { ...NO_PRESSURE };
    for (const { t } of starved) pressure[SIGNAL_CONDITION[t.signal].condition] = true;
    if (JSON.stringify(pressure) !== JSON.stringify(this.pressure)) {
      this.pressure = pressure;
      this.pressureChanged = true;
      void this.updateStatus().catch(() => undefined);
    }
    if (starved.length === 0) return;
    const first = starved[0]!;
    const resource = SIGNAL_CONDITION[first.t.signal].resource;
    this.recordNodeEvent("Warning", "EvictionThresholdMet", `Attempting to reclaim ${resource}`);
    if (first.t.signal === "imagefs.available" || first.t.signal === "nodefs.available") {
      const now = this.o.clock.now();
      const need = first.quantity - obs[first.t.signal].available;
      await this.imageGc.freeSpace(need, now);
      summary = await this.statsSummary();
      obs = observe(summary);
      starved = met();
      if (starved.length === 0) return;
    }
    const usageByPod = new Map<string, Map<string, number>>();
    for (const p of summary.pods) {
      const m = new Map<string, number>();
      for (const c of p.containers) m.set(c.name, resource === "memory" ? c.memory.workingSetBytes : c.logs.usedBytes + c.rootfs.usedBytes);
      usageByPod.set(p.podRef.uid, m);
    }
    const usage = (pod: Pod): number => [...(usageByPod.get(pod.metadata?.uid ?? "")?.values() ?? [])].reduce((a, b) => a + b, 0);
    const candidates = [...this.workers.values()].filter((w) => w.active && w.sandbox && !w.isStatic).map((w) => w.pod);
    const victim = rankForEviction(candidates, usage, resource)[0];
    if (!victim) return;
    const target = starved[0]!;
    const message = evictionMessage(resource, target.t.value.endsWith("%") ? String(target.quantity) : target.t.value, obs[target.t.signal].available, victim, usageByPod.get(victim.metadata!.uid!) ?? new Map());
    this.workers.get(victim.metadata!.uid!)?.evict(message);
  }

  /** The periodic image GC (every 5 minutes): frees space above the high threshold, or says it could not. */
  private async collectImages(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const result = await this.imageGc.garbageCollect(this.o.clock.now());
    if (result && result.freed < result.attempted) this.recordNodeEvent("Warning", "ImageGCFailed", `Failed to garbage collect required amount of images. Attempted to free ${result.attempted} bytes, but only found ${result.freed} bytes eligible to free.`);
  }

  private recordNodeEvent(type: "Normal" | "Warning", reason: string, message: string): void {
    this.recorder.event({ apiVersion: "v1", kind: "Node", metadata: { name: this.nodeName, uid: this.nodeName } } as never, type, reason, message);
  }

  private renewLease(): void {
    const run = async (): Promise<void> => {
      const leases = this.o.client.resource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" });
      const renewTime = rfc3339Micro(this.o.clock.now());
      try {
        const lease = await leases.get(this.nodeName, { namespace: "kube-node-lease" });
        await leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime } });
      } catch (err) {
        if (!isStatusError(err) || err.code !== 404) throw err;
        const node = await this.o.client.resource<Node>("Node").get(this.nodeName);
        await leases.create({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.nodeName, namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: node.metadata!.uid! }] },
          spec: { holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
        });
      }
    };
    const loop = (): void => {
      if (this.abort.signal.aborted) return;
      run()
        .catch((err: unknown) => this.o.log.warn("failed to renew lease", { node: this.nodeName, error: err }))
        .finally(() => {
          if (!this.abort.signal.aborted) this.leaseTimer = this.o.clock.setTimeout(loop, LEASE_RENEW_MS);
        });
    };
    loop();
  }

  /** Looks a RuntimeClass's handler up (upstream's runtimeclass.Manager). */
  private async runtimeHandler(name: string | undefined): Promise<string> {
    if (!name) return "";
    try {
      const rc = await this.o.client.resource<RuntimeClass>({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass" }).get(name);
      return rc.handler;
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw new Error(`runtimeclass.node.k8s.io "${name}" not found`);
      throw new Error(`failed to lookup RuntimeClass ${name}: ${(err as Error).message}`);
    }
  }

  /** The kube-dns Service IP: the 10th address of the service network (from the `kubernetes` Service's first address). */
  private async readClusterDNS(): Promise<void> {
    try {
      const svc = await this.o.client.resource<Service>("Service").get("kubernetes", { namespace: "default" });
      const ip = svc.spec?.clusterIP;
      if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) this.clusterDNS = uint32ToIpv4(ipv4ToUint32(ip) + 9);
    } catch {
      /* keep the default */
    }
  }

  /**
   * A projected service account token: a TokenRequest bound to the pod, cached and requested again
   * once 80 % of its lifetime (or 24 h) has passed, as upstream's token manager rotates them.
   * Undefined when the pod's service account does not exist; other failures throw.
   */
  private async podToken(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string | undefined> {
    const sa = pod.spec?.serviceAccountName ?? "default";
    // Joined, not a template: the key is kept for the pod's lifetime, as one flat string rather than a tree of concatenated pieces.
    const key = [String(pod.metadata?.uid), audience ?? "", expirationSeconds].join("|");
    const now = this.o.clock.now();
    const cached = this.tokens.get(key);
    if (cached && now - cached.fetched < Math.min(cached.ttlMs * 0.8, 24 * 3600_000)) return cached.token;
    try {
      const res = (await this.o.client.resource("ServiceAccount").createSubresource(sa, "token", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { ...(audience ? { audiences: [audience] } : {}), expirationSeconds, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata?.name, uid: pod.metadata?.uid } },
      } as never, { namespace: pod.metadata?.namespace ?? "default" })) as { status?: { token?: string } };
      // A signed JWT arrives as a tree of its concatenated pieces (header, payload, signature), and a
      // pod keeps it for its lifetime (in its projected volume and the token cache): one flat string.
      const token = res.status?.token && flatString(res.status.token);
      if (token) this.tokens.set(key, { token, fetched: now, ttlMs: expirationSeconds * 1000 });
      return token;
    } catch (err) {
      if (isStatusError(err, "NotFound") && /serviceaccounts? "/.test(err.message)) return undefined;
      throw err;
    }
  }
}

/** Changes that need a pod sync (spec, deletion, labels for the downward API); the kubelet's own status writes do not. */
function relevantChange(old: Pod, pod: Pod): boolean {
  const a = old.metadata;
  const b = pod.metadata;
  return a?.deletionTimestamp !== b?.deletionTimestamp || a?.deletionGracePeriodSeconds !== b?.deletionGracePeriodSeconds || a?.generation !== b?.generation || old.spec?.ephemeralContainers !== pod.spec?.ephemeralContainers;
}

/** Requests of a container resource in milli-units. */
export function milli(value: string | number | undefined): number {
  return value === undefined ? 0 : Number(milliValue(parseQuantity(value)));
}
