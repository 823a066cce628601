import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import { pinnedObjectName } from "../../api/selectors/field-selector.js";
import { tooManyRequests, unauthorized } from "../../api/status.js";
import type { Clock } from "../../clock/clock.js";
import type { Random } from "../../clock/random.js";
import type { Logger } from "../../log/logger.js";
import type { UserInfo } from "../admission.js";
import type { ApiServerApi, RequestContext } from "../api-server-contract.js";
import { bearerToken, loadOrCreateAdminToken, newAdminToken, staticTokenAuthenticator, type TokenAuthenticator } from "./authentication.js";
import { allowAllAuthorizer, forbiddenFor, type AuthorizationAttributes, type Authorizer } from "./authorization.js";
import { NonResourceEndpoints, pathNotFound } from "./discovery-endpoints.js";
import { RemoteApiServices } from "../aggregator/remote-api-services.js";
import type { AggregatedApi } from "../aggregator/aggregated-api.js";
import type { ProxiedRequest } from "../aggregator/service-transport.js";
import { DEFAULT_IN_FLIGHT_LIMITS, InFlightLimiter, type InFlightLimits } from "./in-flight-limiter.js";
import { refuseUpgrade, streamingUnavailable, type PodExecSource, type PodLogSource, type PodPortForwardSource } from "./pod-streams.js";
import { portForwardTransport, requestedPorts, servePortForward } from "./portforward-stream.js";
import { execRequestOf, negotiateExecProtocol, queryFlag, serveExecWebSocket } from "./exec-stream.js";
import { negotiateSpdyExecProtocol, serveExecSpdy } from "./exec-spdy.js";
import { MAX_REQUEST_BODY_BYTES, readBody } from "./request-body.js";
import { ResourceHandler, verbOf } from "./resource-handler.js";
import { resolveRoute, type Route } from "./request-route.js";
import { asStatusError, sendError, sendJsonText } from "./responses.js";
import { checkInsecureHost, INSECURE_SUPERUSER } from "./insecure-http.js";
import { impersonatedUser } from "./impersonation.js";
import { loadOrCreateServingCertificates } from "./tls.js";
import { clientCertificateUser } from "./client-certificates.js";
import { ActiveWatches } from "./watch-stream.js";
import { proxyRouteOf, type ApiServerProxy, type ProxyRoute } from "./proxy-route.js";
import { bodilessStatus } from "../../cri/http.js";
import type { ApiServerMetrics, RequestSeries } from "../metrics/api-server-metrics.js";
import { metricsVerb } from "../metrics/api-server-metrics.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../../metrics/metrics-registry.js";

