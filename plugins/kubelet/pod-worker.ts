import type { Container, Pod, PodStatus, LifecycleHandler } from "kubernetes-types/core/v1.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Client } from "../../core/client/client.js";
import type { EventRecorder } from "../../core/events/event-recorder.js";
import type { Logger } from "../../core/log/logger.js";
import { isStatusError } from "../../core/api/status.js";
import { rfc3339 } from "../../core/api/time.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { isCriError } from "../../core/cri/errors.js";
import type { FileSystem } from "../../core/cri/filesystem.js";
import { familiarName, parseImageReference } from "../../core/cri/images.js";
import type { ContainerConfig, ContainerEvent, KeyValue, NodeRuntime, PodSandboxConfig, PortMapping } from "../../core/cri/runtime-service.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import type { Backoff } from "./backoff.js";
import { ContainerConfigError, containerEnv, expandReferences, type ObjectSource } from "./container-env.js";
import type { PodServiceVariables } from "./service-env.js";
import type { ContainerSlot } from "./container-slot.js";
import { buildPodStatus, type PodStatusInput } from "./pod-status.js";
import { podStatusPatch } from "./pod-status-patch.js";
import { containerRef } from "./container-ref.js";
import { admissionRequests } from "./admission.js";
import { ProbeWorker, runProbe, type ProbeKind } from "./probes.js";
import type { KubeletMetricsRecorder } from "./kubelet-metrics.js";
import { VolumePaths, VolumeSetupError, containerMounts, podDir, refreshVolumes, setUpVolumes, type VolumeContext } from "./volumes.js";
import { ATTACH_AND_MOUNT_TIMEOUT_MS, CsiVolumeManager } from "./csi-volumes.js";
import type { PodDnsSettings } from "./pod-dns.js";
import { joined } from "../../core/collections/exact-arrays.js";

/** What every pod worker of one kubelet shares. */
/** How often a running pod's configMap/secret volumes are rewritten (the kubelet's syncFrequency). */

export interface KubeletServices {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly runtime: NodeRuntime;
  readonly runtimeName: string;
  readonly client: Client;
  readonly clock: Clock;
  readonly log: Logger;
  readonly recorder: EventRecorder;
  readonly hostFs: FileSystem;
  readonly source: ObjectSource;
  readonly restartBackoff: Backoff;
  readonly pullBackoff: Backoff;
  readonly allocatable: () => Record<string, string>;
  /** undefined while NetworkReady is true; else the runtime's network error. */
  readonly networkError: () => string | undefined;
  readonly hostStack: () => NetworkStack;
  readonly clusterDNS: () => string;
  readonly clusterDomain: string;
  /** Pods' DNS settings and resolv.conf, shared between pods where they are the same. */
  readonly dns: PodDnsSettings;
  /** The service variables of a pod in `namespace` (ServiceEnvironment), once the kubelet has read the Services. */
  readonly serviceEnv: (namespace: string, enableServiceLinks: boolean) => Promise<PodServiceVariables>;
  /** Decides whether a new pod may run here (resources, affinity); a reason/message pair rejects it. */
  readonly admit: (pod: Pod) => { reason: string; message: string } | undefined;
  readonly token: (pod: Pod, audience: string | undefined, expirationSeconds: number) => Promise<string | undefined>;
  /** The CRI handler of a RuntimeClass ("" for none); rejects as the kubelet's RuntimeClass manager does when it does not exist. */
  readonly runtimeHandler: (runtimeClassName: string | undefined) => Promise<string>;
  /** Called when a worker's sandbox exists (container events are routed by sandbox). */
  readonly sandboxCreated: (sandboxId: string, worker: PodWorker) => void;
  /** Called when the worker is done with its pod (terminated and cleaned up). */
  readonly forget: (uid: string) => void;
  /** Called when a worker starts or stops counting toward the node's usage at admission ({@link PodWorker.holdsNodeResources}). */
  readonly holdsNodeResources: (worker: PodWorker, holds: boolean) => void;
  /** Where probe runs and pod start durations are recorded. */
  readonly metrics?: KubeletMetricsRecorder;
  /** The volume manager for PVC, generic ephemeral and CSI inline volumes. */
  readonly csi: CsiVolumeManager;
}

type Lifecycle = "syncing" | "terminating" | "terminated";

/**
 * The per-pod state machine of the kubelet (upstream's pod worker + SyncPod): sync (admit,
 * sandbox, volumes, init containers in order, sidecars, containers, restarts with backoff,
 * probes) → terminating (preStop, SIGTERM, grace, SIGKILL) → terminated (sandbox removed, pod
 * deleted with grace 0 when it was being deleted). Syncs of one pod never overlap; a change while
 * syncing runs one more sync after.
 */
export class PodWorker {
  private current!: Pod;
  /**
   * From the pod as last seen: its phase is Succeeded/Failed; it has a startTime. Admission of
   * every new pod reads these for every other pod on the node, so they are plain fields of the
   * worker rather than reads through the pod objects (whose many shapes make those reads slow).
   */
  private finishedInApi = false;
  private startedInApi = false;
  /** What {@link holdsNodeResources} was when last reported to the kubelet. */
  private holding = false;
  private lifecycle: Lifecycle = "syncing";
  private admitted = false;
  private terminal: { phase: "Failed" | "Succeeded"; reason?: string; message?: string } | undefined;
  private rejected = false;
  private sandboxId: string | undefined;
  private sandboxConfig: PodSandboxConfig | undefined;
  private podIPs: string[] = [];
  private volumes: VolumePaths | undefined;
  /** Since when the pod has been waiting for its PVC/CSI volumes (reported after {@link ATTACH_AND_MOUNT_TIMEOUT_MS}). */
  private volumeWaitSince: number | undefined;
  /** When configMap/secret/projected/downwardAPI volumes were last written (the periodic resync). */
  private startTime: number | undefined;
  private readonly init: ContainerSlot[];
  private readonly regular: ContainerSlot[];
  /** Ephemeral containers (pods/ephemeralcontainers), in the order they were added. */
  private readonly ephemeral: ContainerSlot[] = [];
  private syncing = false;
  private again = false;
  /** Only echoes of this worker's own actions arrived while syncing ({@link echo}): another sync runs unless the pod is {@link settled}. */
  private echoed = false;
  private wake: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  /** `kubelet_pod_start_duration_seconds` was observed for this pod. */
  private startObserved = false;
  /**
   * The next status is written even when it equals the pod's (a static pod's mirror was replaced,
   * or the last write failed). Otherwise a write is skipped when it would change nothing, compared
   * with the pod as last read, without keeping a copy per pod.
   */
  private statusStale = true;
  /** The resourceVersion of the pod our last status write produced: its watch event needs no sync. */
  private ownWrite: string | undefined;
  /** A status write is in flight: its own watch event may come back before its answer does. */
  private writing = false;
  /** The resourceVersions {@link reconcile} saw while a status write was in flight (undefined when none). */
  private seenWhileWriting: (string | undefined)[] | undefined;
  private removedFromApi = false;
  /** Set by the eviction manager: the message the evicted pod fails with. */
  private eviction: string | undefined;
  /** A static pod whose mirror now belongs to another (its manifest changed or went away): no more status writes. */
  private statusDetached = false;
  /** Set by shutdown(): a sync still in flight must not arm new timers. */
  private stopped = false;

