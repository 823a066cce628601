import type { DependencyContainer } from "tsyringe";
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import type { Client } from "../../core/client/client.js";
import type { Logger } from "../../core/log/logger.js";
import { isStatusError } from "../../core/api/status.js";
import { rfc3339, rfc3339Micro } from "../../core/api/time.js";
import { milliValue, parseQuantity } from "../../core/api/quantity.js";
import { ipv4ToUint32, uint32ToIpv4 } from "../../core/net/ipv4.js";
import { EventBroadcaster } from "../../core/events/event-broadcaster.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { NodeIP, NodeName, NodeSpecToken, type NodeSpec } from "../../core/cluster/node-spec.js";
import { provide } from "../../core/di/token.js";
import { MemoryFileSystem } from "../../core/cri/filesystem.js";
import { NodeRuntimeToken, type ContainerRuntimeFactory, type NodeRuntime } from "../../core/cri/runtime-service.js";
import { Backoff } from "./backoff.js";
import { ObjectSource } from "./container-env.js";
import { nodeConditions, nodeImages, nodeResources, registrationNode } from "./node-status.js";
import { PodWorker, type KubeletServices } from "./pod-worker.js";
import { admitPod } from "./admission.js";

export interface KubeletOptions {
  scope: DependencyContainer;
  client: Client;
  clock: Clock;
  random: Random;
  log: Logger;
  runtime: ContainerRuntimeFactory;
  /** Node status is posted when it changes, and at least this often (default 5 min). */
  statusReportMs?: number;
}

