import { setMaxListeners } from "node:events";
import type { DependencyContainer } from "tsyringe";
import type { Clock } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import type { Logger } from "../../core/log/logger.js";
import { NodeIP, NodeName, NodeSpecToken, type NodeSpec } from "../../core/cluster/node-spec.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import { CriError } from "../../core/cri/errors.js";
import type { FileSystem } from "../../core/cri/filesystem.js";
import type { Signal } from "../../core/cri/process.js";
import type {
  AuthConfig, Container, ContainerConfig, ContainerEvent, ContainerFilter, ContainerStats, ContainerStatus, ExecRequest, ExecSyncResponse, Image,
  ImageService, LinuxContainerResources, NodeProcess, NodeRuntime, PodSandbox, PodSandboxConfig, PodSandboxState, PodSandboxStatus, RuntimeService,
  RuntimeStatus, StreamSession, VersionResponse,
} from "../../core/cri/runtime-service.js";
import { ContainerFileSystem } from "./container-fs.js";
import { ImageRegistry, NodeImageStore, type StoredImage } from "./image-store.js";
import { DataPlane, DataPlaneToken } from "../../core/net/data-plane.js";
import { CriLogStore } from "./log-store.js";
import { RunningProcess, programName, type ProcessOptions } from "./process-runner.js";
import { withAppended } from "../../core/collections/exact-arrays.js";

/** Simulated time each operation takes (ms); a runtime with more hops adds to them. */
export interface RuntimeLatencies {
  runPodSandbox: number;
  createContainer: number;
  startContainer: number;
  stopPodSandbox: number;
  /** Registry round trips before the bytes flow. */
  pullBase: number;
  /** Pull throughput in bytes per second. */
  pullBytesPerSecond: number;
}

export const CONTAINERD_LATENCIES: RuntimeLatencies = { runPodSandbox: 250, createContainer: 40, startContainer: 60, stopPodSandbox: 50, pullBase: 300, pullBytesPerSecond: 40_000_000 };

export const SANDBOX_IMAGE = "registry.k8s.io/pause:3.9";
export const CONTAINERD_VERSION = "1.7.24";

export interface RuntimeDeps {
  scope: DependencyContainer;
  clock: Clock;
  random: Random;
  log: Logger;
  hostFs: FileSystem;
  registry: ImageRegistry;
  latencies?: RuntimeLatencies;
}

/** Image configs' `KEY=value` environments as pairs, parsed once per image config: every container of an image shares the value strings. */
const parsedImageEnv = new WeakMap<readonly string[], readonly (readonly [string, string])[]>();

function imageEnv(list: readonly string[] | undefined): readonly (readonly [string, string])[] {
  if (!list) return [];
  let pairs = parsedImageEnv.get(list);
  if (!pairs) {
    const parsed: [string, string][] = [];
    for (const kv of list) {
      const i = kv.indexOf("=");
      if (i > 0) parsed.push([kv.slice(0, i), kv.slice(i + 1)]);
    }
    parsedImageEnv.set(list, (pairs = parsed));
  }
  return pairs;
}

/** Image configs' entrypoint and cmd as one argv, made once per image config: every container of an image that overrides neither shares it (frozen). */
const imageArgvs = new WeakMap<ImageConfigArgs, readonly string[]>();

/** What of an image config makes a container's default argv. */
interface ImageConfigArgs {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
}

function imageArgv(cfg: ImageConfigArgs): readonly string[] {
  let argv = imageArgvs.get(cfg);
  if (!argv) imageArgvs.set(cfg, (argv = Object.freeze([...(cfg.entrypoint ?? []), ...(cfg.cmd ?? [])])));
  return argv;
}

interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: PodSandboxState;
  createdAt: number;
  ip: string;
  additionalIps: readonly string[];
  stack: NetworkStack;
  attachment?: PodNetworkAttachment;
  handler: string;
  shimPid: number;
  pausePid: number;
  /** Its containers' ids, in creation order: replaced, never changed in place (a sandbox holds one or two; a set's table per pod is several times their size). */
  containers: readonly string[];
}

/** An empty id or address list shared by every sandbox that has none (frozen: lists are replaced, never changed in place). */
const NO_STRINGS: readonly string[] = Object.freeze([]);