  constructor(pod: Pod, private readonly k: KubeletServices) {
    this.pod = pod;
    this.init = (pod.spec?.initContainers ?? []).map((c) => slot(c, c.restartPolicy === "Always" ? "sidecar" : "init"));
    this.regular = (pod.spec?.containers ?? []).map((c) => slot(c, "regular"));
    this.addEphemeral(pod);
  }

  /** Slots for ephemeral containers the pod gained (they are never removed or changed). */
  private addEphemeral(pod: Pod): void {
    const added = pod.spec?.ephemeralContainers;
    if (!added || added.length === this.ephemeral.length) return;
    for (const c of added) if (!this.ephemeral.some((s) => s.name === c.name)) this.ephemeral.push(slot(c as Container, "ephemeral"));
  }

  /** The pod as last seen (from the API, or as our last status write left it). */
  get pod(): Pod {
    return this.current;
  }

  set pod(pod: Pod) {
    this.current = pod;
    const status = pod.status;
    const phase = status?.phase;
    this.finishedInApi = phase === "Succeeded" || phase === "Failed";
    this.startedInApi = !!status?.startTime;
    this.reportHolding();
  }

  /** Counts toward what the node's pods use at admission: not finished, and started (or its sandbox exists). */
  get holdsNodeResources(): boolean {
    return !this.finishedInApi && (this.startedInApi || this.sandboxId !== undefined);
  }

  /** Tells the kubelet when {@link holdsNodeResources} changed (it keeps the node's usage as a running sum). */
  private reportHolding(): void {
    const holds = this.holdsNodeResources;
    if (holds === this.holding) return;
    this.holding = holds;
    this.k.holdsNodeResources(this, holds);
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? "";
  }

  private requests: readonly bigint[] | undefined;
  /** The pod's requests as admission counts them (computed once: the pod's resources do not change while it runs). */
  get admissionRequests(): readonly bigint[] {
    return (this.requests ??= admissionRequests(this.pod));
  }

  /** A static pod (from a manifest file): its API object is a mirror pod with another UID. */
  get isStatic(): boolean {
    return this.pod.metadata?.annotations?.["kubernetes.io/config.source"] === "file";
  }

  /** The sandbox (for streaming and node views). */
  get sandbox(): string | undefined {
    return this.sandboxId;
  }

  /** The container slot named `name` (any kind). */
  slot(name: string): ContainerSlot | undefined {
    return this.regular.find((s) => s.name === name) ?? this.init.find((s) => s.name === name) ?? this.ephemeral.find((s) => s.name === name);
  }

  get slots(): readonly ContainerSlot[] {
    return this.ephemeral.length ? [...this.init, ...this.regular, ...this.ephemeral] : [...this.init, ...this.regular];
  }

  /** A new version of the pod arrived. */
  update(pod: Pod): void {
    this.pod = pod;
    this.addEphemeral(pod);
    this.kick();
  }

  /**
   * A new version of the pod with the same spec (upstream's reconcile): our own status write
   * coming back needs no sync; another writer's change (a readiness gate's condition) does.
   */
  reconcile(pod: Pod): void {
    this.pod = pod;
    const rv = pod.metadata?.resourceVersion;
    // A version arriving while our status write is in flight is decided once its answer names our version.
    if (this.writing) (this.seenWhileWriting ??= []).push(rv);
    else if (rv !== this.ownWrite) this.kick();
  }

  /** Node-pressure eviction: kill every container now (no grace, as for a hard threshold) and fail the pod with reason Evicted. */
  evict(message: string): void {
    if (this.lifecycle !== "syncing" || this.eviction !== undefined) return;
    this.eviction = message;
    this.kick();
  }

  /** Still running or about to (not terminating, not finished). */
  get active(): boolean {
    return this.lifecycle === "syncing" && this.eviction === undefined && this.admitted && !this.rejected;
  }

  /** The pod's API object was replaced (a static pod's new mirror): write the status again. */
  resendStatus(): void {
    this.statusStale = true;
    this.kick();
  }

  /** Stops writing this pod's status to the API (a static pod being replaced or removed). */
  detachStatus(): void {
    this.statusDetached = true;
  }

  /** The pod is gone from the API (force-deleted, or deleted after we finished): kill everything now. */
  removed(): void {
    this.removedFromApi = true;
    this.kick();
  }

  /**
   * An echo of this worker's own action (its status write's watch event, its container's
   * created/started event): a sync runs as for {@link kick}, except when the pod is
   * {@link settled}, where that sync would find nothing to do and nothing to write.
   */
  private echo(): void {
    if (this.syncing) this.echoed = true;
    else if (!this.settled()) this.kick();
  }

  /**
   * Nothing for a sync to do: running, its status written, every init container done, every
   * sidecar and container running with nothing pending (waiting, killing, terminal, eviction).
   * Changes from then on come with their own kicks (container exits, probe results, pod updates,
   * timers).
   */
  private settled(): boolean {
    if (this.lifecycle !== "syncing" || this.statusStale || !this.admitted || this.terminal || this.eviction !== undefined || this.removedFromApi || !this.sandboxId || !this.volumes) return false;
    for (const s of this.init) {
      if (s.waiting || s.killing) return false;
      if (s.kind === "sidecar" ? !s.state?.running : s.state?.terminated?.exitCode !== 0) return false;
    }
    for (const s of this.regular) if (s.waiting || s.killing || !s.state?.running) return false;
    for (const s of this.ephemeral) if (!s.id || s.killing) return false;
    return true;
  }

  /** Asks for a sync (coalesced). */
  kick(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    void this.loop();
  }

