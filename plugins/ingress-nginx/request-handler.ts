import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { canonicalHeaderKey, HttpTimeoutError, type HttpResponse } from "../../core/cri/http.js";
import { UpstreamClosedError, UpstreamPool, UpstreamTlsError } from "./upstream-pool.js";
import { collectBody, GrpcUpstreamError, GrpcUpstreamPool, tapBody, type BodyStream } from "./grpc-upstream.js";
import { ClientClosedRequestError, limitBody, RequestBodyTooLargeError } from "./request-body.js";
import { NetError, type NetworkStack } from "../../core/net/sockets.js";
import type { Clock } from "../../core/clock/clock.js";
import { clfTime, nginxErrorTime } from "../images/index.js";
import { inRanges } from "./annotations.js";
import { findGatewayMatch, modifyPath, type CompiledMatch, type GatewayRoutes } from "./gateway/gateway-routes.js";
import type { HTTPHeaderFilter, HTTPRouteFilter } from "./gateway/types.js";
import { findLocation, findServer, upstreamName, type Location, type RoutingModel, type ServiceBackend } from "./routing-model.js";
import type { IngressControllerMetrics } from "./controller-metrics.js";
import { EwmaBalancer } from "./ewma-balancer.js";
import { headerLinesLength, secondsText } from "./access-log.js";

/** A request as the controller's nginx receives it (from a host port, or from inside the cluster). */
export interface IngressRequest {
  method: string;
  /** The request target as sent: path and query. */
  path: string;
  httpVersion: string;
  /** Lower-cased names. */
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The body as bytes, when it may not be text (HTTP/2 and gRPC requests); `body` is its UTF-8 reading. */
  bodyBytes?: Uint8Array;
  remoteAddress: string;
  scheme: "http" | "https";
  /** Where an HTTP→HTTPS redirect points (443 unless the request came through another host port). */
  httpsPort: number;
  /** Bytes of request line, headers and body as received (`$request_length`), when the receiver counted them. */
  requestLength?: number;
  /** The receiver forwards a response body as it arrives (HTTP/2): gRPC answers then come as `stream`, not buffered. */
  streamBody?: boolean;
  /**
   * The request body still arriving (HTTP/2 gRPC calls; `body` and `bodyBytes` are then empty): a
   * gRPC upstream gets it chunk by chunk as it comes (grpc_pass reads request bodies unbuffered),
   * other upstreams once it has ended. Whoever answers without proxying leaves it unread.
   */
  bodyStream?: BodyStream;
}

/** The controller's answer: binary bodies and HTTP/2 trailers (gRPC's grpc-status) besides the text of an HTTP/1 response. */
export interface IngressResponse extends HttpResponse {
  /** The body as bytes when it is not text (a gRPC upstream's answer); `body` is then unset. */
  bodyBytes?: Buffer;
  /** Trailers to send after the body (HTTP/2). */
  trailers?: Record<string, string>;
  /** The body and trailers still arriving from the upstream (only when the request asked with `streamBody`). */
  stream?: BodyStream;
  /** The body's length in bytes, when the handler already counted it (an upstream's answer passed through). */
  bodyLength?: number;
}

/** A ready endpoint of a Service port. */
export interface UpstreamEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** What the handler needs from the controller: its routing model and the Services' ready endpoints. */
export interface RoutingState {
  readonly model: RoutingModel;
  /** What the Gateways' listeners serve (tried before the Ingress rules), when the Gateway API is on. */
  readonly gateway?: GatewayRoutes;
  endpoints(backend: ServiceBackend): readonly UpstreamEndpoint[];
  /**
   * The controller's `--default-backend-service` as a backend (its Service's first port), when
   * configured; it answers what no rule serves while it has ready endpoints, else nginx's own 404.
   */
  defaultBackend?(): ServiceBackend | undefined;
}

/** nginx's built-in error and redirect pages (`server_tokens off`). */
const REASONS: Record<number, string> = {
  301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
  413: "Request Entity Too Large", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
  505: "HTTP Version Not Supported",
};