interface ContainerRecord {
  id: string;
  sandbox: SandboxRecord;
  config: ContainerConfig;
  image: StoredImage;
  state: ContainerStatus["state"];
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  logPath: string;
  process: RunningProcess | undefined;
  fs: ContainerFileSystem | undefined;
  argv: readonly string[];
  env: Record<string, string>;
  attached: Set<{ out: (stream: "stdout" | "stderr", text: string) => void }> | undefined;
}

/**
 * A containerd 1.7-like runtime for one node: the CRI plugin with one `containerd-shim-runc-v2`
 * per pod, everything in namespace `k8s.io`, overlayfs root filesystems, CRI-format logs. Pod
 * networking goes through the node's {@link PodNetwork} (CNI ADD/DEL per sandbox); host-network
 * sandboxes use the node's namespace.
 */
export class ContainerdRuntime implements RuntimeService, ImageService, NodeRuntime {
  readonly runtimeVersion: string = `containerd://${CONTAINERD_VERSION}`;
  readonly logs: CriLogStore;
  protected readonly latencies: RuntimeLatencies;
  protected readonly sandboxes = new Map<string, SandboxRecord>();
  protected readonly containers = new Map<string, ContainerRecord>();
  protected readonly imageStore = new NodeImageStore();
  private readonly listeners = new Set<(e: ContainerEvent) => void>();
  protected readonly table = new Map<number, TableEntry>();
  private nextPid = 1;
  private hostStackFallback: NetworkStack | undefined;
  private network: PodNetwork | undefined;
  private readonly pulls = new Map<string, Promise<string>>();
  private readonly closing = new AbortController();
  protected readonly daemonPid: number;

  get runtime(): RuntimeService {
    return this;
  }

  get images(): ImageService {
    return this;
  }

  constructor(protected readonly deps: RuntimeDeps, logs?: CriLogStore) {
    this.logs = logs ?? new CriLogStore();
    this.latencies = deps.latencies ?? CONTAINERD_LATENCIES;
    // Every in-flight operation waits on this signal.
    setMaxListeners(0, this.closing.signal);
    const boot = deps.clock.now();
    this.spawnEntry(0, "root", boot, "/sbin/init");
    this.daemonPid = this.startDaemons(boot);
    // kind nodes come with the sandbox image pre-loaded.
    const pause = deps.registry.resolve(SANDBOX_IMAGE);
    if ("definition" in pause) this.imageStore.add(pause.reference, pause.definition, boot);
  }

  /** Starts the node's daemons under systemd; returns the pid shims are parented to. */
  protected startDaemons(boot: number): number {
    const pid = this.spawnEntry(1, "root", boot, "/usr/local/bin/containerd");
    this.spawnEntry(1, "root", boot, `/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=${this.nodeIP()} --hostname-override=${this.nodeName()}`);
    return pid;
  }

  // ---- RuntimeService: version and status ----

  async version(): Promise<VersionResponse> {
    return { version: "0.1.0", runtimeName: "containerd", runtimeVersion: `v${CONTAINERD_VERSION}`, runtimeApiVersion: "v1" };
  }

