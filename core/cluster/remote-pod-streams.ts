import { request as httpsRequest } from "node:https";
import { EventEmitter } from "eventemitter3";
import { WebSocket } from "ws";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { badRequest, internalError, StatusError } from "../api/status.js";
import type { Client } from "../client/client.js";
import { logsUnavailable, requestedContainer, streamingUnavailable, type PodExecSession, type PodLogStream, type PodPortForward, type PodStreams } from "../apiserver/http/pod-streams.js";
import { EXEC_PROTOCOLS } from "../apiserver/http/exec-stream.js";
import type { Connection, ConnectionEvents } from "../net/sockets.js";
import { KUBELET_SERVER_ANNOTATION } from "./kubelet-stream-server.js";

/** The client certificate the API server presents to kubelets (`--kubelet-client-certificate`/`--kubelet-client-key`). */
export type KubeletClientCertificate = () => Promise<{ certPem: string; keyPem: string } | undefined>;

export interface RoutedPodStreamsOptions {
  client: Client;
  /** The kubelets of this process (the kubelet plugin's streams), if any. */
  local: PodStreams | undefined;
  clientCertificate: KubeletClientCertificate;
}

/** How long port-forward waits for the kubelet to report a failed connect before calling it open (the channel protocol has no success signal). */
const CONNECT_GRACE_MS = 100;


/** A kubelet's non-2xx answer as the StatusError it carries (or a 500 with its text). */
function kubeletError(code: number, text: string): StatusError {
  try {
    const status = JSON.parse(text) as { kind?: string };
    if (status.kind === "Status") return StatusError.fromStatus(status as never);
  } catch {
    /* not a Status */
  }
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: text.trim() || `the kubelet answered ${code}`, reason: code === 404 ? "NotFound" : "InternalError", code: code >= 400 ? code : 500 });
}

