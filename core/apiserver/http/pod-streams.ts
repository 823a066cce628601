import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Pod } from "kubernetes-types/core/v1.js";
import { badRequest } from "../../api/status.js";
import { token } from "../../di/token.js";
import type { Connection } from "../../net/sockets.js";

/**
 * The source of `pods/log`, contributed by a container runtime once one exists. Returns the log
 * text (kubectl's `--tail`, `--timestamps`, `-c` arrive as query parameters), or throws a
 * StatusError (a container that is not running, an unknown container). With `follow=true` it may
 * return a {@link PodLogStream} instead.
 */
export type PodLogSource = (namespace: string, name: string, query: URLSearchParams) => Promise<string | PodLogStream>;

/** A followed log: the text so far, then lines as they are written until the container ends or the client goes. */
export interface PodLogStream {
  readonly text: string;
  /** Calls `write` for each new chunk; resolves when the log ends. Stops early when `signal` aborts. */
  follow(write: (chunk: string) => void, signal: AbortSignal): Promise<void>;
}

/** One exec/attach session a kubelet serves: stdin in, stdout/stderr out, then the exit code. */
export interface PodExecSession {
  write(data: string): void;
  closeStdin(): void;
  onStdout(fn: (data: string) => void): void;
  onStderr(fn: (data: string) => void): void;
  resize?(width: number, height: number): void;
  readonly exit: Promise<number>;
}

/** Starts `command` (exec) or attaches (command undefined) in a pod's container; throws a StatusError when it cannot. */
export type PodExecSource = (namespace: string, name: string, request: { container?: string; command?: string[]; stdin: boolean; tty: boolean }) => Promise<PodExecSession>;

/** A pod's ports as the kubelet's port-forward reaches them: from inside the pod's network namespace. */
export interface PodPortForward {
  /** Opens a TCP connection to `port` on the pod's localhost; rejects with the runtime's message. */
  connect(port: number): Promise<Connection>;
  /** How the kubelet names the pod in forwarding errors (CRI runtimes: the sandbox ID, with an empty uid). */
  readonly podName: string;
  readonly uid: string;
}

/** Finds a running pod's port-forward target; throws a StatusError when the pod cannot be forwarded to. */
export type PodPortForwardSource = (namespace: string, name: string) => Promise<PodPortForward>;

/** What the node agents serve for pods' streaming subresources (the kubelet's API, reached through the API server). */
export interface PodStreams {
  logs: PodLogSource;
  exec?: PodExecSource;
  portForward?: PodPortForwardSource;
}

/** The cluster's pod streaming (cluster scope), provided by the kubelet plugin. */
export const PodStreams = token<PodStreams>("PodStreams");

/** The answer of `pods/log` while no runtime provides logs. */
export function logsUnavailable(namespace: string, name: string): Error {
  return badRequest(`logs are not available for pod "${name}" in namespace "${namespace}": no container runtime is running this pod yet (kubesim serves container logs once a runtime plugin runs the pod's containers)`);
}

/** The answer of exec, attach and portforward until a runtime streams them (never a hang). */
export function streamingUnavailable(subresource: string, namespace: string, name: string): Error {
  return badRequest(`${subresource} is not available for pod "${name}" in namespace "${namespace}": kubesim has no container runtime streaming server yet, so the pod has no running containers to ${subresource === "portforward" ? "forward ports to" : subresource + " to"}`);
}

/** Streaming subresources answered with a Status instead of an upgrade. */
export const STREAMING_SUBRESOURCES = new Set(["exec", "attach", "portforward"]);

/** Writes a Status as a plain HTTP/1.1 response on a socket that asked to upgrade (websocket or SPDY for exec), then closes it. */
export function refuseUpgrade(socket: Duplex, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  const reason = STATUS_CODES[code] ?? "Error";
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/**
 * The container a logs/exec/attach request means, as the API server picks it: the one named
 * (a container, init container or ephemeral container of the pod), else the pod's only
 * container; a BadRequest with upstream's wording otherwise.
 */
export function requestedContainer(pod: Pod, podName: string, container: string | undefined): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const initNames = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeralNames = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (!container) {
    if (names.length === 1) return names[0]!;
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]${initNames.length ? ` or one of the init containers: [${initNames.join(" ")}]` : ""}${ephemeralNames.length ? ` or one of the ephemeral containers: [${ephemeralNames.join(" ")}]` : ""}`);
  }
  if (!names.includes(container) && !initNames.includes(container) && !ephemeralNames.includes(container)) throw badRequest(`container ${container} is not valid for pod ${podName}`);
  return container;
}