  /** Kills everything without grace (the kubelet is stopping). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.k.clock.clearTimeout(this.wake);
    this.k.clock.clearTimeout(this.deadlineTimer);
    for (const s of this.slots) this.stopProbes(s);
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        this.echoed = false;
        try {
          await this.sync();
        } catch (err) {
          if ((err as Error)?.name === "AbortError") return;
          this.k.log.error("pod sync failed", { pod: this.key(), error: err });
          this.schedule(1000);
        }
      } while (this.again || (this.echoed && !this.settled()));
    } finally {
      this.syncing = false;
    }
  }

  private key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = this.k.clock.now() + ms;
    this.k.clock.clearTimeout(this.wake);
    this.wake = this.k.clock.setTimeout(() => this.kick(), Math.max(0, at - this.k.clock.now()));
  }

  // ---- the sync ----

  private async sync(): Promise<void> {
    if (this.lifecycle === "terminated") {
      if (this.pod.metadata?.deletionTimestamp && !this.removedFromApi) await this.deleteFromApi();
      return;
    }
    if (this.removedFromApi) {
      await this.terminate(0);
      return;
    }
    if (this.pod.metadata?.deletionTimestamp) {
      await this.terminate(this.pod.metadata.deletionGracePeriodSeconds ?? 30);
      return;
    }
    if (this.eviction !== undefined) {
      this.terminal = { phase: "Failed", reason: "Evicted", message: this.eviction };
      this.k.recorder.event(this.pod, "Warning", "Evicted", this.eviction);
      await this.killAll(0);
      await this.finish();
      return;
    }
    const phase = this.pod.status?.phase;
    if (!this.admitted && (phase === "Succeeded" || phase === "Failed")) {
      // Finished before this kubelet saw it (a restart): nothing to run.
      this.lifecycle = "terminated";
      return;
    }
    if (!this.admitted) {
      const rejection = this.k.admit(this.pod);
      if (rejection) {
        this.terminal = { phase: "Failed", ...rejection };
        this.rejected = true;
        this.k.recorder.event(this.pod, "Warning", rejection.reason, rejection.message);
        this.lifecycle = "terminated";
        await this.writeStatus();
        return;
      }
      this.admitted = true;
      this.startTime = this.k.clock.now();
      this.armDeadline();
    }
    if (this.deadlineExceeded()) {
      this.terminal = { phase: "Failed", reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" };
      this.k.recorder.event(this.pod, "Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
      await this.killAll(this.pod.spec?.terminationGracePeriodSeconds ?? 30);
      await this.finish();
      return;
    }
    if (!this.sandboxId) {
      await this.writeStatus();
      if (!(await this.createSandbox())) return;
    } else if (!this.volumes) {
      // Volumes failed to set up on an earlier sync: retry before any container starts.
      if (!(await this.prepareVolumes())) return;
      this.writeManagedFiles(this.sandboxConfig?.hostname ?? this.pod.metadata?.name ?? "");
    }
    await this.refresh();
    let next = Number.POSITIVE_INFINITY;
    const later = (at: number | undefined): void => {
      if (at !== undefined) next = Math.min(next, at);
    };
    // Init containers in order; sidecars start and keep running.
    let initDone = true;
    for (const s of this.init) {
      if (s.kind === "sidecar") {
        later(await this.ensureRunning(s, "Always"));
        if (!s.started) {
          initDone = false;
          break;
        }
        continue;
      }
      const t = s.state?.terminated;
      if (t && t.exitCode === 0 && !s.waiting) continue;
      initDone = false;
      if (s.state?.running) break;
      const policy = this.pod.spec?.restartPolicy ?? "Always";
      if (t && policy === "Never") {
        this.terminal = { phase: "Failed" };
        await this.finish();
        return;
      }
      later(await this.ensureRunning(s, "OnFailure"));
      break;
    }
    if (initDone) {
      for (const s of this.regular) later(await this.ensureRunning(s, this.pod.spec?.restartPolicy ?? "Always"));
      // Ephemeral containers start once, whatever the pod's restart policy, and are never restarted.
      for (const s of this.ephemeral) later(await this.ensureRunning(s, "Never"));
    } else {
      for (const s of this.regular) if (!s.id) s.waiting = { reason: "PodInitializing" };
    }
    await this.refresh();
    await this.writeStatus();
    const phase2 = this.pod.status?.phase;
    if (phase2 === "Succeeded" || phase2 === "Failed") {
      await this.finish();
      return;
    }
    if (next !== Number.POSITIVE_INFINITY) this.schedule(next - this.k.clock.now());
  }

  /** Sandbox: network check, volumes, RunPodSandbox. False when the pod must wait. */
  private async createSandbox(): Promise<boolean> {
    const pod = this.pod;
    const hostNetwork = pod.spec?.hostNetwork ?? false;
    const netErr = this.k.networkError();
    if (!hostNetwork && netErr) {
      this.k.recorder.event(pod, "Warning", "NetworkNotReady", `network is not ready: ${netErr}`);
      for (const s of this.slots) s.waiting = { reason: "ContainerCreating" };
      await this.writeStatus();
      this.schedule(5000);
      return false;
    }
    const uid = this.uid;
    const meta = pod.metadata!;
    const hostname = pod.spec?.hostname ?? (hostNetwork ? this.k.nodeName : meta.name!);
    this.sandboxConfig = {
      metadata: { name: meta.name!, namespace: meta.namespace!, uid, attempt: 0 },
      hostname,
      logDirectory: `/var/log/pods/${meta.namespace}_${meta.name}_${uid}`,
      dnsConfig: this.k.dns.config(pod, this.k.clusterDNS(), this.k.clusterDomain),
      portMappings: hostPortMappings(pod.spec?.containers),
      labels: sandboxLabels(meta.labels, meta.name!, meta.namespace!, uid),
      annotations: sandboxAnnotations(meta.annotations),
      networkNamespace: hostNetwork ? "NODE" : "POD",
    };
    try {
      const id = await this.k.runtime.runtime.runPodSandbox(this.sandboxConfig, await this.k.runtimeHandler(pod.spec?.runtimeClassName));
      const st = await this.k.runtime.runtime.podSandboxStatus(id);
      this.sandboxId = id;
      this.reportHolding();
      this.k.sandboxCreated(id, this);
      // Built to size (a filtered spread leaves a 17-slot backing store per pod).
      this.podIPs = hostNetwork ? [this.k.nodeIP] : st.additionalIps.length === 0 ? (st.ip ? [st.ip] : []) : [st.ip, ...st.additionalIps].filter(Boolean);
    } catch (err) {
      const msg = `Failed to create pod sandbox: ${(err as Error).message}`;
      this.k.recorder.event(pod, "Warning", "FailedCreatePodSandBox", msg);
      this.schedule(5000);
      return false;
    }
    if (!(await this.prepareVolumes())) return false;
    this.writeManagedFiles(hostname);
    return true;
  }

  private volumeContext(): VolumeContext {
    return {
      hostFs: this.k.hostFs,
      source: this.k.source,
      podIP: this.podIPs[0] ?? "",
      hostIP: this.k.nodeIP,
      allocatable: this.k.allocatable(),
      token: (aud, exp) => this.k.token(this.pod, aud, exp),
    };
  }

  /** The kubelet's sync-period remount: a running pod's configMap, secret, downwardAPI and projected volumes follow their sources. */
  async refreshVolumes(): Promise<void> {
    if (this.lifecycle !== "syncing" || !this.volumes || !this.sandboxId || this.terminal) return;
    await refreshVolumes(this.pod, this.volumeContext());
    // Claims the external-resizer grew while mounted: NodeExpandVolume (online expansion).
    if (CsiVolumeManager.handles(this.pod)) await this.k.csi.expandMounted(this.pod);
  }

  private async prepareVolumes(): Promise<boolean> {
    try {
      let claimed = new Map<string, string>();
      if (CsiVolumeManager.handles(this.pod)) {
        const ready = await this.attachAndMount();
        if (!ready) return false;
        claimed = ready;
      }
      const volumes = await setUpVolumes(this.pod, this.volumeContext());
      for (const [name, path] of claimed) volumes.set(name, path);
      // Most pods (the bench's, static pods) mount nothing: share one empty list rather than keep one each.
      this.volumes = volumes.size === 0 ? NO_VOLUMES : VolumePaths.of(volumes);
      return true;
    } catch (err) {
      if (!(err instanceof VolumeSetupError)) throw err;
      this.k.recorder.event(this.pod, "Warning", "FailedMount", err.message);
      for (const s of this.slots) if (!s.id) s.waiting = { reason: "ContainerCreating" };
      await this.writeStatus();
      this.schedule(2000);
      return false;
    }
  }

