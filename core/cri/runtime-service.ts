import type { DependencyContainer } from "tsyringe";
import { extensionPoint } from "../plugins/extension-point.js";
import { token } from "../di/token.js";
import type { NetworkStack } from "../net/sockets.js";
import type { FileSystem } from "./filesystem.js";
import type { ResourceUse, Signal } from "./process.js";

/**
 * The Container Runtime Interface (kubernetes/cri-api `api.proto`, v1) as async TypeScript: the
 * only way the kubelet reaches containers. Message shapes follow the proto, camelCased and
 * trimmed to what kubesim models. Failed calls reject with a {@link CriError}.
 */

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  type: "RuntimeReady" | "NetworkReady";
  status: boolean;
  reason: string;
  message: string;
}

export interface RuntimeStatus {
  conditions: RuntimeCondition[];
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  /** `/var/log/pods/<ns>_<name>_<uid>` */
  logDirectory: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `NODE` for hostNetwork pods: no network namespace of their own, no CNI. */
  networkNamespace: "POD" | "NODE";
  /** Pod-level overhead + limits, for the pod cgroup. */
  cgroupParent?: string;
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  /** Primary pod IP ("" for hostNetwork pods: the kubelet uses the node's). */
  ip: string;
  additionalIps: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** A bind mount: a node path (a volume's directory) at a container path. */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  /** Mount a single file (subPath, /etc/hosts, termination-log). */
  file?: boolean;
}

export interface LinuxContainerResources {
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimitInBytes?: number;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  /** Overrides the image's entrypoint (pod `command`). Read, never changed, by the runtime. */
  command: readonly string[];
  /** Overrides the image's cmd (pod `args`). Read, never changed, by the runtime. */
  args: readonly string[];
  workingDir: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory: `<container>/<attempt>.log`. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: { runAsUser?: number; runAsGroup?: number; readonlyRootfs?: boolean; privileged?: boolean; capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] } };
  };
}

export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerState;
  createdAt: number;
  /** 0 until started. */
  startedAt: number;
  /** 0 until exited. */
  finishedAt: number;
  exitCode: number;
  image: { image: string };
  /** `docker.io/library/nginx@sha256:...` */
  imageRef: string;
  /** `Completed`, `Error`, `OOMKilled`, `StartError`, ... */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Absolute path of the container's log on the node. */
  logPath: string;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: { image: string };
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  podSandboxId?: string;
  state?: ContainerState;
  labelSelector?: Record<string, string>;
}

export interface ExecSyncResponse {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** An interactive exec/attach session: what a streaming server relays to kubectl. */
export interface StreamSession {
  /** Writes to the process's stdin. */
  write(data: string): void;
  /** Closes stdin. */
  closeStdin(): void;
  onStdout(fn: (data: string) => void): void;
  onStderr(fn: (data: string) => void): void;
  /** Resolves with the exit code (exec) or when the attached container exits. */
  readonly exit: Promise<number>;
  /** Terminal size changes (ignored by most programs). */
  resize?(width: number, height: number): void;
}

export interface ExecRequest {
  containerId: string;
  cmd: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ContainerStats {
  id: string;
  name: string;
  podSandboxId: string;
  timestamp: number;
  cpu: { usageNanoCores: number; usageCoreNanoSeconds: number };
  memory: { workingSetBytes: number };
}

/** The CRI RuntimeService. */
export interface RuntimeService {
  version(): Promise<VersionResponse>;
  status(): Promise<RuntimeStatus>;

  /** Creates and starts the sandbox (pause + network namespace via CNI ADD unless host network). */
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Stops every container of the sandbox and tears its network down (CNI DEL). Idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes a stopped sandbox and its containers. Idempotent. */
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: { state?: PodSandboxState; labelSelector?: Record<string, string> }): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. Idempotent on an exited container. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(id: string): Promise<ContainerStatus>;
  updateContainerResources(id: string, resources: LinuxContainerResources): Promise<void>;
  reopenContainerLog(id: string): Promise<void>;