/** The kubelet's clocks: lease renewal and status checks every 10 s, as upstream's defaults. */
export const LEASE_RENEW_MS = 10_000;
export const LEASE_DURATION_SECONDS = 40;
export const STATUS_UPDATE_MS = 10_000;
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
  readonly hostFs = new MemoryFileSystem();
  private readonly spec: NodeSpec & { name: string };
  private readonly workers = new Map<string, PodWorker>();
  private readonly bySandbox = new Map<string, PodWorker>();
  private readonly informers: SharedInformerFactory;
  private readonly events: EventBroadcaster;
  private readonly abort = new AbortController();
  private leaseTimer: TimerHandle | undefined;
  private statusTimer: TimerHandle | undefined;
  private syncTimer: TimerHandle | undefined;
  /** Service account tokens of projected volumes, per pod uid, audience and expiry (upstream's token manager). */
  private readonly tokens = new Map<string, { token: string; fetched: number; ttlMs: number }>();
  private lastStatusPost = 0;
  private lastNetworkError: string | undefined;
  private lastImagesKey = "";
  private clusterDNS = "10.96.0.10";
  private readonly services: KubeletServices;
  private unsubscribe: (() => void) | undefined;
  private readonly allocatable: Record<string, string>;

  constructor(private readonly o: KubeletOptions) {
    const scope = o.scope;
    this.nodeName = scope.resolve<string>(NodeName);
    this.nodeIP = scope.isRegistered(NodeIP, true) ? scope.resolve<string>(NodeIP) : "127.0.0.1";
    this.spec = scope.isRegistered(NodeSpecToken, true) ? scope.resolve(NodeSpecToken) : { name: this.nodeName };
    this.allocatable = nodeResources(this.spec).allocatable;
    this.runtime = o.runtime.create(scope, { hostFs: this.hostFs });
    provide(scope, NodeRuntimeToken, this.runtime);
    this.informers = new SharedInformerFactory({ client: o.client, clock: o.clock, random: o.random, logger: o.log.child("informers") });
    this.events = new EventBroadcaster({ client: o.client, clock: o.clock, log: o.log.child("events") });
    const recorder = this.events.newRecorder({ component: "kubelet", host: this.nodeName });
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
      source: new ObjectSource(o.client),
      restartBackoff: new Backoff(o.clock),
      pullBackoff: new Backoff(o.clock),
      allocatable: () => this.allocatable,
      networkError: () => this.lastNetworkError,
      hostStack: () => this.runtime.hostNetwork(),
      clusterDNS: () => this.clusterDNS,
      clusterDomain: "cluster.local",
      admit: (pod) => admitPod(pod, this.admittedPods(pod), this.allocatable, this.nodeLabels),
      token: (pod, audience, exp) => this.podToken(pod, audience, exp),
      forget: (uid) => this.forget(uid),
      sandboxCreated: (id, worker) => void this.bySandbox.set(id, worker),
    };
  }

  private nodeLabels: Record<string, string> = {};

  /** Registers the node, starts heartbeats and the pod informer. Resolves once the Node exists. */
  async start(): Promise<void> {
    this.lastNetworkError = await this.networkError();
    await this.register();
    this.renewLease();
    this.statusTimer = this.o.clock.setInterval(() => void this.updateStatus().catch((err: unknown) => this.o.log.warn("node status update failed", { error: err })), STATUS_UPDATE_MS);
    this.syncTimer = this.o.clock.setInterval(() => {
      for (const w of this.workers.values()) void w.refreshVolumes().catch((err: unknown) => this.o.log.warn("volume refresh failed", { pod: w.uid, error: err }));
    }, SYNC_FREQUENCY_MS);
    void this.readClusterDNS();
    this.unsubscribe = this.runtime.runtime.onContainerEvent((e) => this.workerForSandbox(e.podSandboxId)?.containerEvent());
    const pods = this.informers.forResource<Pod>("Pod", { fieldSelector: `spec.nodeName=${this.nodeName}` });
    pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (old, pod) => {
        if (relevantChange(old, pod)) this.podChanged(pod);
        else this.workers.get(pod.metadata?.uid ?? "")?.update(pod);
      },
      onDelete: (obj) => {
        const pod = isTombstone(obj) ? (obj.obj as Pod | undefined) : obj;
        if (pod) this.workers.get(pod.metadata?.uid ?? "")?.removed();
      },
    });
    this.informers.start(this.abort.signal);
  }

  /** Stops heartbeats and the informer, kills every container (the node is going away). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.o.clock.clearTimeout(this.leaseTimer);
    this.o.clock.clearInterval(this.statusTimer);
    this.o.clock.clearInterval(this.syncTimer);
    this.unsubscribe?.();
    for (const w of this.workers.values()) await w.shutdown();
    await this.informers.shutdown();
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

  private forget(uid: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${uid}|`)) this.tokens.delete(key);
    const w = this.workers.get(uid);
    if (!w) return;
    this.workers.delete(uid);
    for (const [id, x] of this.bySandbox) if (x === w) this.bySandbox.delete(id);
  }

  private workerForSandbox(id: string): PodWorker | undefined {
    return this.bySandbox.get(id);
  }

  /** Pods admitted on this node and not finished, other than `pod`. */
  private admittedPods(pod: Pod): Pod[] {
    const out: Pod[] = [];
    for (const w of this.workers.values()) {
      if (w.pod === pod || w.uid === pod.metadata?.uid) continue;
      const phase = w.pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      if (w.pod.status?.startTime || w.sandbox) out.push(w.pod);
    }
    return out;
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

  private async updateStatus(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const err = await this.networkError();
    const images = await this.runtime.images.listImages();
    const imagesKey = images.map((i) => i.id).join(",");
    const changed = err !== this.lastNetworkError || imagesKey !== this.lastImagesKey;
    const networkCameUp = this.lastNetworkError !== undefined && err === undefined;
    this.lastNetworkError = err;
    if (networkCameUp) for (const w of this.workers.values()) if (!w.sandbox) w.kick();
    if (!changed && this.o.clock.now() - this.lastStatusPost < (this.o.statusReportMs ?? 300_000)) return;
    const nodes = this.o.client.resource<Node>("Node");
    const current = await nodes.get(this.nodeName).catch(() => undefined);
    if (!current) return;
    this.nodeLabels = current.metadata?.labels ?? this.nodeLabels;
    const now = rfc3339(this.o.clock.now());
    await nodes.patch(this.nodeName, "merge", { status: { conditions: nodeConditions(now, current.status?.conditions, err), images: nodeImages(images) } }, { subresource: "status", fieldManager: "kubelet" });
    this.lastStatusPost = this.o.clock.now();
    this.lastImagesKey = imagesKey;
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
    const key = `${pod.metadata?.uid}|${audience ?? ""}|${expirationSeconds}`;
    const now = this.o.clock.now();
    const cached = this.tokens.get(key);
    if (cached && now - cached.fetched < Math.min(cached.ttlMs * 0.8, 24 * 3600_000)) return cached.token;
    try {
      const res = (await this.o.client.resource("ServiceAccount").createSubresource(sa, "token", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { ...(audience ? { audiences: [audience] } : {}), expirationSeconds, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata?.name, uid: pod.metadata?.uid } },
      } as never, { namespace: pod.metadata?.namespace ?? "default" })) as { status?: { token?: string } };
      const token = res.status?.token;
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
  return a?.deletionTimestamp !== b?.deletionTimestamp || a?.deletionGracePeriodSeconds !== b?.deletionGracePeriodSeconds || a?.generation !== b?.generation;
}

/** Requests of a container resource in milli-units. */
export function milli(value: string | number | undefined): number {
  return value === undefined ? 0 : Number(milliValue(parseQuantity(value)));
}