  /**
   * The volume manager's WaitForAttachAndMount for PVC, ephemeral and inline CSI volumes: paths
   * when all are mounted; else undefined after reporting, as upstream does, each failed operation
   * as a FailedMount event at once, and "Unable to attach or mount volumes" when a claim cannot
   * be processed or the pod has waited {@link ATTACH_AND_MOUNT_TIMEOUT_MS}.
   */
  private async attachAndMount(): Promise<Map<string, string> | undefined> {
    const attempt = await this.k.csi.setUp(this.pod);
    for (const f of attempt.failures) this.k.recorder.event(this.pod, "Warning", "FailedMount", f);
    if (attempt.unmounted.length === 0) {
      this.volumeWaitSince = undefined;
      return attempt.ready;
    }
    const now = this.k.clock.now();
    this.volumeWaitSince ??= now;
    const timedOut = now - this.volumeWaitSince >= ATTACH_AND_MOUNT_TIMEOUT_MS;
    if (attempt.processErrors.length > 0 || timedOut) {
      const list = (names: string[]): string => `[${names.join(" ")}]`;
      const cause = attempt.processErrors.length > 0 ? attempt.processErrors.join("; ") : "context deadline exceeded";
      this.k.recorder.event(this.pod, "Warning", "FailedMount", `Unable to attach or mount volumes: unmounted volumes=${list(attempt.unmounted)}, unattached volumes=${list(attempt.unattached)}, failed to process volumes=${list(attempt.failedToProcess)}: ${cause}`);
      if (timedOut) this.volumeWaitSince = now;
    }
    for (const s of this.slots) if (!s.id) s.waiting = { reason: "ContainerCreating" };
    await this.writeStatus();
    this.schedule(attempt.processErrors.length > 0 || attempt.failures.length > 0 ? 5000 : 1000);
    return undefined;
  }

  private writeManagedFiles(hostname: string): void {
    const dir = podDir(this.uid);
    const dns = this.sandboxConfig!.dnsConfig!;
    const ip = this.podIPs[0] ?? "";
    let hosts = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
    if (ip) hosts += `${ip}\t${hostname}${this.pod.spec?.subdomain ? `.${this.pod.spec.subdomain}.${this.pod.metadata?.namespace}.svc.${this.k.clusterDomain}\t${hostname}` : ""}\n`;
    for (const h of this.pod.spec?.hostAliases ?? []) hosts += `\n# Entries added by HostAliases.\n${h.ip}\t${(h.hostnames ?? []).join("\t")}\n`;
    this.k.hostFs.write(`${dir}/etc-hosts`, hosts);
    this.k.hostFs.write(`${dir}/hostname`, `${hostname}\n`);
    this.k.hostFs.write(`${dir}/resolv.conf`, this.k.dns.resolvConf(dns));
  }

  /** Reads every slot's current container state from the runtime (the PLEG relist for this pod). */
  private async refresh(): Promise<void> {
    // The slots in `slots` order, read through the three lists (their lengths as at the start) rather than a joined copy per relist.
    const { init, regular, ephemeral } = this;
    const initEnd = init.length;
    const regularEnd = initEnd + regular.length;
    const end = regularEnd + ephemeral.length;
    for (let i = 0; i < end; i++) {
      const s = i < initEnd ? init[i]! : i < regularEnd ? regular[i - initEnd]! : ephemeral[i - regularEnd]!;
      if (!s.id) continue;
      let st;
      try {
        st = await this.k.runtime.runtime.containerStatus(s.id);
      } catch (err) {
        if (isCriError(err, "NotFound")) {
          s.id = undefined;
          s.state = undefined;
          continue;
        }
        throw err;
      }
      if (st.state === "CONTAINER_RUNNING") {
        s.state = { running: { startedAt: rfc3339(st.startedAt) } };
        if (!s.probes?.length) {
          s.started = true;
          if (s.kind !== "init") s.ready = true;
        }
      } else if (st.state === "CONTAINER_EXITED") {
        const wasRunning = !!s.state?.running;
        s.state = {
          terminated: {
            exitCode: st.exitCode,
            reason: st.reason,
            ...(st.message ? { message: st.message } : {}),
            startedAt: rfc3339(st.startedAt),
            finishedAt: rfc3339(st.finishedAt),
            containerID: `${this.k.runtimeName}://${s.id}`,
          },
        };
        s.finishedMs = st.finishedAt;
        s.ready = false;
        if (s.kind !== "init") s.started = false;
        if (wasRunning) this.stopProbes(s);
        const msg = this.terminationMessage(s);
        if (msg) s.state.terminated!.message = msg;
      } else if (st.state === "CONTAINER_CREATED") {
        s.state = { waiting: { reason: "ContainerCreating" } };
      }
    }
  }

  private terminationMessage(s: ContainerSlot): string | undefined {
    const path = `${podDir(this.uid)}/containers/${s.name}/${s.id?.slice(0, 8)}`;
    const text = this.k.hostFs.read(path);
    if (text) return text.slice(0, 4096);
    if (s.spec.terminationMessagePolicy === "FallbackToLogsOnError" && s.state?.terminated && s.state.terminated.exitCode !== 0) {
      const lines = this.k.runtime.logs.lines(`${this.sandboxConfig!.logDirectory}/${s.name}/${s.restartCount}.log`) ?? [];
      return lines.slice(-80).map((l) => this.k.runtime.logs.parse(l)?.text ?? "").join("\n").slice(-2048) || undefined;
    }
    return undefined;
  }

  /**
   * Keeps a slot's container running per `policy`: starts it the first time, restarts it after an
   * exit (immediately the first time, then after the crash-loop backoff). Returns when to look
   * again (a backoff's end), if any.
   */
  private async ensureRunning(s: ContainerSlot, policy: string): Promise<number | undefined> {
    if (s.killing) return undefined;
    if (!s.id) return this.start(s);
    const t = s.state?.terminated;
    if (!t) return undefined;
    if (policy === "Never" || (policy === "OnFailure" && t.exitCode === 0)) {
      s.waiting = undefined;
      return undefined;
    }
    const key = `${this.uid}/${s.name}`;
    const finished = s.finishedMs ?? (Date.parse(t.finishedAt ?? "") || this.k.clock.now());
    const until = this.k.restartBackoff.until(key, finished);
    if (until !== undefined) {
      const delay = this.k.restartBackoff.get(key);
      const reason = "CrashLoopBackOff";
      const message = `back-off ${formatDelay(delay)} restarting failed container=${s.name} pod=${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})`;
      if (s.waiting?.reason !== reason) this.k.recorder.event(containerRef(this.pod, s), "Warning", "BackOff", "Back-off restarting failed container " + s.name + " in pod " + `${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})`);
      s.waiting = { reason, message };
      return until;
    }
    this.k.restartBackoff.next(key, finished);
    return this.start(s);
  }