  /** Runs a command in a running container and collects its output (exec probes). Rejects with DeadlineExceeded after `timeoutSeconds`. */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  /** Starts an interactive command in a running container. */
  exec(request: ExecRequest): Promise<StreamSession>;
  /** Attaches to the container's main process streams. */
  attach(containerId: string, stdin: boolean): Promise<StreamSession>;
  /** The sandbox's network namespace, for port-forwarding (connect to localhost ports of the pod). */
  portForward(podSandboxId: string): Promise<NetworkStack>;

  containerStats(id: string): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]>;

  /**
   * Container lifecycle events (CRI's GetContainerEvents stream, the evented PLEG): called when a
   * container starts or exits. Returns an unsubscribe function.
   */
  onContainerEvent(listener: (event: ContainerEvent) => void): () => void;
}

export interface ContainerEvent {
  containerId: string;
  podSandboxId: string;
  type: "CONTAINER_CREATED_EVENT" | "CONTAINER_STARTED_EVENT" | "CONTAINER_STOPPED_EVENT" | "CONTAINER_DELETED_EVENT";
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: number;
  username: string;
  pinned: boolean;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
}

/** The CRI ImageService. */
export interface ImageService {
  listImages(): Promise<Image[]>;
  /** Undefined when the image is not on the node. */
  imageStatus(image: string): Promise<Image | undefined>;
  /** Pulls and returns the image reference (`sha256:...`). */
  pullImage(image: string, auth?: AuthConfig): Promise<string>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<{ usedBytes: number; capacityBytes: number; inodesUsed: number }>;
}

/** What a runtime offers one node beyond CRI: its views for the node shell and its identity. */
export interface NodeRuntime {
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  /** `containerd://1.7.24` for Node.status.nodeInfo.containerRuntimeVersion. */
  readonly runtimeVersion: string;
  /** The node's root network namespace (probes, hostNetwork pods, port-forward of them). */
  hostNetwork(): NetworkStack;
  /** The node's process table (for `ps`/`pstree`). */
  processes(): NodeProcess[];
  /** Reads a container's log file as written on the node (absolute path). */
  readonly logs: LogStore;
  /** Sends a signal to a container's main process (attach's Ctrl-C, tests). */
  signal?(containerId: string, signal: Signal): void;
  /** Stops every container and timer; the node is going away. */
  close(): Promise<void>;
}

/** One process in a node's process table. */
export interface NodeProcess {
  pid: number;
  ppid: number;
  user: string;
  /** Start time (ms since epoch). */
  started: number;
  command: string;
  usage?: ResourceUse;
}

/** Container log files on a node (`/var/log/pods/...`), line-oriented, in the runtime's own format. */
export interface LogStore {
  /** The lines of a log file; undefined when there is no such file. */
  lines(path: string): readonly string[] | undefined;
  /** Calls `fn` for each line appended to `path` from now on; returns an unsubscribe function. */
  follow(path: string, fn: (line: string) => void): () => void;
  /** Parses one line into stream, time and text (format differs per runtime: CRI vs json-file). */
  parse(line: string): { time: number; stream: "stdout" | "stderr"; text: string; partial: boolean } | undefined;
  remove(path: string): void;
  /** Every log file's path. */
  files(): Iterable<string>;
  /** Whether a log file lies below `dir` (`/`-terminated). Optional: without it, readers walk {@link files}. */
  hasFilesUnder?(dir: string): boolean;
  /** A log file's content as it is on disk (each line `\n`-terminated); undefined when there is no such file. */
  text(path: string): string | undefined;
  /** A log file's size in bytes as on disk (UTF-8, each line `\n`-terminated), without reading its text; undefined when there is no such file. */
  size(path: string): number | undefined;
}

/** What a runtime plugin contributes: a factory making one runtime per node. */
export interface ContainerRuntimeFactory {
  /** `containerd`, `docker` */
  readonly name: string;
  /** Creates the node's runtime; `scope` is the node's scope (NodeName, NodeIP, PodNetwork, ...). */
  create(scope: DependencyContainer, options: { hostFs: FileSystem }): NodeRuntime;
}

/** Container runtimes, by name (`containerd`, `docker`). A node picks one (default: containerd). */
export const ContainerRuntimes = extensionPoint<ContainerRuntimeFactory>("container-runtimes", "a CRI container runtime (RuntimeService + ImageService)");

/** The node's runtime, once its kubelet started it (node scope). */
export const NodeRuntimeToken = token<NodeRuntime>("NodeRuntime");