/** The reason phrase nginx sends with `status`. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

/** nginx's page for `status`, as it serves it. */
export function nginxPage(status: number): string {
  const title = `${status} ${REASONS[status] ?? ""}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

function page(status: number, extra: Record<string, string> = {}): HttpResponse {
  return { status, statusText: REASONS[status] ?? "", headers: { "Content-Type": "text/html", ...extra }, body: nginxPage(status) };
}

/** What one request did, for the access log. */
interface Outcome {
  upstream: string;
  alternative: string;
  upstreamAddr: string;
  upstreamLength: string;
  upstreamTime: string;
  upstreamStatus: string;
}

/** A request's answer and what it did, for the access log. */
interface Routed {
  res: IngressResponse;
  outcome: Outcome;
}

const NO_UPSTREAM: Outcome = { upstream: "", alternative: "", upstreamAddr: "-", upstreamLength: "-", upstreamTime: "-", upstreamStatus: "-" };

/** Upstream connect and read timeouts (ingress-nginx's proxy-connect-timeout 5 s, proxy-read-timeout 60 s). */
const CONNECT_TIMEOUT_MS = 5_000;
const READ_TIMEOUT_MS = 60_000;
const TIMEOUTS = { connectMs: CONNECT_TIMEOUT_MS, readMs: READ_TIMEOUT_MS } as const;

/**
 * The request path of one controller: picks the server by Host and the location by path as the
 * rendered nginx.conf would, applies the location's annotations (redirects, allow-list, body size,
 * canary, rewrite, affinity, custom errors), proxies to a ready endpoint (round-robin, or ewma) from the
 * controller pod's network namespace with ingress-nginx's headers, and writes an access log line in
 * ingress-nginx's `log-format-upstream`.
 */
export class RequestHandler {
  private readonly next = new Map<string, number>();
  /** nginx's connection counter (`*N` in error log lines). */
  private connections = 0;
  /** Kept-alive connections to the endpoints, from the controller pod's network namespace. */
  private readonly upstreams: UpstreamPool;
  /** HTTP/2 sessions to gRPC endpoints (backend-protocol GRPC/GRPCS, GRPCRoutes). */
  private readonly grpcUpstreams: GrpcUpstreamPool;
  /** Round-trip averages of the endpoints, for upstreams balanced by `ewma`. */
  private readonly ewma: EwmaBalancer;

  constructor(
    private readonly state: () => RoutingState,
    private readonly net: NetworkStack,
    private readonly clock: Clock,
    private readonly accessLog: (line: string) => void,
    /** Where each request is counted (`nginx_ingress_controller_requests`, ...). */
    private readonly metrics?: IngressControllerMetrics,
    /** nginx's error log (the container's stderr): why an upstream failed. */
    private readonly errorLog: (line: string) => void = () => undefined,
  ) {
    this.upstreams = new UpstreamPool(net, clock);
    this.grpcUpstreams = new GrpcUpstreamPool(net, clock);
    this.ewma = new EwmaBalancer(() => clock.now() / 1000);
  }

  /** Closes the kept-alive upstream connections (the controller pod is stopping). */
  close(): void {
    this.upstreams.close();
    this.grpcUpstreams.close();
  }

  async handle(req: IngressRequest): Promise<IngressResponse> {
    const started = performance.now();
    const requestId = req.headers["x-request-id"] ?? newRequestId();
    const seen: { location?: Location; host?: string } = {};
    // A streamed request body is counted as it passes ($request_length counts what was received).
    let received: { bytes: number } | undefined;
    if (req.bodyStream) {
      const count = (received = { bytes: 0 });
      req = { ...req, bodyStream: tapBody(req.bodyStream, { data: (c) => (count.bytes += c.length), done: () => undefined }) };
    }
    const routed = this.route(req, requestId, seen);
    // Answers decided without an upstream come back at once, not as a promise to wait a tick for.
    const { res, outcome } = routed instanceof Promise ? await routed : routed;
    const upstreamBody = res.stream;
    if (upstreamBody) {
      // Streamed: the access log line and the metrics are written when the body has passed through, as nginx logs at the end of a request.
      let sent = 0;
      res.stream = tapBody(upstreamBody, {
        data: (c) => (sent += c.length),
        done: () => this.logRequest(req, res.status, sent, started, requestId, seen, outcome, received?.bytes),
      });
      return res;
    }
    // A response to HEAD sends no body: $body_bytes_sent is 0.
    const bytes = req.method === "HEAD" ? 0 : res.bodyLength ?? (res.bodyBytes ? res.bodyBytes.length : Buffer.byteLength(res.body ?? ""));
    this.logRequest(req, res.status, bytes, started, requestId, seen, outcome, received?.bytes);
    return res;
  }

  /** The access log line (ingress-nginx's log-format-upstream) and the request metrics. */
  private logRequest(req: IngressRequest, status: number, bytes: number, started: number, requestId: string, seen: { location?: Location; host?: string }, outcome: Outcome, streamedBody?: number): void {
    const bodyLength = streamedBody ?? (req.bodyBytes ? req.bodyBytes.length : Buffer.byteLength(req.body));
    const requestLength = req.requestLength ?? Buffer.byteLength(`${req.method} ${req.path} ${req.httpVersion}\r\n`) + headerLinesLength(req.headers) + bodyLength;
    const elapsed = (performance.now() - started) / 1000;
    const secs = secondsText(elapsed);
    this.metrics?.request(seen.location, seen.host ?? "", req.method, status, elapsed, bytes);
    this.accessLog(
      `${req.remoteAddress} - - [${clfTime(this.clock.now())}] "${req.method} ${req.path} ${req.httpVersion}" ${status} ${bytes} "${req.headers["referer"] ?? "-"}" "${req.headers["user-agent"] ?? "-"}" ${requestLength} ${secs} [${outcome.upstream}] [${outcome.alternative}] ${outcome.upstreamAddr} ${outcome.upstreamLength} ${outcome.upstreamTime} ${outcome.upstreamStatus} ${requestId}\n`,
    );
  }

  /** The answer to `req`: at once when no upstream is involved (redirects, refusals, errors), else once the upstream answered. */
  private route(req: IngressRequest, requestId: string, seen: { location?: Location; host?: string }): Routed | Promise<Routed> {
    const state = this.state();
    const [rawPath = "/", query] = splitQuery(req.path);
    const hostHeader = req.headers["host"] ?? "";
    const host = (hostHeader.includes(":") ? hostHeader.replace(/:\d+$/, "") : hostHeader).toLowerCase();
    // gRPC calls (HTTP/2, content-type application/grpc) go to the GRPCRoutes first.
    const grpcMatches = req.httpVersion === "HTTP/2.0" && (req.headers["content-type"] ?? "").startsWith("application/grpc") ? (req.scheme === "https" ? state.gateway?.grpc.https : state.gateway?.grpc.http) : undefined;
    if (grpcMatches?.length) {
      const c = findGatewayMatch(grpcMatches, { host, path: rawPath, query: new URLSearchParams(), method: req.method, headers: req.headers });
      if (c) return this.serveGateway(c, req, host, rawPath, query, requestId);
    }
    const gatewayMatches = req.scheme === "https" ? state.gateway?.https : state.gateway?.http;
    if (gatewayMatches?.length) {
      const c = findGatewayMatch(gatewayMatches, { host, path: rawPath, query: new URLSearchParams(query ?? ""), method: req.method, headers: req.headers });
      if (c) return this.serveGateway(c, req, host, rawPath, query, requestId);
    }
    const server = findServer(state.model, req.headers["host"]);
    const { location, match } = findLocation(server, rawPath);
    seen.location = location;
    seen.host = host;
    const a = location.annotations;
    const redirectToHttps = req.scheme === "http" && (a.forceSslRedirect || (server.tlsSecret !== undefined && a.sslRedirect !== false));
    if (redirectToHttps) {
      const port = req.httpsPort === 443 ? "" : `:${req.httpsPort}`;
      return { res: page(308, { Location: `https://${host}${port}${req.path}` }), outcome: NO_UPSTREAM };
    }
    if (a.permanentRedirect) return { res: page(a.permanentRedirectCode, { Location: a.permanentRedirect }), outcome: NO_UPSTREAM };
    if (a.temporalRedirect) return { res: page(302, { Location: a.temporalRedirect }), outcome: NO_UPSTREAM };
    if (a.allowSourceRange && !inRanges(req.remoteAddress, a.allowSourceRange)) return { res: page(403), outcome: NO_UPSTREAM };
    if (a.proxyBodySize > 0 && (req.bodyBytes ? req.bodyBytes.length : Buffer.byteLength(req.body)) > a.proxyBodySize) return { res: page(413), outcome: NO_UPSTREAM };
    // A streamed body that declares its length is refused before anything is read, as nginx checks Content-Length against client_max_body_size.
    const declared = req.bodyStream ? Number(req.headers["content-length"] ?? -1) : -1;
    if (a.proxyBodySize > 0 && declared > a.proxyBodySize) {
      this.clientError(req, `client intended to send too large body: ${declared} bytes`, server.hostname);
      return { res: page(413), outcome: NO_UPSTREAM };
    }

    const route = this.pickRoute(location, req);
    const backend = route.backend;
    if (!backend) return this.defaultBackend(req, host, requestId, state, server.hostname);
    const name = upstreamName(backend);
    const alternative = location.canary ? upstreamName(location.canary.backend) : "";
    const endpoints = state.endpoints(backend);
    if (endpoints.length === 0) return { res: page(503), outcome: { ...NO_UPSTREAM, upstream: name, alternative } };
    const { endpoint, setCookie } = this.pickEndpoint(name, endpoints, route.annotations, req.headers["cookie"], route.loadBalance);
    const ewma = route.loadBalance === "ewma";
    const sent = ewma ? this.clock.now() : 0;

    let target = rawPath;
    if (route.annotations.rewriteTarget !== undefined) {
      target = route.annotations.rewriteTarget.replace(/\$(\d)/g, (_m, i: string) => match?.[Number(i)] ?? "");
      if (!target.startsWith("/")) target = `/${target}`;
    }
    const headers = this.upstreamHeaders(req, host, requestId);
    const forwarded = this.forward(req, endpoint, query !== undefined && !target.includes("?") ? `${target}?${query}` : target, headers, name, alternative, upstreamProtocol(route.annotations.backendProtocol), server.hostname, declared < 0 ? a.proxyBodySize : 0);
    const customErrors = route.annotations.customHttpErrors;
    // The upstream's answer as it is (no step of its own) unless the balancer or an annotation needs it.
    if (customErrors.length === 0 && !setCookie && !ewma) return forwarded;
    return forwarded.then(({ res, outcome }) => {
      // ewma.lua's after_balance: the round trip feeds the endpoint's average.
      if (ewma) this.ewma.observe(outcome.upstreamAddr, (this.clock.now() - sent) / 1000);
      if (customErrors.includes(res.status)) {
        // nginx intercepts the answer: a body still streaming from the upstream is not read.
        res.stream?.cancel();
        return { res: page(res.status), outcome };
      }
      if (setCookie) res.headers["Set-Cookie"] = setCookie;
      return { res, outcome };
    });
  }

  /** The request headers ingress-nginx sends upstream. */
  private upstreamHeaders(req: IngressRequest, host: string, requestId: string): Record<string, string> {
    const headers: Record<string, string> = {};
    const given = req.headers;
    for (const k in given) if (k !== "connection" && k !== "content-length" && k !== "host") headers[k] = given[k]!;
    headers["Host"] = given["host"] ?? "";
    headers["X-Request-ID"] = requestId;
    headers["X-Real-IP"] = req.remoteAddress;
    headers["X-Forwarded-For"] = req.remoteAddress;
    headers["X-Forwarded-Host"] = host;
    headers["X-Forwarded-Port"] = req.scheme === "https" ? "443" : "80";
    headers["X-Forwarded-Proto"] = req.scheme;
    headers["X-Forwarded-Scheme"] = req.scheme;
    headers["X-Scheme"] = req.scheme;
    return headers;
  }

  /** Proxies to one endpoint from the controller pod's namespace; 502/504 pages when it fails. */
  private async forward(req: IngressRequest, endpoint: UpstreamEndpoint, target: string, headers: Record<string, string>, name: string, alternative: string, scheme: UpstreamProtocol = "http", serverName = "_", maxStreamedBody = 0): Promise<{ res: IngressResponse & { headers: Record<string, string> }; outcome: Outcome }> {
    const t0 = performance.now();
    const addr = endpointAddress(endpoint);
    let upstream: { status: number; statusText: string; headers: Record<string, string>; body: string; bodyBytes?: Buffer; trailers?: Record<string, string>; stream?: BodyStream };
    const timeouts = TIMEOUTS;
    // A request body still arriving is cut off past client_max_body_size (when it declared no length).
    const requestBody = req.bodyStream && maxStreamedBody > 0 ? limitBody(req.bodyStream, maxStreamedBody) : req.bodyStream;
    try {
      if (scheme === "grpc" || scheme === "grpcs") {
        const { Host: authority = "", ...rest } = headers;
        const r = await this.grpcUpstreams.request(endpoint.ip, endpoint.port, { method: req.method, path: target, authority, headers: rest, body: requestBody ?? req.bodyBytes ?? Buffer.from(req.body) }, timeouts, scheme === "grpcs");
        if (req.streamBody) upstream = { status: r.status, statusText: "", headers: r.headers, body: "", stream: r.body };
        else {
          const { bytes, trailers } = await collectBody(r.body);
          upstream = { status: r.status, statusText: "", headers: r.headers, body: "", bodyBytes: bytes, trailers };
        }
      } else {
        // proxy_pass buffers the request body (proxy_request_buffering on): a streamed one is read whole first.
        const body = requestBody ? (await collectBody(requestBody)).bytes.toString("utf8") : req.body;
        upstream = await this.upstreams.request(endpoint.ip, endpoint.port, { method: req.method, path: target, headers, body }, timeouts, scheme);
      }
    } catch (err) {
      const upstreamTime = secondsText((performance.now() - t0) / 1000);
      if (err instanceof ClientClosedRequestError) {
        // The client reset its stream before the response began: nginx's 499 with nothing sent, nothing in the error log.
        return { res: { status: 499, statusText: "", headers: {}, body: "" }, outcome: { upstream: name, alternative, upstreamAddr: addr, upstreamLength: "0", upstreamTime, upstreamStatus: "-" } };
      }
      if (err instanceof RequestBodyTooLargeError) {
        this.clientError(req, err.message, serverName, `${scheme}://${addr}${target}`);
        return { res: { ...page(413), headers: { "Content-Type": "text/html" } }, outcome: { upstream: name, alternative, upstreamAddr: addr, upstreamLength: "0", upstreamTime, upstreamStatus: "-" } };
      }
      const status = err instanceof HttpTimeoutError || (err instanceof NetError && err.code === "ETIMEDOUT") ? 504 : 502;
      this.upstreamError(req, upstreamFailure(err), serverName, `${scheme}://${addr}${target}`);
      return { res: { ...page(status), headers: { "Content-Type": "text/html" } }, outcome: { upstream: name, alternative, upstreamAddr: addr, upstreamLength: "0", upstreamTime: secondsText((performance.now() - t0) / 1000), upstreamStatus: String(status) } };
    }
    const bodyLength = upstream.bodyBytes ? upstream.bodyBytes.length : Buffer.byteLength(upstream.body);
    const outcome: Outcome = { upstream: name, alternative, upstreamAddr: addr, upstreamLength: String(bodyLength), upstreamTime: secondsText((performance.now() - t0) / 1000), upstreamStatus: String(upstream.status) };
    const out: Record<string, string> = {};
    const given = upstream.headers;
    for (const k in given) if (passedOn(k)) out[canonical(k)] = given[k]!;
    if (upstream.stream) {
      // Streamed: $upstream_response_length and _time are known when the upstream has finished; a
      // failure once the response has begun gets nginx's error-log line (the client's stream is then reset).
      let received = 0;
      const stream = tapBody(upstream.stream, {
        data: (c) => (received += c.length),
        done: (o) => {
          outcome.upstreamLength = String(received);
          outcome.upstreamTime = secondsText((performance.now() - t0) / 1000);
          if (!("error" in o) || o.error instanceof ClientClosedRequestError) return;
          if (o.error instanceof RequestBodyTooLargeError) this.clientError(req, o.error.message, serverName, `${scheme}://${addr}${target}`);
          else this.upstreamError(req, o.error.message, serverName, `${scheme}://${addr}${target}`);
        },
      });
      return { res: { status: upstream.status, statusText: upstream.statusText, headers: out, stream }, outcome };
    }
    if (upstream.bodyBytes) return { res: { status: upstream.status, statusText: upstream.statusText, headers: out, bodyBytes: upstream.bodyBytes, trailers: upstream.trailers }, outcome };
    // The upstream's answer to HEAD has no body: nginx passes its Content-Length on (none when it sent none).
    if (req.method === "HEAD") return { res: { status: upstream.status, statusText: upstream.statusText, headers: out, body: "", bodyLength: 0, contentLength: given["content-length"] ?? null }, outcome };
    return { res: { status: upstream.status, statusText: upstream.statusText, headers: out, body: upstream.body, bodyLength }, outcome };
  }

  /** nginx's error-log line for a failed upstream request. */
  private upstreamError(req: IngressRequest, what: string, serverName: string, upstream: string): void {
    this.clientError(req, what, serverName, upstream);
  }

  /** nginx's error-log line about a request (its upstream named once one was chosen). */
  private clientError(req: IngressRequest, what: string, serverName: string, upstream?: string): void {
    const via = upstream === undefined ? "" : `, upstream: "${upstream}"`;
    this.errorLog(`${nginxErrorTime(this.clock.now())} [error] 31#31: *${++this.connections} ${what}, client: ${req.remoteAddress}, server: ${serverName}, request: "${req.method} ${req.path} ${req.httpVersion}"${via}, host: "${req.headers["host"] ?? ""}"\n`);
  }

  /** A request a Gateway listener's HTTPRoute matched: its filters, then a weighted backendRef. */
  private async serveGateway(c: CompiledMatch, req: IngressRequest, host: string, rawPath: string, query: string | undefined, requestId: string): Promise<{ res: IngressResponse; outcome: Outcome }> {
    const qs = query !== undefined ? `?${query}` : "";
    let path = rawPath;
    const headers = this.upstreamHeaders(req, host, requestId);
    const responseEdits: HTTPRouteFilter[] = [];
    for (const f of c.filters) {
      if (f.type === "RequestRedirect" && f.requestRedirect) {
        const r = f.requestRedirect;
        const scheme = r.scheme ?? req.scheme;
        const port = r.port ?? (r.scheme && r.scheme !== req.scheme ? undefined : req.scheme === "https" ? req.httpsPort : undefined);
        const portText = port === undefined || (scheme === "http" && port === 80) || (scheme === "https" && port === 443) ? "" : `:${port}`;
        const location = `${scheme}://${r.hostname ?? host}${portText}${r.path ? modifyPath(rawPath, c.match, r.path) : rawPath}${qs}`;
        return { res: page(r.statusCode ?? 302, { Location: location }), outcome: NO_UPSTREAM };
      }
      if (f.type === "RequestHeaderModifier" && f.requestHeaderModifier) editHeaders(headers, f.requestHeaderModifier);
      if (f.type === "URLRewrite" && f.urlRewrite) {
        if (f.urlRewrite.hostname) headers["Host"] = f.urlRewrite.hostname;
        if (f.urlRewrite.path) path = modifyPath(rawPath, c.match, f.urlRewrite.path);
      }
      if (f.type === "ResponseHeaderModifier") responseEdits.push(f);
    }
    const total = c.backends.reduce((n, b) => n + b.weight, 0);
    if (total === 0) return { res: page(500), outcome: NO_UPSTREAM };
    let pick = Math.random() * total;
    const chosen = c.backends.find((b) => (pick -= b.weight) < 0) ?? c.backends[c.backends.length - 1]!;
    if (!chosen.backend) return { res: page(500), outcome: NO_UPSTREAM };
    const name = upstreamName(chosen.backend);
    const endpoints = this.state().endpoints(chosen.backend);
    if (endpoints.length === 0) return { res: page(503), outcome: { ...NO_UPSTREAM, upstream: name } };
    const { res, outcome } = await this.forward(req, this.roundRobin(name, endpoints), path + qs, headers, name, "", c.grpc ? "grpc" : "http");
    for (const f of responseEdits) editHeaders(res.headers, f.responseHeaderModifier!);
    return { res, outcome };
  }

  /**
   * What no rule serves: the `--default-backend-service` pods while it has ready endpoints
   * (upstream-default-backend), else nginx's own 404 page from its default server on 127.0.0.1:8181.
   */
  private async defaultBackend(req: IngressRequest, host: string, requestId: string, state: RoutingState, serverName: string): Promise<{ res: IngressResponse; outcome: Outcome }> {
    const backend = state.defaultBackend?.();
    const endpoints = backend ? state.endpoints(backend) : [];
    if (endpoints.length === 0) {
      return { res: page(404), outcome: { upstream: "upstream-default-backend", alternative: "", upstreamAddr: "127.0.0.1:8181", upstreamLength: req.method === "HEAD" ? "0" : String(nginxPage(404).length), upstreamTime: "0.000", upstreamStatus: "404" } };
    }
    const endpoint = this.roundRobin("upstream-default-backend", endpoints);
    return this.forward(req, endpoint, req.path, this.upstreamHeaders(req, host, requestId), "upstream-default-backend", "", "http", serverName);
  }

  /** The main route or its canary, as ingress-nginx's balancer decides: header first, then weight. */
  private pickRoute(location: Location, req: IngressRequest): { readonly backend: ServiceBackend | undefined; readonly annotations: Location["annotations"]; readonly loadBalance: string } {
    // The location and its canary carry their backend and annotations: no object per request.
    const main = location;
    const canary = location.canary;
    if (!canary) return main;
    const c = canary.annotations;
    const use = canary;
    if (c.canaryByHeader) {
      const value = req.headers[c.canaryByHeader.toLowerCase()];
      if (value !== undefined) {
        if (c.canaryByHeaderValue !== undefined) {
          if (value === c.canaryByHeaderValue) return use;
        } else if (value === "always") return use;
        else if (value === "never") return main;
      }
    }
    if (c.canaryWeight !== undefined && Math.random() * c.canaryWeightTotal < c.canaryWeight) return use;
    return main;
  }

  /** The upstream's balancer (round-robin, or ewma), or the endpoint the affinity cookie names (a new cookie when it names none). */
  private pickEndpoint(name: string, endpoints: readonly UpstreamEndpoint[], a: Location["annotations"], cookieHeader: string | undefined, balance: string): { endpoint: UpstreamEndpoint; setCookie?: string } {
    if (a.affinity === "cookie") {
      const wanted = readCookie(cookieHeader, a.sessionCookieName);
      const sticky = wanted ? endpoints.find((e) => endpointHash(e) === wanted) : undefined;
      if (sticky) return { endpoint: sticky };
      const endpoint = this.roundRobin(name, endpoints);
      const maxAge = a.sessionCookieMaxAge !== undefined ? `; Max-Age=${a.sessionCookieMaxAge}` : "";
      return { endpoint, setCookie: `${a.sessionCookieName}=${endpointHash(endpoint)}; Path=${a.sessionCookiePath ?? "/"}${maxAge}; HttpOnly` };
    }
    return { endpoint: balance === "ewma" ? this.ewma.pick(name, endpoints) : this.roundRobin(name, endpoints) };
  }

  private roundRobin(name: string, endpoints: readonly UpstreamEndpoint[]): UpstreamEndpoint {
    const i = this.next.get(name) ?? 0;
    this.next.set(name, (i + 1) % endpoints.length);
    return endpoints[i % endpoints.length]!;
  }
}