  /** Pulls, creates and starts a new instance of the slot's container. Returns when to retry (pull backoff). */
  private async start(s: ContainerSlot): Promise<number | undefined> {
    const pod = this.pod;
    const c = s.spec;
    const image = c.image ?? "";
    // Image
    const pulled = await this.ensureImage(s, image);
    if (typeof pulled === "number" || pulled === undefined) return pulled;
    // Config
    let config: ContainerConfig;
    try {
      config = await this.containerConfig(s, pulled);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      s.waiting = { reason: "CreateContainerConfigError", message: err.message };
      this.k.recorder.event(containerRef(pod, s), "Warning", "Failed", `Error: ${err.message}`);
      return this.k.clock.now() + 10_000;
    }
    const previous = s.id;
    let id: string;
    try {
      id = await this.k.runtime.runtime.createContainer(this.sandboxId!, config, this.sandboxConfig!);
    } catch (err) {
      s.waiting = { reason: "CreateContainerError", message: (err as Error).message };
      this.k.recorder.event(containerRef(pod, s), "Warning", "Failed", `Error: ${(err as Error).message}`);
      return this.k.clock.now() + 10_000;
    }
    if (previous) {
      if (s.state?.terminated) s.last = s.state.terminated;
      s.restartCount++;
      // The kubelet keeps the last dead instance (`kubectl logs --previous`) and removes older ones.
      if (s.deadId) {
        await this.k.runtime.runtime.removeContainer(s.deadId).catch(() => undefined);
        this.k.hostFs.remove(this.logLink(s, s.deadId));
      }
      s.deadId = previous;
    }
    s.id = id;
    // The legacy log symlink log collectors tail (kuberuntime's legacyLogSymlink).
    this.k.hostFs.symlink?.(`${this.sandboxConfig!.logDirectory}/${config.logPath}`, this.logLink(s, id));
    s.waiting = undefined;
    s.state = { waiting: { reason: "ContainerCreating" } };
    s.started = false;
    s.ready = false;
    // The container's events are about the container (its fieldPath); 1.32's wording ("Created container: <name>").
    const ref = containerRef(pod, s);
    this.k.recorder.event(ref, "Normal", "Created", `Created container: ${s.name}`);
    try {
      await this.k.runtime.runtime.startContainer(id);
    } catch (err) {
      this.k.recorder.event(ref, "Warning", "Failed", `Error: ${(err as Error).message}`);
      return undefined;
    }
    this.k.recorder.event(ref, "Normal", "Started", `Started container ${s.name}`);
    if (c.lifecycle?.postStart) {
      const failure = await this.runHook(c.lifecycle.postStart, s);
      if (failure) {
        this.k.recorder.event(ref, "Warning", "FailedPostStartHook", failure);
        await this.k.runtime.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
        return undefined;
      }
    }
    this.startProbes(s);
    return undefined;
  }

  /** The image for a container, per its pull policy: the image ref, a retry time (backing off), or undefined (never pullable). */
  private async ensureImage(s: ContainerSlot, image: string): Promise<string | number | undefined> {
    const images = this.k.runtime.images;
    const parsed = parseImageReference(image);
    if (!parsed) {
      s.waiting = { reason: "InvalidImageName", message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format` };
      this.k.recorder.event(containerRef(this.pod, s), "Warning", "InspectFailed", s.waiting.message!);
      return undefined;
    }
    const policy = s.spec.imagePullPolicy ?? (parsed.tag === "latest" ? "Always" : "IfNotPresent");
    const present = await images.imageStatus(image);
    if (policy === "Never") {
      if (present) return this.pulledRef(s, present.id, image, true);
      s.waiting = { reason: "ErrImageNeverPull", message: `Container image "${image}" is not present with pull policy of Never` };
      this.k.recorder.event(containerRef(this.pod, s), "Warning", "ErrImageNeverPull", s.waiting.message!);
      return undefined;
    }
    if (policy === "IfNotPresent" && present) return this.pulledRef(s, present.id, image, true);
    const key = `${this.uid}/pull/${image}`;
    const until = this.k.pullBackoff.until(key, this.k.pullBackoff.get(key) ? this.lastPullFailure?.get(key) ?? 0 : 0);
    if (until !== undefined) {
      s.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` };
      this.k.recorder.event(containerRef(this.pod, s), "Normal", "BackOff", `Back-off pulling image "${image}"`);
      return until;
    }
    this.k.recorder.event(containerRef(this.pod, s), "Normal", "Pulling", `Pulling image "${image}"`);
    const began = this.k.clock.now();
    try {
      const id = await images.pullImage(image, undefined);
      const took = ((this.k.clock.now() - began) / 1000).toFixed(3);
      const size = (await images.imageStatus(id))?.size ?? 0;
      this.k.recorder.event(containerRef(this.pod, s), "Normal", "Pulled", `Successfully pulled image "${image}" in ${took}s (${took}s including waiting). Image size: ${size} bytes.`);
      this.k.pullBackoff.reset(key);
      return this.pulledRef(s, id, image, false);
    } catch (err) {
      const message = (err as Error).message;
      (this.lastPullFailure ??= new Map()).set(key, this.k.clock.now());
      this.k.pullBackoff.next(key, this.k.clock.now());
      s.waiting = { reason: "ErrImagePull", message };
      this.k.recorder.event(containerRef(this.pod, s), "Warning", "Failed", `Failed to pull image "${image}": ${message}`);
      this.k.recorder.event(containerRef(this.pod, s), "Warning", "Failed", "Error: ErrImagePull");
      return this.k.clock.now() + this.k.pullBackoff.get(key);
    }
  }

  /** When each image pull last failed (made on the first failure). */
  private lastPullFailure: Map<string, number> | undefined;

  private async pulledRef(s: ContainerSlot, id: string, image: string, present: boolean): Promise<string> {
    if (present) this.k.recorder.event(containerRef(this.pod, s), "Normal", "Pulled", `Container image "${image}" already present on machine`);
    const img = await this.k.runtime.images.imageStatus(id);
    s.imageID = img?.repoDigests[0] ?? id;
    return id;
  }