function dialError(url: string, err: unknown): StatusError {
  return internalError(`error dialing backend: ${url}: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * The pods' streaming subresources (logs, exec, attach, port-forward) wherever their kubelet runs:
 * a pod on a node whose kubelet published a server ({@link KUBELET_SERVER_ANNOTATION}, a kubelet
 * in a process of its own) is served from that server over HTTPS with the API server's kubelet
 * client certificate, as kube-apiserver proxies to the kubelet's :10250; every other pod by the
 * kubelets of this process.
 */
export function routedPodStreams(options: RoutedPodStreamsOptions): PodStreams {
  const { client, local } = options;
  /** The pod and, when its node's kubelet runs elsewhere, that kubelet's server URL. */
  const locate = async (namespace: string, name: string): Promise<{ pod: Pod; url?: string }> => {
    const pod = await client.resource<Pod>("Pod").get(name, { namespace });
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return { pod };
    const node = await client.resource<Node>("Node").get(nodeName).catch(() => undefined);
    const url = node?.metadata?.annotations?.[KUBELET_SERVER_ANNOTATION];
    return url ? { pod, url } : { pod };
  };
  const tls = async (): Promise<{ cert: string; key: string; rejectUnauthorized: false }> => {
    const cert = await options.clientCertificate();
    if (!cert) throw internalError("the API server has no kubelet client certificate (it is issued from the CA key in the state dir): cannot reach kubelets in other processes");
    // Like kube-apiserver without --kubelet-certificate-authority, the kubelet's self-signed serving certificate is not verified.
    return { cert: cert.certPem, key: cert.keyPem, rejectUnauthorized: false };
  };

  const logs: PodStreams["logs"] = async (namespace, name, query) => {
    const { pod, url } = await locate(namespace, name);
    if (!url) {
      if (!local) throw logsUnavailable(namespace, name);
      return local.logs(namespace, name, query);
    }
    const container = requestedContainer(pod, name, query.get("container") ?? undefined);
    const q = new URLSearchParams(query);
    q.delete("container");
    const target = `${url}/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${q.size ? `?${q}` : ""}`;
    const options = await tls();
    const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(target, { method: "GET", ...options }, resolve);
      req.on("error", (err) => reject(dialError(url, err)));
      req.end();
    });
    if (res.statusCode !== 200 || query.get("follow") !== "true") {
      let text = "";
      res.setEncoding("utf8");
      for await (const chunk of res) text += chunk as string;
      if (res.statusCode !== 200) throw kubeletError(res.statusCode ?? 500, text);
      return text;
    }
    const stream: PodLogStream = {
      text: "",
      follow: (write, signal) =>
        new Promise<void>((resolve) => {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => write(chunk));
          res.on("end", resolve);
          res.on("error", () => resolve());
          res.on("close", resolve);
          signal.addEventListener("abort", () => {
            res.destroy();
            resolve();
          });
        }),
    };
    return stream;
  };

  const exec: NonNullable<PodStreams["exec"]> = async (namespace, name, request) => {
    const { pod, url } = await locate(namespace, name);
    if (!url) {
      if (!local?.exec) throw streamingUnavailable(request.command ? "exec" : "attach", namespace, name);
      return local.exec(namespace, name, request);
    }
    const container = requestedContainer(pod, name, request.container);
    const q = new URLSearchParams();
    for (const c of request.command ?? []) q.append("command", c);
    if (request.stdin) q.set("input", "1");
    q.set("output", "1");
    if (!request.tty) q.set("error", "1");
    if (request.tty) q.set("tty", "1");
    const verb = request.command ? "exec" : "attach";
    const ws = await openWebSocket(`${url.replace(/^http/, "ws")}/${verb}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${q}`, [...EXEC_PROTOCOLS], await tls(), url);
    return remoteExecSession(ws);
  };

  const portForward: NonNullable<PodStreams["portForward"]> = async (namespace, name) => {
    const { pod, url } = await locate(namespace, name);
    if (!url) {
      if (!local?.portForward) throw streamingUnavailable("portforward", namespace, name);
      return local.portForward(namespace, name);
    }
    const options = await tls();
    const forward: { -readonly [K in keyof PodPortForward]: PodPortForward[K] } = {
      podName: name,
      uid: pod.metadata?.uid ?? "",
      connect: async (port) => {
        const ws = await openWebSocket(`${url.replace(/^http/, "ws")}/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}?port=${port}`, ["v4.channel.k8s.io"], options, url);
        return remoteConnection(ws, pod.status?.podIP ?? "", port, (podName, uid) => {
          forward.podName = podName;
          forward.uid = uid;
        });
      },
    };
    return forward;
  };

  return { logs, exec, portForward };
}

/** Opens a WebSocket to a kubelet; a refusal becomes the StatusError it answered with. */
function openWebSocket(target: string, protocols: string[], tls: { cert: string; key: string; rejectUnauthorized: false }, url: string): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(target, protocols, { ...tls, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => reject(kubeletError(res.statusCode ?? 500, text)));
      res.on("error", () => reject(kubeletError(res.statusCode ?? 500, text)));
    });
    ws.once("error", (err) => reject(dialError(url, err)));
  });
}

function frames(raw: Buffer | ArrayBuffer | Buffer[]): Buffer {
  return Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
}

/** An exec/attach session relayed over the kubelet's channel protocol (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close). */
function remoteExecSession(ws: WebSocket): PodExecSession {
  const outputs: [((d: string) => void) | undefined, ((d: string) => void) | undefined] = [undefined, undefined];
  const pending: [string[], string[]] = [[], []];
  let code: number | undefined;
  const emit = (i: 0 | 1, data: string): void => {
    const fn = outputs[i];
    if (fn) fn(data);
    else pending[i].push(data);
  };
  const listen = (i: 0 | 1, fn: (d: string) => void): void => {
    outputs[i] = fn;
    for (const d of pending[i].splice(0)) fn(d);
  };
  const send = (channel: number, data: Buffer): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = frames(raw);
    if (buf.length === 0) return;
    const body = buf.subarray(1).toString("utf8");
    if (buf[0] === 1) emit(0, body);
    else if (buf[0] === 2) emit(1, body);
    else if (buf[0] === 3) {
      try {
        const status = JSON.parse(body) as { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
        if (status.status === "Success") code = 0;
        else {
          const exit = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
          code = exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : 1;
          if (status.reason !== "NonZeroExitCode" && status.message) emit(1, status.message + "\n");
        }
      } catch {
        code = 1;
      }
    }
  });
  ws.on("error", () => undefined);
  const exit = new Promise<number>((resolve) => ws.once("close", () => resolve(code ?? 1)));
  return {
    write: (data) => send(0, Buffer.from(data)),
    closeStdin: () => send(255, Buffer.from([0])),
    onStdout: (fn) => listen(0, fn),
    onStderr: (fn) => listen(1, fn),
    resize: (width, height) => send(4, Buffer.from(JSON.stringify({ Width: width, Height: height }))),
    exit,
  };
}

/** What the kubelet's port-forward error names: the pod (its sandbox for CRI runtimes), its uid, and the cause. */
const FORWARD_ERROR = /^error forwarding port \d+ to pod (\S*), uid (\S*): ([\s\S]*)$/;

/**
 * One forwarded connection over the kubelet's WebSocket port-forward (channel 0 data, 1 errors,
 * each opened by the port as two little-endian bytes). It counts as connected once no error has
 * come for {@link CONNECT_GRACE_MS}; the channel protocol cannot half-close, so `end` waits for
 * the pod's side to close.
 */
function remoteConnection(ws: WebSocket, podIP: string, port: number, named: (podName: string, uid: string) => void): Promise<Connection> {
  class RemoteConnection extends EventEmitter<ConnectionEvents> implements Connection {
    readonly localAddress = "127.0.0.1";
    readonly localPort = 0;
    readonly remoteAddress = podIP;
    readonly remotePort = port;
    write(data: Uint8Array | string): void {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(data)]), { binary: true });
    }
    end(): void {
      /* the channel protocol has no half-close: the pod's side ends the connection */
    }
    destroy(): void {
      ws.terminate();
    }
  }
  const conn = new RemoteConnection();
  return new Promise<Connection>((resolve, reject) => {
    let state: "connecting" | "open" | "closed" = "connecting";
    // Data that comes before the caller has its listeners on (it adds them once the promise resolves).
    let early: Buffer[] | undefined = [];
    const headers = [false, false];
    const open = (): void => {
      if (state !== "connecting") return;
      state = "open";
      clearTimeout(timer);
      resolve(conn);
      setImmediate(() => {
        const queued = early ?? [];
        early = undefined;
        for (const b of queued) conn.emit("data", b);
      });
    };
    const timer = setTimeout(open, CONNECT_GRACE_MS);
    ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = frames(raw);
      const channel = buf[0];
      if (channel !== 0 && channel !== 1) return;
      if (!headers[channel]) {
        headers[channel] = true;
        return;
      }
      const body = buf.subarray(1);
      if (channel === 1) {
        const text = body.toString("utf8");
        const m = FORWARD_ERROR.exec(text);
        if (m) named(m[1]!, m[2]!);
        if (state === "connecting") {
          state = "closed";
          clearTimeout(timer);
          reject(new Error(m ? m[3]! : text));
          ws.close(1000);
        }
        return;
      }
      if (early) early.push(body);
      else conn.emit("data", body);
      open();
    });
    ws.on("error", () => undefined);
    ws.on("close", () => {
      if (state === "connecting") {
        clearTimeout(timer);
        state = "closed";
        reject(new Error("the kubelet closed the connection"));
        return;
      }
      setImmediate(() => {
        conn.emit("end");
        conn.emit("close");
      });
    });
  });
}