/** How the controller talks to an upstream: nginx's proxy_pass http/https, or grpc_pass grpc/grpcs. */
type UpstreamProtocol = "http" | "https" | "grpc" | "grpcs";

/** The upstream protocol of a `backend-protocol` annotation (AUTO_HTTP and FCGI proxy as HTTP here). */
function upstreamProtocol(p: Location["annotations"]["backendProtocol"]): UpstreamProtocol {
  return p === "HTTPS" ? "https" : p === "GRPC" ? "grpc" : p === "GRPCS" ? "grpcs" : "http";
}

/** What nginx's error log says of a failed upstream (errno text as Linux prints it). */
function upstreamFailure(err: unknown): string {
  if (err instanceof HttpTimeoutError) return "upstream timed out (110: Connection timed out) while reading response header from upstream";
  if (err instanceof UpstreamTlsError) return err.message;
  if (err instanceof UpstreamClosedError) return "upstream prematurely closed connection while reading response header from upstream";
  if (err instanceof GrpcUpstreamError) return err.message;
  if (err instanceof NetError) {
    switch (err.code) {
      case "ECONNREFUSED":
        return "connect() failed (111: Connection refused) while connecting to upstream";
      case "ETIMEDOUT":
        return "upstream timed out (110: Connection timed out) while connecting to upstream";
      case "EHOSTUNREACH":
        return "connect() failed (113: No route to host) while connecting to upstream";
      case "ENETUNREACH":
        return "connect() failed (101: Network is unreachable) while connecting to upstream";
      case "ECONNRESET":
        return "recv() failed (104: Connection reset by peer) while reading response header from upstream";
      default:
        return `connect() failed (${err.code}) while connecting to upstream`;
    }
  }
  return `upstream failed (${err instanceof Error ? err.message : String(err)}) while reading response header from upstream`;
}