  async status(): Promise<RuntimeStatus> {
    const network = this.podNetwork()?.status() ?? { ready: false, reason: "NetworkPluginNotReady", message: "Network plugin returns error: cni plugin not initialized" };
    return {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        { type: "NetworkReady", status: network.ready, reason: network.ready ? "" : (network.reason ?? "NetworkPluginNotReady"), message: network.ready ? "" : (network.message ?? "") },
      ],
    };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ""): Promise<string> {
    this.checkHandler(runtimeHandler);
    const id = this.newId();
    await this.delay(this.latencies.runPodSandbox);
    let stack: NetworkStack;
    let ip = "";
    let attachment: PodNetworkAttachment | undefined;
    if (config.networkNamespace === "NODE") stack = this.hostNetwork();
    else {
      const network = this.podNetwork();
      if (!network || !network.status().ready) throw new CriError("Unknown", `failed to setup network for sandbox "${id}": cni plugin not initialized`);
      const m = config.metadata;
      try {
        attachment = await network.setUpPod({ sandboxId: id, podName: m.name, podNamespace: m.namespace, podUid: m.uid, ...(config.portMappings?.length ? { portMappings: config.portMappings.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol, ...(p.hostIp ? { hostIP: p.hostIp } : {}) })) } : {}) });
      } catch (err) {
        throw new CriError("Unknown", `failed to setup network for sandbox "${id}": ${err instanceof Error ? err.message : String(err)}`);
      }
      stack = attachment.stack;
      ip = attachment.ips[0] ?? "";
    }
    const now = this.deps.clock.now();
    const shimPid = this.spawnEntry(this.daemonPid, "root", now, { shimOf: id });
    const pausePid = this.spawnEntry(shimPid, "65535", now, "/pause");
    const record: SandboxRecord = { id, config, state: "SANDBOX_READY", createdAt: now, ip, additionalIps: attachment && attachment.ips.length > 1 ? attachment.ips.slice(1) : NO_STRINGS, stack, handler: runtimeHandler, shimPid, pausePid, containers: NO_STRINGS, ...(attachment ? { attachment } : {}) };
    this.sandboxes.set(id, record);
    this.deps.hostFs.mkdir(config.logDirectory);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const cid of sb.containers) await this.stopContainer(cid, 0).catch(() => undefined);
    if (sb.state === "SANDBOX_READY") {
      sb.state = "SANDBOX_NOTREADY";
      this.table.delete(sb.pausePid);
      this.table.delete(sb.shimPid);
      if (sb.attachment) {
        const m = sb.config.metadata;
        await this.podNetwork()?.tearDownPod({ sandboxId: id, podName: m.name, podNamespace: m.namespace, podUid: m.uid }).catch((err: unknown) => this.deps.log.warn("CNI DEL failed", { sandbox: id, error: err }));
      }
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const cid of sb.containers) await this.removeContainer(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const sb = this.sandbox(id);
    return { id, metadata: sb.config.metadata, state: sb.state, createdAt: sb.createdAt, ip: sb.ip, additionalIps: sb.additionalIps as string[], labels: sb.config.labels, annotations: sb.config.annotations, runtimeHandler: sb.handler };
  }

  async listPodSandbox(filter: { state?: PodSandboxState; labelSelector?: Record<string, string> } = {}): Promise<PodSandbox[]> {
    const out: PodSandbox[] = [];
    for (const sb of this.sandboxes.values()) {
      if (filter.state && sb.state !== filter.state) continue;
      if (filter.labelSelector && !matches(sb.config.labels, filter.labelSelector)) continue;
      out.push({ id: sb.id, metadata: sb.config.metadata, state: sb.state, createdAt: sb.createdAt, labels: sb.config.labels, annotations: sb.config.annotations, runtimeHandler: sb.handler });
    }
    return out;
  }

  // ---- containers ----

  async createContainer(podSandboxId: string, config: ContainerConfig, _sandboxConfig: PodSandboxConfig): Promise<string> {
    const sb = this.sandbox(podSandboxId);
    if (sb.state !== "SANDBOX_READY") throw new CriError("FailedPrecondition", `failed to create containerd container: sandbox container "${podSandboxId}" is not running`);
    const image = this.imageStore.get(config.image.image);
    if (!image) throw new CriError("NotFound", `failed to create containerd container: error unpacking image: image "${config.image.image}": not found`);
    for (const cid of sb.containers) {
      const c = this.containers.get(cid)!;
      if (c.config.metadata.name === config.metadata.name && c.config.metadata.attempt === config.metadata.attempt) {
        throw new CriError("Unknown", `failed to reserve container name "${this.containerName(sb, config)}": name "${this.containerName(sb, config)}" is reserved for "${cid}"`);
      }
    }
    await this.delay(this.latencies.createContainer);
    const id = this.newId();
    const cfg = image.definition.config;
    const argv = config.command.length || config.args.length ? [...(config.command.length ? config.command : (cfg.entrypoint ?? [])), ...config.args] : imageArgv(cfg);
    const env: Record<string, string> = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
    for (const [k, v] of imageEnv(cfg.env)) env[k] = v;
    env["HOSTNAME"] = sb.config.hostname;
    for (const { key, value } of config.envs) env[key] = value;
    const logPath = `${sb.config.logDirectory}/${config.logPath}`;
    const now = this.deps.clock.now();
    // Every field set here, those of a later start too: the record keeps one shape, without a property array for fields added after.
    this.containers.set(id, { id, sandbox: sb, config, image, state: "CONTAINER_CREATED", createdAt: now, startedAt: 0, finishedAt: 0, exitCode: 0, reason: "", message: "", logPath, process: undefined, fs: undefined, argv, env, attached: undefined });
    sb.containers = withAppended(sb.containers, id);
    this.logs.create(logPath);
    this.emit({ containerId: id, podSandboxId, type: "CONTAINER_CREATED_EVENT" });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container(id);
    if (c.state !== "CONTAINER_CREATED") throw new CriError("Unknown", `failed to start containerd task "${id}": cannot start a container that has stopped: unknown`);
    await this.delay(this.latencies.startContainer);
    const sec = c.config.linux?.securityContext;
    const fs = new ContainerFileSystem(c.image.definition.files ?? {}, c.config.mounts, this.deps.hostFs, sec?.readonlyRootfs ?? false);
    c.fs = fs;
    const now = this.deps.clock.now();
    // The streams' unfinished lines live in this scope, which the exit handler below keeps anyway:
    // no splitter objects or extra closures per container (a node runs hundreds, most never write).
    let outTail = "";
    let errTail = "";
    const stdout = (t: string): void => {
      outTail = this.writeLines(c, "stdout", outTail + t);
      this.relay(c, "stdout", t);
    };
    const stderr = (t: string): void => {
      errTail = this.writeLines(c, "stderr", errTail + t);
      this.relay(c, "stderr", t);
    };
    let proc: RunningProcess;
    const pid = this.allocatePid();
    // Limits set one by one after the rest (no spreads of temporary objects), in the same order.
    const options: ProcessOptions = {
      argv: c.argv,
      env: c.env,
      cwd: c.config.workingDir || c.image.definition.config.workingDir || "/",
      hostname: c.sandbox.config.hostname,
      fs,
      net: c.sandbox.stack,
      clock: this.deps.clock,
      programs: c.image.definition.programs,
      stdout,
      stderr,
      init: true,
    };
    const limits = c.config.linux?.resources;
    if (limits?.memoryLimitInBytes) options.memoryLimit = limits.memoryLimitInBytes;
    if (limits?.cpuQuota && limits.cpuQuota > 0) options.cpuLimitMillis = (limits.cpuQuota / (limits.cpuPeriod || 100_000)) * 1000;
    try {
      proc = new RunningProcess(pid, options);
    } catch (e) {
      c.state = "CONTAINER_EXITED";
      c.startedAt = now;
      c.finishedAt = now;
      c.exitCode = 128;
      c.reason = "StartError";
      c.message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${(e as Error).message}: unknown`;
      this.emit({ containerId: id, podSandboxId: c.sandbox.id, type: "CONTAINER_STOPPED_EVENT" });
      throw new CriError("Unknown", c.message);
    }
    c.process = proc;
    c.state = "CONTAINER_RUNNING";
    c.startedAt = now;
    this.table.set(pid, { pid, ppid: this.containerParent(c, now), user: userOf(c), started: now, argv: c.argv });
    this.emit({ containerId: id, podSandboxId: c.sandbox.id, type: "CONTAINER_STARTED_EVENT" });
    void proc.exit.then((code) => {
      if (outTail) this.writeLog(c, "stdout", outTail);
      if (errTail) this.writeLog(c, "stderr", errTail);
      outTail = errTail = "";
      this.table.delete(pid);
      this.containerExited(c);
      c.state = "CONTAINER_EXITED";
      c.finishedAt = this.deps.clock.now();
      c.exitCode = code;
      c.reason = proc.exitReason === "oom" ? "OOMKilled" : code === 0 ? "Completed" : "Error";
      for (const a of c.attached ?? []) a.out("stdout", "");
      this.emit({ containerId: id, podSandboxId: c.sandbox.id, type: "CONTAINER_STOPPED_EVENT" });
    });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c?.process || c.state !== "CONTAINER_RUNNING") {
      if (c && c.state === "CONTAINER_CREATED") {
        c.state = "CONTAINER_EXITED";
        c.finishedAt = this.deps.clock.now();
        c.exitCode = 0;
        c.reason = "Completed";
      }
      return;
    }
    const proc = c.process;
    if (timeoutSeconds > 0) {
      proc.kill("SIGTERM");
      const timer = this.deps.clock.setTimeout(() => proc.kill("SIGKILL"), timeoutSeconds * 1000);
      await proc.exit;
      this.deps.clock.clearTimeout(timer);
    } else proc.kill("SIGKILL");
    await proc.exit;
    // Let the exit bookkeeping (a microtask after exit) run before callers read the status.
    await Promise.resolve();
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.state === "CONTAINER_RUNNING") await this.stopContainer(id, 0);
    this.containers.delete(id);
    c.sandbox.containers = c.sandbox.containers.filter((x) => x !== id);
    this.logs.remove(c.logPath);
    this.emit({ containerId: id, podSandboxId: c.sandbox.id, type: "CONTAINER_DELETED_EVENT" });
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const out: Container[] = [];
    for (const c of this.containers.values()) {
      if (filter.id && !c.id.startsWith(filter.id)) continue;
      if (filter.podSandboxId && !c.sandbox.id.startsWith(filter.podSandboxId)) continue;
      if (filter.state && c.state !== filter.state) continue;
      if (filter.labelSelector && !matches(c.config.labels, filter.labelSelector)) continue;
      out.push({ id: c.id, podSandboxId: c.sandbox.id, metadata: c.config.metadata, image: { image: c.image.image.id }, imageRef: c.image.image.id, state: c.state, createdAt: c.createdAt, labels: c.config.labels, annotations: c.config.annotations });
    }
    return out;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const c = this.container(id);
    return {
      id, metadata: c.config.metadata, state: c.state, createdAt: c.createdAt, startedAt: c.startedAt, finishedAt: c.finishedAt, exitCode: c.exitCode,
      image: { image: c.config.image.image }, imageRef: c.image.repoDigest, reason: c.reason, message: c.message, labels: c.config.labels, annotations: c.config.annotations, logPath: c.logPath,
    };
  }

  /** The status without a promise (the kubelet's hot path). */
  containerStatusNow(id: string): ContainerRecord | undefined {
    return this.containers.get(id);
  }

  async updateContainerResources(id: string, resources: LinuxContainerResources): Promise<void> {
    const c = this.container(id);
    c.config = { ...c.config, linux: { ...c.config.linux, resources } };
  }

  async reopenContainerLog(id: string): Promise<void> {
    const c = this.container(id);
    if (c.state !== "CONTAINER_RUNNING") throw new CriError("FailedPrecondition", `container is not running`);
  }

  // ---- exec, attach, port-forward ----

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    let stdout = "";
    let stderr = "";
    const session = await this.execProcess(id, cmd, (s) => (stdout += s), (s) => (stderr += s));
    session.closeStdin();
    if (timeoutSeconds > 0) {
      let timer: ReturnType<Clock["setTimeout"]> | undefined;
      const timedOut = new Promise<"timeout">((resolve) => (timer = this.deps.clock.setTimeout(() => resolve("timeout"), timeoutSeconds * 1000)));
      const result = await Promise.race([session.exit, timedOut]);
      this.deps.clock.clearTimeout(timer);
      if (result === "timeout") {
        session.kill("SIGKILL");
        throw new CriError("DeadlineExceeded", `failed to exec in container: timeout ${timeoutSeconds}s exceeded: context deadline exceeded`);
      }
      return { stdout, stderr, exitCode: result };
    }
    return { stdout, stderr, exitCode: await session.exit };
  }

  async exec(request: ExecRequest): Promise<StreamSession> {
    // Output written before the caller subscribes (a quick command) is held until it does.
    const out = new BufferedStream();
    const err = new BufferedStream();
    const proc = await this.execProcess(request.containerId, request.cmd, (d) => out.write(d), (d) => (request.tty ? out : err).write(d));
    if (!request.stdin) proc.closeStdin();
    return { write: (d) => proc.write(d), closeStdin: () => proc.closeStdin(), onStdout: (f) => out.subscribe(f), onStderr: (f) => err.subscribe(f), exit: proc.exit };
  }

  async attach(containerId: string, stdin: boolean): Promise<StreamSession> {
    const c = this.container(containerId);
    if (c.state !== "CONTAINER_RUNNING" || !c.process) throw new CriError("FailedPrecondition", `container ${containerId} is not running`);
    const outFns: ((d: string) => void)[] = [];
    const errFns: ((d: string) => void)[] = [];
    const entry = { out: (stream: "stdout" | "stderr", text: string) => (stream === "stdout" ? outFns : errFns).forEach((f) => f(text)) };
    (c.attached ??= new Set()).add(entry);
    const proc = c.process;
    void proc.exit.then(() => c.attached?.delete(entry));
    return {
      write: (d) => (stdin ? proc.write(d) : undefined),
      closeStdin: () => (stdin && c.config.stdinOnce ? proc.closeStdin() : undefined),
      onStdout: (f) => void outFns.push(f),
      onStderr: (f) => void errFns.push(f),
      exit: proc.exit,
    };
  }

  async portForward(podSandboxId: string): Promise<NetworkStack> {
    const sb = this.sandbox(podSandboxId);
    if (sb.state !== "SANDBOX_READY") throw new CriError("FailedPrecondition", `failed to find sandbox "${podSandboxId}" in store: not ready`);
    return sb.stack;
  }

  // ---- stats ----

  async containerStats(id: string): Promise<ContainerStats> {
    return this.statsOf(this.container(id));
  }

  async listContainerStats(filter: ContainerFilter = {}): Promise<ContainerStats[]> {
    return (await this.listContainers(filter)).map((c) => this.statsOf(this.containers.get(c.id)!));
  }

  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- ImageService ----

  async listImages(): Promise<Image[]> {
    return this.imageStore.list().map((s) => s.image);
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    return this.imageStore.get(image)?.image;
  }

  /** Pulls `image`: registry round trips plus size / throughput (layers already present are skipped). Concurrent pulls of one reference share the download. */
  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    const resolution = this.deps.registry.resolve(image, { hasCredentials: !!(auth?.auth || auth?.password) });
    if ("error" in resolution) {
      await this.delay(this.latencies.pullBase);
      throw resolution.error;
    }
    const key = resolution.reference.normalized;
    let pull = this.pulls.get(key);
    if (!pull) {
      pull = (async () => {
        const bytes = this.imageStore.missingBytes(resolution.definition);
        await this.delay(this.latencies.pullBase + Math.round((bytes / this.latencies.pullBytesPerSecond) * 1000));
        return this.imageStore.add(resolution.reference, resolution.definition, this.deps.clock.now()).image.id;
      })().finally(() => this.pulls.delete(key));
      this.pulls.set(key, pull);
    }
    return pull;
  }

  async removeImage(image: string): Promise<void> {
    const stored = this.imageStore.get(image);
    if (!stored) return;
    for (const c of this.containers.values()) {
      if (c.image === stored) throw new CriError("FailedPrecondition", `image is in use by container ${c.id}`);
    }
    this.imageStore.remove(image);
  }

  async imageFsInfo(): Promise<{ usedBytes: number; capacityBytes: number; inodesUsed: number }> {
    const used = this.imageStore.list().reduce((n, s) => n + s.image.size, 0);
    return { usedBytes: used, capacityBytes: this.fsCapacity(), inodesUsed: this.imageStore.list().length * 1000 };
  }

  // ---- NodeRuntime ----

  processes(): NodeProcess[] {
    // The containers by their main process's pid, once (not a scan of every container per process).
    const byPid = new Map<number, ContainerRecord>();
    for (const c of this.containers.values()) if (c.process) byPid.set(c.process.pid, c);
    const out: NodeProcess[] = [];
    for (const e of this.table.values()) {
      const proc = e.pid > 1 ? byPid.get(e.pid)?.process : undefined;
      const command = e.command ?? (e.shimOf !== undefined ? this.shimCommand(e.shimOf) : (e.argv ?? []).join(" "));
      out.push(proc ? { pid: e.pid, ppid: e.ppid, user: e.user, started: e.started, command, usage: proc.usage } : { pid: e.pid, ppid: e.ppid, user: e.user, started: e.started, command });
    }
    return out;
  }

  signal(containerId: string, signal: Signal): void {
    this.containers.get(containerId)?.process?.kill(signal);
  }

  /** The node's root namespace: the pod network's, else the node's namespace in the cluster's data plane (or a plane of its own outside a cluster). */
  hostNetwork(): NetworkStack {
    const network = this.podNetwork();
    if (network) return network.hostStack();
    if (!this.hostStackFallback) {
      const scope = this.deps.scope;
      const plane = scope.isRegistered(DataPlaneToken, true) ? scope.resolve<DataPlane>(DataPlaneToken) : new DataPlane({ clock: this.deps.clock });
      this.hostStackFallback = plane.stack(plane.addNode(this.nodeName(), this.nodeIP()));
    }
    return this.hostStackFallback;
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const c of this.containers.values()) c.process?.kill("SIGKILL");
    this.listeners.clear();
  }

  /** The container a node view shows, by (prefix of) ID. */
  findContainer(idPrefix: string): ContainerRecord | undefined {
    for (const c of this.containers.values()) if (c.id.startsWith(idPrefix)) return c;
    return undefined;
  }

  findSandbox(idPrefix: string): SandboxRecord | undefined {
    for (const s of this.sandboxes.values()) if (s.id.startsWith(idPrefix)) return s;
    return undefined;
  }

  allContainers(): Iterable<ContainerRecord> {
    return this.containers.values();
  }

  allSandboxes(): Iterable<SandboxRecord> {
    return this.sandboxes.values();
  }

  storedImages(): StoredImage[] {
    return this.imageStore.list();
  }

  // ---- internals (hooks a runtime built on this one overrides) ----

  /** Refuses a runtime handler this runtime has no configuration for (containerd: `runc` and kind's `test-handler`). */
  protected checkHandler(handler: string): void {
    if (handler && handler !== "runc" && handler !== "test-handler") throw new CriError("Unknown", `failed to get sandbox runtime: no runtime for "${handler}" is configured`);
  }

  /** The command line of a sandbox's shim process (one per pod in containerd's CRI plugin). */
  protected shimCommand(sandboxId: string): string {
    return `/usr/local/bin/containerd-shim-runc-v2 -namespace k8s.io -id ${sandboxId} -address /run/containerd/containerd.sock`;
  }

  /** The pid a started container's process is parented to: its pod's shim. */
  protected containerParent(c: ContainerRecord, _now: number): number {
    return c.sandbox.shimPid;
  }

  /** A container's main process exited (a runtime with a shim per container removes it here). */
  protected containerExited(_c: ContainerRecord): void {}

  /** containerd's container name in its store: `<container>_<pod>_<namespace>_<uid>_<attempt>`. */
  protected containerName(sb: SandboxRecord, config: ContainerConfig): string {
    const m = sb.config.metadata;
    return `${config.metadata.name}_${m.name}_${m.namespace}_${m.uid}_${config.metadata.attempt}`;
  }

  protected writeLog(c: ContainerRecord, stream: "stdout" | "stderr", line: string): void {
    this.logs.append(c.logPath, this.deps.clock.now(), stream, line);
  }

  /** Logs every `\n`-terminated line of `text` (which ends with `\n`), as {@link writeLog} each in turn. */
  protected writeLogLines(c: ContainerRecord, stream: "stdout" | "stderr", text: string): void {
    this.logs.appendLines(c.logPath, this.deps.clock.now(), stream, text);
  }

  /**
   * A container's stdout and stderr: its CRI log (line by line) and attached clients. Returned in
   * an array rather than written as object-literal arrows, which dev builds (keepNames) give an
   * own `name` property each — a property dictionary per closure, per container.
   */
  /** Logs the complete lines of `text`; returns the unfinished rest (the next write continues it). */
  private writeLines(c: ContainerRecord, stream: "stdout" | "stderr", text: string): string {
    const nl = text.indexOf("\n");
    if (nl < 0) return text;
    // The common case, one whole line (an access log line): no array of parts.
    if (nl === text.length - 1) {
      this.writeLog(c, stream, text.slice(0, nl));
      return "";
    }
    // Several lines (a start-up banner written at once): logged together, the unfinished rest kept.
    const last = text.lastIndexOf("\n");
    this.writeLogLines(c, stream, last === text.length - 1 ? text : text.slice(0, last + 1));
    return text.slice(last + 1);
  }

  private relay(c: ContainerRecord, stream: "stdout" | "stderr", text: string): void {
    if (c.attached) for (const a of c.attached) a.out(stream, text);
  }

  private async execProcess(id: string, cmd: string[], stdout: (s: string) => void, stderr: (s: string) => void): Promise<RunningProcess> {
    const c = this.container(id);
    if (c.state !== "CONTAINER_RUNNING" || !c.fs) throw new CriError("FailedPrecondition", `container ${id} is not running`);
    const pid = this.allocatePid();
    let proc: RunningProcess;
    try {
      proc = new RunningProcess(pid, { argv: cmd, env: c.env, cwd: c.config.workingDir || "/", hostname: c.sandbox.config.hostname, fs: c.fs, net: c.sandbox.stack, clock: this.deps.clock, programs: c.image.definition.programs, stdout, stderr });
    } catch (e) {
      throw new CriError("Unknown", `failed to exec in container: failed to start exec "${this.newId()}": OCI runtime exec failed: exec failed: unable to start container process: ${(e as Error).message}: unknown`);
    }
    this.table.set(pid, { pid, ppid: c.sandbox.shimPid, user: userOf(c), started: this.deps.clock.now(), command: cmd.join(" ") });
    void proc.exit.then(() => this.table.delete(pid));
    return proc;
  }

  private statsOf(c: ContainerRecord): ContainerStats {
    const now = this.deps.clock.now();
    const p = c.process?.running ? c.process : undefined;
    const cpu = p?.cpuMillis() ?? 0;
    return { id: c.id, name: c.config.metadata.name, podSandboxId: c.sandbox.id, timestamp: now, cpu: { usageNanoCores: cpu * 1e6, usageCoreNanoSeconds: p?.cpuCoreNanoSeconds() ?? 0 }, memory: { workingSetBytes: p?.usage.memoryBytes ?? 0 } };
  }

  protected emit(event: ContainerEvent): void {
    for (const l of this.listeners) l(event);
  }

  protected sandbox(id: string): SandboxRecord {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new CriError("NotFound", `an error occurred when try to find sandbox: not found`);
    return sb;
  }

  protected container(id: string): ContainerRecord {
    const c = this.containers.get(id);
    if (!c) throw new CriError("NotFound", `an error occurred when try to find container "${id}": not found`);
    return c;
  }

  protected delay(ms: number): Promise<void> {
    return ms > 0 ? this.deps.clock.sleep(ms, this.closing.signal) : Promise.resolve();
  }

  /** A container or sandbox id: 64 hex digits, eight random 32-bit words in order. */
  protected newId(): string {
    // One native hex encoding of the words: a flat string (no rope held by every record), no per-word strings.
    for (let i = 0; i < 8; i++) ID_WORDS.writeUInt32BE(Math.floor(this.deps.random.next() * 0x100000000), i * 4);
    return ID_WORDS.toString("hex");
  }

  private allocatePid(): number {
    this.nextPid += 1 + this.deps.random.int(3);
    return this.nextPid;
  }

  /** Enters a process in the node's table: its command line as text, or what builds it when the table is read. */
  protected spawnEntry(ppid: number, user: string, started: number, command: string | { shimOf: string }): number {
    const pid = ppid === 0 ? 1 : this.allocatePid();
    this.table.set(pid, typeof command === "string" ? { pid, ppid, user, started, command } : { pid, ppid, user, started, shimOf: command.shimOf });
    return pid;
  }

  /** The node's pod network, kept once found (a node scope provides it once, before its agents start). */
  private podNetwork(): PodNetwork | undefined {
    if (this.network) return this.network;
    const scope = this.deps.scope;
    return scope.isRegistered(PodNetwork, true) ? (this.network = scope.resolve<PodNetwork>(PodNetwork)) : undefined;
  }

  /** The node's filesystem size (its `ephemeral-storage` capacity, default 100Gi): images share it, as on a kind node. */
  protected fsCapacity(): number {
    const scope = this.deps.scope;
    const spec = scope.isRegistered(NodeSpecToken, true) ? scope.resolve<NodeSpec>(NodeSpecToken) : undefined;
    return quantityToNumber(parseQuantity(spec?.capacity?.["ephemeral-storage"] ?? "100Gi"));
  }

  protected nodeIP(): string {
    return this.deps.scope.isRegistered(NodeIP, true) ? this.deps.scope.resolve<string>(NodeIP) : "127.0.0.1";
  }

  protected nodeName(): string {
    return this.deps.scope.isRegistered(NodeName, true) ? this.deps.scope.resolve<string>(NodeName) : "localhost";
  }
}

/**
 * A row of the node's process table as kept: a shim's command line is built from its sandbox id
 * and a container process's from its argv when the table is read (`ps`, `pstree`), not kept as a
 * string per pod (a node runs hundreds).
 */
interface TableEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly user: string;
  readonly started: number;
  readonly command?: string;
  /** A sandbox's shim: the sandbox id for {@link ContainerdRuntime.shimCommand}. */
  readonly shimOf?: string;
  readonly argv?: readonly string[];
}

/** Scratch for {@link ContainerdRuntime.newId}'s words (ids are made one at a time, synchronously). */
const ID_WORDS = Buffer.alloc(32);

/** A stream that holds what is written until the first subscriber arrives. */
class BufferedStream {
  private held: string[] | undefined = [];
  private readonly fns: ((d: string) => void)[] = [];

  write(d: string): void {
    if (this.held) this.held.push(d);
    else for (const f of this.fns) f(d);
  }

  subscribe(fn: (d: string) => void): void {
    this.fns.push(fn);
    const held = this.held;
    this.held = undefined;
    for (const d of held ?? []) fn(d);
  }
}

function userOf(c: ContainerRecord): string {
  const uid = c.config.linux?.securityContext?.runAsUser;
  return uid !== undefined ? String(uid) : c.image.definition.config.user || "root";
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

export type { ContainerRecord, SandboxRecord };
export { programName };
