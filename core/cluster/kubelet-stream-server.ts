import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { badRequest, StatusError, unauthorized } from "../api/status.js";
import { refuseUpgrade, type PodStreams } from "../apiserver/http/pod-streams.js";
import { negotiateExecProtocol, queryFlag, serveExecWebSocket } from "../apiserver/http/exec-stream.js";
import { negotiateSpdyExecProtocol, serveExecSpdy } from "../apiserver/http/exec-spdy.js";
import { portForwardTransport, requestedPorts, servePortForward } from "../apiserver/http/portforward-stream.js";
import { asStatusError, sendError } from "../apiserver/http/responses.js";
import { selfSignedCertificate } from "../apiserver/http/tls.js";
import type { Logger } from "../log/logger.js";

/**
 * The Node annotation where a kubelet running in a process of its own publishes its streaming
 * server (`https://127.0.0.1:41234`): the API server of another process serves `pods/log`,
 * `exec`, `attach` and `portforward` for the node's pods from there. (A real API server dials the
 * node's InternalIP at `status.daemonEndpoints.kubeletEndpoint.Port`; in kubesim the InternalIP is
 * an address of the simulated network, so the host address is published beside it.)
 */
export const KUBELET_SERVER_ANNOTATION = "kubesim.io/kubelet-server";

export interface KubeletStreamServerOptions {
  streams: PodStreams;
  nodeName: string;
  /** Listen address (`--address`, default 127.0.0.1). */
  host?: string;
  /** Listen port (`--port`; 0 picks a free one). */
  port: number;
  /**
   * The CA that signs the API server's client certificate (kubelet `--client-ca-file`; default the
   * kubeconfig's CA). Without one every request is refused (anonymous access is off).
   */
  clientCaPem: string | undefined;
  log: Logger;
}

export interface KubeletStreamServer {
  /** `https://host:port`, what {@link KUBELET_SERVER_ANNOTATION} holds. */
  readonly url: string;
  close(): Promise<void>;
}

interface KubeletRoute {
  verb: "containerLogs" | "exec" | "attach" | "portForward";
  namespace: string;
  pod: string;
  container?: string;
}

/** `/containerLogs/{ns}/{pod}/{container}`, `/exec|attach/{ns}/{pod}[/{uid}]/{container}`, `/portForward/{ns}/{pod}[/{uid}]`: the kubelet's streaming paths. */
function routeOf(path: string): KubeletRoute | undefined {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [verb, namespace, pod] = parts;
  if (!namespace || !pod) return undefined;
  switch (verb) {
    case "containerLogs":
      return parts.length === 4 ? { verb, namespace, pod, container: parts[3]! } : undefined;
    case "exec":
    case "attach":
      return parts.length === 4 || parts.length === 5 ? { verb, namespace, pod, container: parts[parts.length - 1]! } : undefined;
    case "portForward":
      return parts.length === 3 || parts.length === 4 ? { verb, namespace, pod } : undefined;
    default:
      return undefined;
  }
}

/** The kubelet's x509 authentication: a client certificate the client CA signed (anonymous requests are refused). */
function authenticated(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).authorized === true;
}

/**
 * The kubelet's server (port 10250) for the pods of a node in a process of its own: container
 * logs, exec, attach and port-forward of `streams`, over HTTPS with a self-signed serving
 * certificate (the kubelet's default without `--tls-cert-file`) and x509 client authentication
 * against the client CA, as the API server reaches it with its kubelet client certificate.
 */
export async function startKubeletStreamServer(options: KubeletStreamServerOptions): Promise<KubeletStreamServer> {
  const { streams } = options;
  const serving = await selfSignedCertificate(`${options.nodeName}@${Math.floor(Date.now() / 1000)}`, [options.nodeName, "localhost"]);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const serve = async (): Promise<void> => {
      if (!authenticated(req)) throw unauthorized();
      const [path, search = ""] = (req.url ?? "/").split("?");
      const route = routeOf(path!);
      if (!route || route.verb !== "containerLogs") throw new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "404 page not found", reason: "NotFound", code: 404 });
      if (req.method !== "GET") throw new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `method ${req.method} is not allowed`, reason: "MethodNotAllowed", code: 405 });
      const query = new URLSearchParams(search);
      query.set("container", route.container!);
      const log = await streams.logs(route.namespace, route.pod, query);
      res.writeHead(200, { "Content-Type": "text/plain" });
      if (typeof log === "string") {
        res.end(log);
        return;
      }
      res.write(log.text);
      const stop = new AbortController();
      res.on("close", () => stop.abort());
      await log.follow((chunk) => void res.write(chunk), stop.signal);
      res.end();
    };
    serve().catch((err: unknown) => {
      if (res.headersSent) res.end();
      else sendError(res, err);
    });
  };
  const upgraded = new Set<Duplex>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => undefined);
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    const serve = async (): Promise<void> => {
      if (!authenticated(req)) throw unauthorized();
      const [path, search = ""] = (req.url ?? "/").split("?");
      const route = routeOf(path!);
      const query = new URLSearchParams(search);
      const spdyExec = negotiateSpdyExecProtocol(req);
      if (route && (route.verb === "exec" || route.verb === "attach") && (negotiateExecProtocol(req) || spdyExec) && streams.exec) {
        const command = route.verb === "exec" ? query.getAll("command") : undefined;
        const session = await streams.exec(route.namespace, route.pod, { container: route.container!, ...(command ? { command } : {}), stdin: queryFlag(query, "input"), tty: queryFlag(query, "tty") });
        if (spdyExec) serveExecSpdy(socket, head, session, command, { stdin: queryFlag(query, "input"), stdout: queryFlag(query, "output"), stderr: queryFlag(query, "error"), tty: queryFlag(query, "tty") }, spdyExec);
        else serveExecWebSocket(req, socket, head, session, command);
        return;
      }
      if (route?.verb === "portForward" && portForwardTransport(req) && streams.portForward) {
        if (portForwardTransport(req) === "channels") requestedPorts(query);
        servePortForward(req, socket, head, await streams.portForward(route.namespace, route.pod), query);
        return;
      }
      throw badRequest(`${route?.verb ?? "this path"} cannot be upgraded here`);
    };
    serve().catch((err: unknown) => {
      const status = asStatusError(err);
      refuseUpgrade(socket, status.code, status.status);
    });
  };
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem, requestCert: true, rejectUnauthorized: false, ...(options.clientCaPem ? { ca: options.clientCaPem } : {}) }, onRequest);
  server.on("upgrade", onUpgrade);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.log.info("serving the kubelet API", { url: `https://${host}:${port}` });
  return {
    url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }),
  };
}