  private async containerConfig(s: ContainerSlot, imageId: string): Promise<ContainerConfig> {
    const pod = this.pod;
    const c = s.spec;
    const services = await this.k.serviceEnv(pod.metadata?.namespace ?? "default", pod.spec?.enableServiceLinks ?? true);
    const env = await containerEnv(pod, c, this.k.source, { podIP: this.podIPs[0] ?? "", hostIP: this.k.nodeIP, allocatable: this.k.allocatable(), services: services.byName });
    // `$(VAR)` in the command and arguments sees the container's own variables only.
    const command = c.command ? c.command.map((a) => expandReferences(a, env, services.byName)) : NO_ARGS;
    const args = c.args ? c.args.map((a) => expandReferences(a, env, services.byName)) : NO_ARGS;
    // The container's own variables (a fresh object), then the TCP ports the simulation's programs listen on.
    let ports = "";
    for (const p of c.ports ?? []) if ((p.protocol ?? "TCP") === "TCP") ports += ports ? `,${p.containerPort}` : String(p.containerPort);
    if (ports) env["KUBESIM_CONTAINER_PORTS"] = ports;
    const dir = podDir(this.uid);
    const attempt = s.id ? s.restartCount + 1 : s.restartCount;
    const termLog = `${dir}/containers/${s.name}/${this.k.clock.now().toString(16).slice(-8)}`;
    this.k.hostFs.write(termLog, "");
    const sec = c.securityContext;
    const podSec = pod.spec?.securityContext;
    const runAsUser = sec?.runAsUser ?? podSec?.runAsUser;
    if ((sec?.runAsNonRoot ?? podSec?.runAsNonRoot) && (runAsUser ?? 0) === 0) {
      throw new ContainerConfigError(runAsUser === 0 ? "container's runAsUser breaks non-root policy (pod: \"" + `${pod.metadata?.name}_${pod.metadata?.namespace}(${this.uid})` + "\", container: " + s.name + ")" : "container has runAsNonRoot and image will run as root (pod: \"" + `${pod.metadata?.name}_${pod.metadata?.namespace}(${this.uid})` + "\", container: " + s.name + ")");
    }
    const limits = c.resources?.limits ?? {};
    const memory = limits["memory"] ? bytes(String(limits["memory"])) : undefined;
    // The CFS quota of the CPU limit (100 ms period), as the kubelet's cgroup manager sets it.
    const cpuQuota = limits["cpu"] ? Math.ceil(quantityToNumber(parseQuantity(String(limits["cpu"]))) * 100_000) : undefined;
    return {
      metadata: { name: s.name, attempt },
      image: { image: imageId },
      command,
      args,
      workingDir: c.workingDir ?? "",
      envs: containerEnvs(env, services),
      mounts: containerMounts(c, this.volumes ?? NO_VOLUMES, { hosts: `${dir}/etc-hosts`, resolv: `${dir}/resolv.conf`, hostname: `${dir}/hostname`, terminationLog: termLog }, { hostFs: this.k.hostFs, podUid: this.uid }),
      labels: { "io.kubernetes.container.name": s.name, "io.kubernetes.pod.name": pod.metadata!.name!, "io.kubernetes.pod.namespace": pod.metadata!.namespace!, "io.kubernetes.pod.uid": this.uid },
      annotations: { "io.kubernetes.container.restartCount": String(attempt), "io.kubernetes.container.terminationMessagePath": c.terminationMessagePath ?? "/dev/termination-log", "io.kubernetes.container.ports": portsAnnotation(c.ports), "io.kubernetes.pod.terminationGracePeriod": String(pod.spec?.terminationGracePeriodSeconds ?? 30) },
      logPath: `${s.name}/${attempt}.log`,
      stdin: c.stdin ?? false,
      stdinOnce: c.stdinOnce ?? false,
      tty: c.tty ?? false,
      linux: linuxConfig(memory, cpuQuota, runAsUser, sec),
    };
  }

  /** Runs a lifecycle hook; returns a failure message or undefined. */
  private async runHook(hook: LifecycleHandler, s: ContainerSlot): Promise<string | undefined> {
    if (hook.sleep) {
      await this.k.clock.sleep(hook.sleep.seconds * 1000);
      return undefined;
    }
    if (!s.id) return undefined;
    if (hook.exec || hook.httpGet || hook.tcpSocket) {
      const outcome = await runProbe({ ...hook, timeoutSeconds: 30 } as never, { runtime: this.k.runtime.runtime, hostStack: this.k.hostStack, podIP: this.podIPs[0] ?? "", containerId: s.id, container: s.spec, clock: this.k.clock });
      if (outcome.ok) return undefined;
      if (hook.exec) return `Exec lifecycle hook (${JSON.stringify(hook.exec.command ?? [])}) for Container "${s.name}" in Pod "${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})" failed - error: command '${(hook.exec.command ?? []).join(" ")}' exited with 126: , message: "${outcome.message}"`;
      return `HTTP lifecycle hook (${hook.httpGet?.path ?? ""}) for Container "${s.name}" in Pod "${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})" failed - error: ${outcome.message}`;
    }
    return undefined;
  }

  // ---- probes ----

  private startProbes(s: ContainerSlot): void {
    this.stopProbes(s);
    const c = s.spec;
    const metrics = this.k.metrics;
    const target = {
      runtime: this.k.runtime.runtime, hostStack: this.k.hostStack, podIP: this.podIPs[0] ?? "", containerId: s.id!, container: c, clock: this.k.clock,
      ...(metrics ? { onProbe: (kind: ProbeKind, ok: boolean) => metrics.probe(this.pod, s.name, kind, ok) } : {}),
    };
    const workers: ProbeWorker[] = [];
    const onResult = (w: ProbeWorker, ok: boolean, message: string): void => this.probeResult(s, w.kind, ok, message, target.containerId);
    if (c.startupProbe) workers.push(new ProbeWorker("startup", c.startupProbe, target, onResult, () => true));
    const afterStartup = (): boolean => !c.startupProbe || s.started;
    if (c.livenessProbe) workers.push(new ProbeWorker("liveness", c.livenessProbe, target, onResult, afterStartup));
    if (c.readinessProbe && s.kind !== "init") workers.push(new ProbeWorker("readiness", c.readinessProbe, target, onResult, afterStartup));
    s.probes = workers;
    if (!c.startupProbe) s.started = true;
    if (!c.readinessProbe && s.kind !== "init") s.ready = true;
  }

  private stopProbes(s: ContainerSlot): void {
    for (const w of s.probes ?? []) w.stop();
    s.probes = undefined;
  }

  private probeResult(s: ContainerSlot, kind: ProbeKind, ok: boolean, message: string, containerId: string): void {
    if (s.id !== containerId) return;
    const label = kind === "liveness" ? "Liveness" : kind === "readiness" ? "Readiness" : "Startup";
    if (!ok) this.k.recorder.event(containerRef(this.pod, s), "Warning", "Unhealthy", `${label} probe failed: ${message}`);
    const worker = s.probes?.find((w) => w.kind === kind);
    if (kind === "readiness") {
      const ready = worker?.result === true;
      if (s.ready !== ready) {
        s.ready = ready;
        this.kick();
      }
      return;
    }
    if (kind === "startup" && ok) {
      s.started = true;
      if (!s.spec.readinessProbe) s.ready = true;
      this.kick();
      return;
    }
    if (worker?.result === false) {
      // Liveness or startup failure: kill the container; the restart policy takes it from there.
      this.k.recorder.event(containerRef(this.pod, s), "Normal", "Killing", `Container ${s.name} failed ${kind} probe, will be restarted`);
      s.killing = true;
      this.stopProbes(s);
      void this.k.runtime.runtime
        .stopContainer(containerId, this.pod.spec?.terminationGracePeriodSeconds ?? 30)
        .catch(() => undefined)
        .then(() => {
          s.killing = false;
          this.kick();
        });
    }
  }

  /**
   * A container of this pod was created, started, exited or removed (the runtime's event). Created
   * and started answer this worker's own CreateContainer/StartContainer calls, made inside a sync
   * that reads every container's state after them: echoes ({@link echo}). Exits and removals kick.
   */
  containerEvent(type: ContainerEvent["type"]): void {
    if (type === "CONTAINER_CREATED_EVENT" || type === "CONTAINER_STARTED_EVENT") this.echo();
    else this.kick();
  }

  // ---- termination ----

  private armDeadline(): void {
    const ads = this.pod.spec?.activeDeadlineSeconds;
    if (ads === undefined || this.startTime === undefined || this.stopped) return;
    this.deadlineTimer = this.k.clock.setTimeout(() => this.kick(), Math.max(0, this.startTime + ads * 1000 - this.k.clock.now()));
  }