export interface HttpServerOptions {
  apiServer: ApiServerApi;
  /** Defaults to `apiServer.registry`. */
  registry?: ResourceRegistry;
  /** Ages in Tables and the API server's own timers use it. */
  clock: Clock;
  log: Logger;
  /** Listen address (default 127.0.0.1: reachable from this machine only). */
  host?: string;
  /** Port (default 6443; 0 = an ephemeral port). */
  port?: number;
  /** Where the CA, serving certificate and admin token are kept. Required unless `insecureHttp` and `token` are given. */
  stateDir?: string;
  /**
   * Serve plain HTTP instead of HTTPS (explicit opt-in). kubectl sends no token over plain HTTP, so
   * requests without one are served as {@link INSECURE_SUPERUSER}; a non-loopback `host` is refused
   * unless `insecureAllowRemote`.
   */
  insecureHttp?: boolean;
  /** With `insecureHttp`: allow a non-loopback `host` (whoever reaches it is cluster admin). */
  insecureAllowRemote?: boolean;
  /** The admin bearer token (default: `stateDir/admin-token`, created on first start). */
  token?: string;
  /** Authenticates bearer tokens (default: the admin token only). */
  authenticator?: TokenAuthenticator;
  /** Further bearer token authenticators tried in order when `authenticator` does not know a token (service account tokens). */
  authenticators?: readonly TokenAuthenticator[];
  /** Decides what authenticated users may do (default: everything). */
  authorizer?: Authorizer;
  /** Requests in flight beyond which the server answers 429 (default 400 read-only, 200 mutating). */
  maxInFlight?: Partial<InFlightLimits>;
  /** Request body limit (default 3 MiB). */
  maxBodyBytes?: number;
  /**
   * Watch timeout (seconds) when a client gives no `timeoutSeconds` (default: random between
   * 1800 and 3600, as kube-apiserver's `--min-request-timeout` spreads watches).
   */
  defaultWatchTimeoutSeconds?: number;
  /** Jitter for the default watch timeout (default Math.random). */
  random?: Random;
  /** Extra names and IPs for the serving certificate. */
  tlsDnsNames?: readonly string[];
  tlsIpAddresses?: readonly string[];
  /** Serves `pods/log` once a container runtime exists. */
  podLogs?: PodLogSource;
  /**
   * kubesim's own non-resource endpoints (`/kubesim/v1/...`: node exec, trace), tried for paths the
   * Kubernetes API does not know, after authentication and non-resource authorization. Returns
   * undefined when the path is not one of them.
   */
  extraEndpoints?: ExtraEndpoints;
  /** Serves `pods/exec` and `pods/attach` (WebSocket channel protocols) once kubelets run pods. */
  podExec?: PodExecSource;
  /** Serves `pods/portforward` (SPDY, SPDY tunnelled in WebSocket, WebSocket channels) once kubelets run pods. */
  podPortForward?: PodPortForwardSource;
  /**
   * The API server's metrics: requests are counted and timed in it, and `GET /metrics` (a
   * non-resource URL, authorized as such) serves its exposition text. Absent: no /metrics.
   */
  metrics?: ApiServerMetrics;
  /**
   * Serves the proxy subresources (`nodes/proxy`, `pods/proxy`, `services/proxy`), authorized as
   * those subresources with the request's verb. Absent: they are not found.
   */
  proxy?: ApiServerProxy;
  /** The aggregation layer's proxy to APIServices' Services (default: none reachable, 503). */
  aggregated?: AggregatedApi;
}

/** See {@link HttpServerOptions.extraEndpoints}: a JSON request body in, a status code and JSON body out. */
export type ExtraEndpoints = (method: string, pathname: string, body: string) => Promise<{ code: number; body: unknown } | undefined>;

/** A running HTTP API server. */
export interface HttpServerHandle {
  /** `https://127.0.0.1:6443` (or `http://...`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The admin bearer token. */
  readonly token: string;
  /** The cluster CA (PEM) clients must trust; undefined for plain HTTP. */
  readonly caData: string | undefined;
  /** That CA's private key (PEM), for the cluster's certificate signers; undefined for plain HTTP. */
  readonly caKeyData: string | undefined;
  /** Watches being served right now. */
  activeWatches(): number;
  /** Stops accepting connections, ends every watch and closes every socket; idempotent. */
  close(): Promise<void>;
}

/** The request as the aggregation layer forwards it: method, path and query, content headers, body. */
function proxied(req: IncomingMessage, url: string, method: string, body: string): ProxiedRequest {
  const headers: Record<string, string> = {};
  for (const name of ["accept", "content-type", "user-agent"]) {
    const v = req.headers[name];
    if (typeof v === "string") headers[name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())] = v;
  }
  return { method, path: url, headers, ...(body ? { body } : {}) };
}

const PUBLIC_ROUTES = new Set<Route["kind"]>(["version", "health"]);

/** The verb a proxied request is authorized with (kube-apiserver's for the proxy subresources). */
const PROXY_VERBS: Readonly<Record<string, string>> = { GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "proxy-authorization", "proxy-authenticate"]);
const ANONYMOUS: UserInfo = Object.freeze({ username: "system:anonymous", groups: Object.freeze(["system:unauthenticated"]) });