/**
 * Whether an upstream's response header (lower-cased name) reaches the client: not the framing
 * and connection headers nginx sets itself, nor those its proxy hides by default (`Date`, `Server`,
 * `X-Pad`, `X-Accel-*`: proxy_hide_header's defaults).
 */
function passedOn(name: string): boolean {
  switch (name) {
    case "connection":
    case "keep-alive":
    case "content-length":
    case "transfer-encoding":
    case "server":
    case "date":
    case "x-pad":
      return false;
    default:
      return !name.startsWith("x-accel-");
  }
}

/** `ip:port` of each endpoint (endpoint lists are kept until their slices change), built once. */
const ADDRESSES = new WeakMap<UpstreamEndpoint, string>();

function endpointAddress(e: UpstreamEndpoint): string {
  let addr = ADDRESSES.get(e);
  if (addr === undefined) ADDRESSES.set(e, (addr = `${e.ip}:${e.port}`));
  return addr;
}

/** Canonical forms of the header names upstreams send (a handful per cluster), computed once each. */
const CANONICAL = new Map<string, string>();

function canonical(name: string): string {
  let c = CANONICAL.get(name);
  if (c === undefined) {
    c = canonicalHeaderKey(name);
    if (CANONICAL.size < 4096) CANONICAL.set(name, c);
  }
  return c;
}