  private deadlineExceeded(): boolean {
    const ads = this.pod.spec?.activeDeadlineSeconds;
    return ads !== undefined && this.startTime !== undefined && this.k.clock.now() >= this.startTime + ads * 1000;
  }

  /** Stops every container: regular ones first (preStop, SIGTERM, grace, SIGKILL), then sidecars in reverse. */
  private async killAll(graceSeconds: number): Promise<void> {
    const deadline = this.k.clock.now() + graceSeconds * 1000;
    const stop = async (s: ContainerSlot): Promise<void> => {
      this.stopProbes(s);
      if (!s.id || !s.state?.running) return;
      this.k.recorder.event(containerRef(this.pod, s), "Normal", "Killing", `Stopping container ${s.name}`);
      s.killing = true;
      const preStop = s.spec.lifecycle?.preStop;
      if (preStop && graceSeconds > 0) {
        const hookTime = Math.max(0, deadline - this.k.clock.now());
        let timer: TimerHandle | undefined;
        const failure = await Promise.race([this.runHook(preStop, s), new Promise<string>((r) => (timer = this.k.clock.setTimeout(() => r("timeout"), hookTime)))]);
        this.k.clock.clearTimeout(timer);
        if (failure && failure !== "timeout") this.k.recorder.event(containerRef(this.pod, s), "Warning", "FailedPreStopHook", failure);
      }
      const remaining = Math.max(0, Math.ceil((deadline - this.k.clock.now()) / 1000));
      await this.k.runtime.runtime.stopContainer(s.id, graceSeconds > 0 ? Math.max(remaining, 2) : 0).catch(() => undefined);
      s.killing = false;
    };
    await Promise.all([...this.regular, ...this.ephemeral].map(stop));
    for (const s of [...this.init].reverse()) await stop(s);
    await this.refresh();
  }

  private async terminate(graceSeconds: number): Promise<void> {
    if (this.lifecycle === "syncing") {
      this.lifecycle = "terminating";
      this.k.clock.clearTimeout(this.wake);
      await this.killAll(graceSeconds);
      await this.finish();
      return;
    }
    if (this.lifecycle === "terminated" && !this.removedFromApi) await this.deleteFromApi();
  }

  /** Containers are done: tear the sandbox down, write the final status and, for a deleted pod, remove it. */
  private async finish(): Promise<void> {
    this.lifecycle = "terminated";
    this.k.clock.clearTimeout(this.wake);
    this.k.clock.clearTimeout(this.deadlineTimer);
    await this.unmountVolumes();
    for (const s of this.slots) {
      this.stopProbes(s);
      s.ready = false;
      if (s.waiting && !s.id) s.waiting = undefined;
    }
    if (this.sandboxId) {
      await this.k.runtime.runtime.stopPodSandbox(this.sandboxId).catch(() => undefined);
    }
    await this.refresh();
    for (const s of this.slots) {
      if (s.waiting?.reason === "CrashLoopBackOff" && s.last) {
        s.state = { terminated: s.last };
        s.waiting = undefined;
      } else s.waiting = undefined;
    }
    if (this.removedFromApi) {
      await this.cleanUp();
      return;
    }
    if (!this.pod.metadata?.deletionTimestamp && !this.terminal) {
      // Finished on its own (Succeeded/Failed): keep the sandbox's record until the pod is deleted.
      await this.writeStatus();
      return;
    }
    await this.writeStatus();
    if (this.pod.metadata?.deletionTimestamp) await this.deleteFromApi();
  }

  private async deleteFromApi(): Promise<void> {
    try {
      await this.k.client.resource<Pod>("Pod").delete(this.pod.metadata!.name!, { namespace: this.pod.metadata!.namespace!, gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      if (!(isStatusError(err) && (err.code === 404 || err.code === 409))) throw err;
    }
    await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    if (this.sandboxId) {
      const id = this.sandboxId;
      this.sandboxId = undefined;
      this.reportHolding();
      await this.k.runtime.runtime.removePodSandbox(id).catch(() => undefined);
    }
    await this.unmountVolumes();
    this.k.hostFs.remove(podDir(this.uid));
    // The removed containers' log links go with them (kuberuntime's removeContainerLog), and the
    // pod's log directory (the container GC's evictPodLogsDirectories).
    for (const s of [...this.init, ...this.regular]) for (const id of [s.id, s.deadId]) if (id) this.k.hostFs.remove(this.logLink(s, id));
    if (this.sandboxConfig) this.k.hostFs.remove(this.sandboxConfig.logDirectory);
    this.k.restartBackoff.resetPrefix(this.uid + "/");
    this.k.pullBackoff.resetPrefix(this.uid + "/");
    this.k.forget(this.uid);
  }

  /** The legacy `/var/log/containers` symlink of one container instance. */
  private logLink(s: ContainerSlot, id: string): string {
    return `/var/log/containers/${this.pod.metadata!.name}_${this.pod.metadata!.namespace}_${s.name}-${id}.log`;
  }

  /** Unpublishes (and, when no other pod needs them, unstages) the pod's CSI volumes; failures are FailedUnMount events. */
  private async unmountVolumes(): Promise<void> {
    for (const message of await this.k.csi.tearDown(this.uid)) this.k.recorder.event(this.pod, "Warning", "FailedUnMount", message);
  }

  // ---- status ----

  private async writeStatus(): Promise<void> {
    // A stopped kubelet writes nothing: a sync still in flight then sees its runtime closing (pulls
    // and creates aborted, containers killed), which is not what happened to the pod.
    if (this.stopped || this.statusDetached) return;
    // Set field by field: spreads of the optional ones cost more than the rest of the input.
    const input: PodStatusInput = {
      pod: this.pod,
      init: this.init,
      regular: this.regular,
      ephemeral: this.ephemeral,
      runtimeName: this.k.runtimeName,
      sandboxReady: !!this.sandboxId && this.lifecycle !== "terminated",
      podIPs: this.podIPs,
      hostIP: this.k.nodeIP,
      now: this.k.clock.now(),
      rejected: this.rejected,
    };
    if (this.startTime !== undefined) input.startTime = this.startTime;
    else if (this.pod.status?.startTime) input.startTime = Date.parse(this.pod.status.startTime);
    if (this.terminal) input.terminal = this.terminal;
    const status: PodStatus = buildPodStatus(input);
    // Only what changed since the status as last read (a static pod: as last written to its
    // mirror, whose uid is not tracked here; all of it to a new mirror).
    const isStatic = this.isStatic;
    const patch = podStatusPatch(isStatic ? undefined : this.uid, isStatic && this.statusStale ? undefined : this.pod.status, status);
    if (!patch) return;
    // A static pod keeps its own status; the API object it is written to is its mirror.
    if (isStatic) this.pod = { ...this.pod, status };
    this.statusStale = true;
    this.writing = true;
    const previousWrite = this.ownWrite;
    try {
      const updated = await this.k.client.resource<Pod>("Pod").patch(this.pod.metadata!.name!, "strategic", patch, { namespace: this.pod.metadata!.namespace!, subresource: "status" });
      this.statusStale = false;
      if (updated.metadata?.uid === this.uid) {
        this.pod = updated;
        this.ownWrite = updated.metadata.resourceVersion;
      }
      this.settleWrite(previousWrite);
      if (!this.startObserved && status.phase === "Running" && this.startTime !== undefined) {
        this.startObserved = true;
        this.k.metrics?.podStarted((this.k.clock.now() - this.startTime) / 1000);
      }
    } catch (err) {
      this.settleWrite(previousWrite);
      // Gone, or replaced by another pod of the same name (the uid precondition refused the patch).
      if (isStatusError(err) && (err.code === 404 || err.status.details?.causes?.some((c) => c.field === "metadata.uid"))) return;
      throw err;
    }
  }

  /**
   * The status write answered (or failed): versions seen meanwhile that are neither its own nor
   * the one before (a late event of our previous write) ask for a sync, as {@link reconcile} does;
   * our own coming back before the answer is an echo ({@link echo}).
   */
  private settleWrite(previousWrite: string | undefined): void {
    this.writing = false;
    const seen = this.seenWhileWriting;
    if (!seen) return;
    this.seenWhileWriting = undefined;
    if (seen.some((rv) => rv !== this.ownWrite && rv !== previousWrite)) this.kick();
    else if (seen.includes(this.ownWrite)) this.echo();
  }
}

/**
 * A copy of a string map, key by key: object spread of a pod's (frozen, informer-owned) labels
 * costs several times more per pod than a plain copy loop. Same keys, same order.
 */
function copyStrings(from: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (from) for (const k in from) out[k] = from[k]!;
  return out;
}

/** The sandbox's annotations: a copy of the pod's, or the one shared empty map when it has none (most pods). */
function sandboxAnnotations(from: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (from) for (const _ in from) return copyStrings(from);
  return NO_STRINGS;
}

/** The sandbox's labels: the pod's, then the kubelet's own (which win, in the pod's key order where they repeat one). */
function sandboxLabels(labels: Readonly<Record<string, string>> | undefined, name: string, namespace: string, uid: string): Record<string, string> {
  const out = copyStrings(labels);
  out["io.kubernetes.pod.name"] = name;
  out["io.kubernetes.pod.namespace"] = namespace;
  out["io.kubernetes.pod.uid"] = uid;
  return out;
}

/** The sandbox's port mappings: every container port with a hostPort, in order (one pass, no arrays per container). */
function hostPortMappings(containers: readonly Container[] | undefined): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of containers ?? []) {
    if (!c.ports) continue;
    for (const p of c.ports) {
      if (!p.hostPort) continue;
      const m: PortMapping = { protocol: (p.protocol ?? "TCP") as PortMapping["protocol"], containerPort: p.containerPort, hostPort: p.hostPort };
      if (p.hostIP) m.hostIp = p.hostIP;
      out.push(m);
    }
  }
  // Exactly sized when not empty: a pushed-to array keeps room for more, held by the sandbox; none shares one empty list.
  return out.length ? out.slice() : NO_PORT_MAPPINGS;
}