/**
 * Serves the Kubernetes REST API of `apiServer` over HTTPS (or HTTP when asked): resources and
 * subresources with every verb including watch, discovery, OpenAPI and health. Requests carry a
 * client certificate the cluster CA signed (CN the user, O the groups) or a bearer token the
 * authenticators know (401 otherwise; `/version` and the health checks are also open to anonymous
 * callers, as kube-apiserver's public-info role allows; over plain HTTP a request without a token
 * is the insecure superuser's); bodies over the limit get 413; requests
 * in flight beyond the bounds get 429 with Retry-After. Errors are always `Status` objects.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const registry = options.registry ?? options.apiServer.registry;
  const host = options.host ?? "127.0.0.1";
  const log = options.log;
  if (options.insecureHttp) checkInsecureHost(host, options.insecureAllowRemote === true);
  if (!options.insecureHttp && !options.stateDir) throw new Error("startHttpServer: stateDir is required for HTTPS (the CA and serving certificate are kept there)");
  const token = options.token ?? (options.stateDir ? loadOrCreateAdminToken(options.stateDir) : newAdminToken());
  const authenticator = options.authenticator ?? staticTokenAuthenticator(token);
  const authorizer = options.authorizer ?? allowAllAuthorizer;
  const limiter = new InFlightLimiter({ ...DEFAULT_IN_FLIGHT_LIMITS, ...options.maxInFlight });
  const active = new ActiveWatches();
  const random = options.random;
  const metrics = options.metrics;
  const now = (): number => options.clock.now();
  const untrackInflight = metrics?.addInflightSource(() => limiter.inFlight);
  let address = `${host}:${options.port ?? 6443}`;
  const endpoints = new NonResourceEndpoints(registry, () => address, new RemoteApiServices(options.apiServer), options.aggregated);
  const resources = new ResourceHandler({
    apiServer: options.apiServer,
    now: () => options.clock.now(),
    active,
    maxBodyBytes: options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES,
    defaultWatchTimeoutSeconds: () => options.defaultWatchTimeoutSeconds ?? Math.floor(1800 * (1 + (random ? random.next() : Math.random()))),
    ...(options.podLogs ? { podLogs: options.podLogs } : {}),
    ...(metrics
      ? {
          watchObserver: (type, namespace) => {
            const events = metrics.watchObserver(type);
            const series = metrics.resourceRequest(type, "WATCH", undefined, namespace ? "namespace" : "cluster", false);
            return {
              event: events.event,
              started: () => {
                series.longRunning.inc();
                return () => series.longRunning.dec();
              },
            };
          },
        }
      : {}),
  });

  const authenticators = [authenticator, ...(options.authenticators ?? [])];
  const authenticate = async (req: IncomingMessage, route: Route): Promise<UserInfo> => {
    // kube-apiserver's union authenticator: client certificates first, then bearer tokens.
    const certUser = clientCertificateUser(req);
    if (certUser) return certUser;
    const t = bearerToken(req);
    let user: UserInfo | undefined;
    for (const a of t ? authenticators : []) if ((user = await a.authenticate(t!))) break;
    if (!user && !t && options.insecureHttp) user = INSECURE_SUPERUSER;
    // `kubectl --as`: the request runs as another user once the impersonate checks pass.
    if (user) return impersonatedUser(req, user, authorize);
    if (!t && PUBLIC_ROUTES.has(route.kind)) return ANONYMOUS;
    throw unauthorized();
  };

  const authorize = async (attributes: AuthorizationAttributes): Promise<void> => {
    if (attributes.user === ANONYMOUS) return; // only public routes get here anonymously
    const decision = await authorizer.authorize(attributes);
    if (!decision.allowed) throw forbiddenFor(attributes, decision.reason);
  };

  /** The request's metrics series, once its route is known (set by `handle`). */
  interface Tracking {
    series: RequestSeries | undefined;
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, tracking: Tracking): Promise<void> => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    const proxyRoute = options.proxy ? proxyRouteOf(pathname) : undefined;
    if (proxyRoute) return serveProxy(req, res, proxyRoute, q < 0 ? "" : url.slice(q), tracking);
    const route = resolveRoute(pathname, registry);
    const user = await authenticate(req, route);
    const method = req.method ?? "GET";
    if (route.kind !== "resource") {
      if (metrics) tracking.series = metrics.nonResourceRequest(method === "HEAD" ? "GET" : method);
      await authorize({ user, verb: method.toLowerCase(), isResourceRequest: false, path: pathname });
      if (metrics && pathname === "/metrics" && (method === "GET" || method === "HEAD")) {
        const text = await metrics.scrape();
        res.writeHead(200, { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE, "Content-Length": Buffer.byteLength(text) });
        res.end(method === "HEAD" ? undefined : text);
        return;
      }
      if (route.kind === "unknown") {
        // The body is read once: kubesim's endpoints and the aggregation layer's proxy share it.
        const body = method === "POST" || method === "PUT" || method === "PATCH" ? await readBody(req, options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES) : "";
        if (options.extraEndpoints) {
          const answer = await options.extraEndpoints(method, pathname, method === "POST" ? body : "");
          if (answer) return sendJsonText(res, answer.code, JSON.stringify(answer.body));
        }
        const s = pathname.split("/");
        if (s[1] === "apis" && s.length > 4 && (await endpoints.serveRemote(res, s[2]!, s[3]!, proxied(req, url, method, body), user))) return;
        throw pathNotFound();
      }
      if (method !== "GET" && method !== "HEAD") throw pathNotFound();
      await endpoints.serve(res, route, req.headers.accept, query, route.kind === "discovery-resources" ? proxied(req, url, method, "") : undefined, user);
      return;
    }
    const verb = verbOf(method, route, query);
    const d = route.type.descriptor;
    if (metrics) {
      const scope = route.name !== undefined ? "resource" : route.namespace !== undefined ? "namespace" : "cluster";
      const apply = verb === "patch" && (req.headers["content-type"] ?? "").startsWith("application/apply-patch");
      tracking.series = metrics.resourceRequest(route.type, metricsVerb(verb, apply), route.subresource, scope, query.get("dryRun") === "All");
    }
    // A list or watch of one object (`fieldSelector=metadata.name=x`) is authorized by that name, as kube-apiserver's RequestInfo does.
    const name = route.name ?? ((verb === "list" || verb === "watch") ? pinnedObjectName(query.get("fieldSelector")) : undefined);
    await authorize({
      user, verb, isResourceRequest: true, path: pathname, apiGroup: d.group, apiVersion: d.version, resource: d.plural,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(name ? { name } : {}),
    });
    const ctx: RequestContext = { user };
    if (verb === "watch") return resources.handle(req, res, route, query, verb, ctx);
    const release = limiter.tryAcquire(verb !== "get" && verb !== "list");
    if (!release) throw tooManyRequests("Too many requests, please try again later.", 1);
    try {
      await resources.handle(req, res, route, query, verb, ctx);
    } finally {
      release();
    }
  };

  /** A proxy subresource: authorized as `<resource>/proxy` with the method's verb, relayed by `options.proxy`. */
  const serveProxy = async (req: IncomingMessage, res: ServerResponse, route: ProxyRoute, search: string, tracking: Tracking): Promise<void> => {
    const type = registry.byGroupVersionResource("", "v1", route.resource);
    if (!type) throw pathNotFound();
    if (metrics) tracking.series = metrics.resourceRequest(type, "CONNECT", "proxy", "resource", false);
    const user = await authenticate(req, { kind: "unknown" });
    const method = req.method ?? "GET";
    const verb = PROXY_VERBS[method] ?? method.toLowerCase();
    await authorize({ user, verb, isResourceRequest: true, path: req.url ?? "/", apiGroup: "", apiVersion: "v1", resource: route.resource, subresource: "proxy", name: route.name, ...(route.namespace ? { namespace: route.namespace } : {}) });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !HOP_BY_HOP.has(k) && k !== "authorization" && k !== "host") headers[k] = v;
    const body = method === "GET" || method === "HEAD" ? "" : await readBody(req, options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES);
    const answer = await options.proxy!(route, { method, target: route.path + search, headers, body });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k.toLowerCase()) && k.toLowerCase() !== "content-length") out[k] = v;
    // The target's answer to HEAD has no body: its Content-Length is passed on (none when it sent none), as Go's proxy does.
    const length = method === "HEAD" ? answer.headers["content-length"] : String(Buffer.byteLength(answer.body));
    if (length !== undefined && !bodilessStatus(answer.status)) out["Content-Length"] = length;
    res.writeHead(answer.status, out);
    res.end(method === "HEAD" ? undefined : answer.body);
  };

  /** Serves one request and, with metrics, counts and times it in its series once answered (no extra promise or closure per request). */
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const tracking: Tracking = { series: undefined };
    const started = metrics ? now() : 0;
    try {
      await handle(req, res, tracking);
    } catch (err) {
      const status = asStatusError(err);
      if (status.code >= 500) log.error("request failed", { method: req.method, url: req.url, error: err });
      if (req.readableEnded || req.readableLength === 0) sendError(res, status);
      else {
        req.resume();
        sendError(res, status);
      }
    }
    if (tracking.series) tracking.series.done(res.statusCode, (now() - started) / 1000);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => void serve(req, res);

  /** exec/attach/portforward ask to upgrade (websocket, SPDY): answer with a Status, never hang. */
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => undefined); // a client gone mid-upgrade is not the server's failure
    const refuse = (err: unknown): void => {
      const status = asStatusError(err);
      refuseUpgrade(socket, status.code, status.status);
    };
    const upgrade = async (): Promise<void> => {
      const [path, search = ""] = (req.url ?? "/").split("?");
      const route = resolveRoute(path!, registry);
      const user = await authenticate(req, route);
      if (route.kind !== "resource" || !route.subresource) throw pathNotFound();
      const sub = route.subresource;
      const d = route.type.descriptor;
      // Streaming subresources are authorized as `create` (as kube-apiserver does for their upgrades).
      await authorize({ user, verb: "create", isResourceRequest: true, path: path!, apiGroup: d.group, apiVersion: d.version, resource: d.plural, subresource: sub, ...(route.namespace ? { namespace: route.namespace } : {}), ...(route.name ? { name: route.name } : {}) });
      const query = new URLSearchParams(search);
      const spdyExec = negotiateSpdyExecProtocol(req);
      if ((sub === "exec" || sub === "attach") && options.podExec && (negotiateExecProtocol(req) || spdyExec)) {
        const request = execRequestOf(query, sub === "attach");
        const session = await options.podExec(route.namespace ?? "", route.name ?? "", request);
        if (spdyExec) serveExecSpdy(socket, head, session, request.command, { stdin: request.stdin, stdout: queryFlag(query, "stdout"), stderr: queryFlag(query, "stderr"), tty: request.tty }, spdyExec);
        else serveExecWebSocket(req, socket, head, session, request.command);
        return;
      }
      const transport = sub === "portforward" ? portForwardTransport(req) : undefined;
      if (transport && options.podPortForward) {
        if (transport === "channels") requestedPorts(query);
        const forward = await options.podPortForward(route.namespace ?? "", route.name ?? "");
        servePortForward(req, socket, head, forward, query);
        return;
      }
      throw streamingUnavailable(sub, route.namespace ?? "", route.name ?? "");
    };
    upgrade().catch(refuse);
  };

  let server: Server;
  let caData: string | undefined;
  let caKeyData: string | undefined;
  if (options.insecureHttp) {
    server = createHttpServer({ keepAlive: true, noDelay: true }, onRequest);
  } else {
    const certs = await loadOrCreateServingCertificates(options.stateDir!, {
      ...(options.tlsDnsNames ? { dnsNames: options.tlsDnsNames } : {}),
      ipAddresses: [...(options.tlsIpAddresses ?? []), ...(host !== "0.0.0.0" && host !== "::" ? [host] : [])],
    });
    caData = certs.caCertPem;
    caKeyData = certs.caKeyPem;
    // Client certificates are asked for, not required; those the cluster CA signed authenticate (--client-ca-file).
    server = createHttpsServer({ key: certs.keyPem, cert: certs.certPem, ca: certs.caCertPem, requestCert: true, rejectUnauthorized: false, keepAlive: true, noDelay: true }, onRequest);
  }
  server.keepAliveTimeout = 90_000;
  server.headersTimeout = 95_000;
  server.on("upgrade", onUpgrade);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 6443, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `${options.insecureHttp ? "http" : "https"}://${urlHost}:${port}`;
  log.info("serving the Kubernetes API", { url });
  if (options.insecureHttp) log.warn(`serving plain HTTP: requests without credentials are served as cluster admin (${INSECURE_SUPERUSER.username}, system:masters)`, { url });

  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    token,
    caData,
    caKeyData,
    activeWatches: () => active.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        active.stopAll();
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        endpoints.dispose();
        untrackInflight?.();
      });
      return closing;
    },
  };
}