/** Random bytes drawn in batches: a request ID costs a slice, not a call into the CSPRNG. */
const ID_BATCH = 16 * 512;
let idBytes = randomBytes(ID_BATCH);
let idOffset = 0;

/** `$req_id`: 16 random bytes in hex, as nginx generates it. */
function newRequestId(): string {
  if (idOffset === ID_BATCH) {
    idBytes = randomBytes(ID_BATCH);
    idOffset = 0;
  }
  const id = idBytes.toString("hex", idOffset, idOffset + 16);
  idOffset += 16;
  return id;
}

function splitQuery(target: string): [string, string | undefined] {
  const q = target.indexOf("?");
  return q < 0 ? [target, undefined] : [target.slice(0, q), target.slice(q + 1)];
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

/** The sticky cookie's value for an endpoint (ingress-nginx keeps a hash of the endpoint address). */
function endpointHash(e: UpstreamEndpoint): string {
  return createHash("md5").update(`${e.ip}:${e.port}`).digest("hex");
}

/** Applies a Gateway API header modifier: set replaces, add appends, remove deletes (names case-insensitive). */
function editHeaders(headers: Record<string, string>, edit: HTTPHeaderFilter): void {
  const find = (name: string): string | undefined => Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  for (const { name, value } of edit.set ?? []) {
    const k = find(name);
    if (k) delete headers[k];
    headers[name] = value;
  }
  for (const { name, value } of edit.add ?? []) {
    const k = find(name);
    if (k) headers[k] = `${headers[k]},${value}`;
    else headers[name] = value;
  }
  for (const name of edit.remove ?? []) {
    const k = find(name);
    if (k) delete headers[k];
  }
}