/**
 * A container's CRI `linux` section: resources (memory limit, CFS quota) when limited, then the
 * security context, fields set one by one in that order (no spreads of temporary objects).
 */
function linuxConfig(memory: number | undefined, cpuQuota: number | undefined, runAsUser: number | undefined, sec: Container["securityContext"]): NonNullable<ContainerConfig["linux"]> {
  // Neither limits nor security settings (most containers): one shared frozen config, not two objects per container.
  if (!memory && !cpuQuota && runAsUser === undefined && !sec?.readOnlyRootFilesystem && !sec?.privileged && !sec?.capabilities) return NO_LINUX_CONFIG;
  const securityContext: NonNullable<NonNullable<ContainerConfig["linux"]>["securityContext"]> = {};
  if (runAsUser !== undefined) securityContext.runAsUser = runAsUser;
  if (sec?.readOnlyRootFilesystem) securityContext.readonlyRootfs = true;
  if (sec?.privileged) securityContext.privileged = true;
  if (sec?.capabilities) securityContext.capabilities = { addCapabilities: sec.capabilities.add ?? [], dropCapabilities: sec.capabilities.drop ?? [] };
  if (!memory && !cpuQuota) return { securityContext };
  const resources: NonNullable<NonNullable<ContainerConfig["linux"]>["resources"]> = {};
  if (memory) resources.memoryLimitInBytes = memory;
  if (cpuQuota) {
    resources.cpuQuota = cpuQuota;
    resources.cpuPeriod = 100_000;
  }
  return { resources, securityContext };
}

/** The command or arguments of a container that gives none (shared by every such container; never written to). */
const NO_ARGS: readonly string[] = Object.freeze([]);

/** The annotations of every sandbox whose pod has none (never written to). */
const NO_STRINGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The port mappings of every sandbox without host ports (never written to). */
const NO_PORT_MAPPINGS: PortMapping[] = Object.freeze([]) as unknown as PortMapping[];

/** The Linux config of every container without limits or security settings: an empty security context (never written to; a resize replaces it). */
const NO_LINUX_CONFIG: NonNullable<ContainerConfig["linux"]> = Object.freeze({ securityContext: Object.freeze({}) });

/** The volumes of a pod that mounts none (never written to). */
const NO_VOLUMES: VolumePaths = VolumePaths.of(new Map());

/**
 * The `io.kubernetes.container.ports` annotation's text: one string per distinct text (a
 * Deployment's containers declare the same ports), not one per container kept in the runtime's
 * records. Up to {@link MAX_PORTS_TEXTS} texts are shared; past that each is the container's own.
 */
const portsTexts = new Map<string, string>();
const MAX_PORTS_TEXTS = 1024;

function portsAnnotation(ports: Container["ports"]): string {
  const text = JSON.stringify(ports ?? []);
  const shared = portsTexts.get(text);
  if (shared !== undefined) return shared;
  if (portsTexts.size < MAX_PORTS_TEXTS) portsTexts.set(text, text);
  return text;
}

function slot(spec: Container, kind: ContainerSlot["kind"]): ContainerSlot {
  return { name: spec.name, kind, spec, restartCount: 0, ready: false, started: false, waiting: { reason: kind === "regular" || kind === "ephemeral" ? "ContainerCreating" : "PodInitializing" } };
}

/** `10s`, `20s`, `40s`, `1m20s`, `2m40s`, `5m0s` as Go prints durations. */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}

function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTE]i?|[kmgte])?$/.exec(q);
  if (!m) return Number(q) || 0;
  const unit = m[2] ?? "";
  const mult: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Math.round(Number(m[1]) * (mult[unit] ?? 1));
}

export { familiarName };

/** A container's CRI environment: the service variables (a container's own value of one replaces it in place), then its own. */
function containerEnvs(own: Record<string, string>, services: PodServiceVariables): KeyValue[] {
  const extra: KeyValue[] = [];
  let replaces = false;
  for (const key in own) {
    if (key in services.byName) replaces = true;
    else extra.push({ key, value: own[key]! });
  }
  // The service variables' list itself when none is replaced (a copy only where one is).
  const out: readonly KeyValue[] = replaces ? services.list.map((kv) => (kv.key in own ? { key: kv.key, value: own[kv.key]! } : kv)) : services.list;
  return joined(out, extra); // exactly sized: held by every container
}
