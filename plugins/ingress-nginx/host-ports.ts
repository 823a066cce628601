import type { IncomingMessage, ServerResponse } from "node:http";
import { constants as h2constants, createServer as createH2cServer, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import type { AddressInfo } from "node:net";
import { bodilessStatus } from "../../core/cri/http.js";
import { findServer } from "./routing-model.js";
import type { IngressNginxController } from "./controller.js";
import { nginxPage, reasonPhrase, type IngressResponse } from "./request-handler.js";
import type { BodyStream } from "./grpc-upstream.js";
import { Http1Connection, type FrontRequest, type FrontResponse } from "./http1-front.js";
import { Http2RequestBody } from "./request-body.js";
import { TurnBatch } from "./turn-batch.js";

/** Where the host listeners ended up (port 0 asks for a free one). */
export interface IngressHostPorts {
  readonly host: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

/** The most request body the host listeners buffer; larger requests get nginx's 413 (no location allows more). */
const MAX_BODY = 64 * 1024 * 1024;

/** HTTP/1.1 front limits: request line and headers, body, and the idle keep-alive timeout (Node's 5 s, announced in `Keep-Alive`). */
const FRONT_LIMITS = { maxHead: 32 * 1024, maxBody: MAX_BODY, keepAliveMs: 5_000 };

/**
 * Real HTTP and HTTPS listeners on the host (127.0.0.1 by default, as `kubesim up` binds
 * 8080/8443 the way k3s ships an ingress): each request is handed to a running controller pod,
 * which routes it into the cluster. HTTPS picks the certificate by SNI from the TLS Secret of the
 * host's Ingress, else the controller's self-signed default certificate.
 */
export class HostPortForwarder {
  /** The plain port: takes each connection and hands it to HTTP/1.1 or, on the HTTP/2 preface, to h2c. */
  private front: Server | undefined;
  private readonly frontSockets = new Set<Socket>();
  /** HTTP/1.x connections on the plain port, swept for idle keep-alive timeouts. */
  private readonly h1 = new Set<Http1Connection>();
  /** Requests read in one event-loop turn go through the request path together (see {@link TurnBatch}). */
  private readonly batch = new TurnBatch();
  private sweep: ReturnType<typeof setInterval> | undefined;
  private h2c: ReturnType<typeof createH2cServer> | undefined;
  private https: ReturnType<typeof createSecureServer> | undefined;
  private readonly contexts = new Map<string, { pem: string; ctx: SecureContext }>();
  /** Open HTTP/2 sessions (closed with the listeners). */
  private readonly sessions = new Set<{ destroy(): void; once(e: "close", f: () => void): unknown }>();
  /** The bound HTTPS port, which HTTP→HTTPS redirects name. */
  private boundHttps = 443;

  constructor(
    private readonly controller: IngressNginxController,
    private readonly defaultCert: { certPem: string; keyPem: string },
  ) {}

  async listen(host: string, httpPort: number, httpsPort: number): Promise<IngressHostPorts> {
    // ingress-nginx renders `http2 on;` (use-http2, default true) into its servers: nginx then also
    // accepts HTTP/2 with prior knowledge (h2c) on the plain port, telling it apart by the preface.
    this.h2c = createH2cServer((req, res) => this.forward(req, res, "http"));
    this.front = createTcpServer((socket) => this.accept(socket));
    // HTTPS speaks HTTP/2 to clients that offer it in ALPN (ingress-nginx's `listen 443 ssl http2`,
    // use-http2 on by default) and HTTP/1.1 to the others.
    this.https = createSecureServer(
      {
        cert: this.defaultCert.certPem,
        key: this.defaultCert.keyPem,
        allowHTTP1: true,
        SNICallback: (servername, cb) => cb(null, this.contextFor(servername)),
      },
      (req, res) => this.forward(req, res, "https"),
    );
    const bound = await Promise.all([listenOn(this.front, host, httpPort, "HTTP"), listenOn(this.https, host, httpsPort, "HTTPS")]).catch(async (err: unknown) => {
      await this.close();
      throw err;
    });
    this.boundHttps = bound[1];
    this.sweep = setInterval(() => this.closeIdle(), 1000);
    this.sweep.unref();
    return { host, httpPort: bound[0], httpsPort: bound[1] };
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    const sessions = this.sessions;
    await Promise.all([
      this.front?.listening ? new Promise<void>((r) => { this.front!.close(() => r()); for (const s of this.frontSockets) s.destroy(); }) : undefined,
      this.https ? new Promise<void>((r) => { this.https!.close(() => r()); for (const s of sessions) s.destroy(); }) : undefined,
    ]);
  }

  /** A connection on the plain port: HTTP/2 when its first bytes are the client preface, HTTP/1.x otherwise. */
  private accept(socket: Socket): void {
    this.frontSockets.add(socket);
    socket.once("close", () => this.frontSockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    const sniff = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const n = Math.min(head.length, H2_PREFACE.length);
      const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (h2 && head.length < H2_PREFACE.length) return; // maybe the preface: wait for the rest
      socket.off("data", sniff);
      socket.pause();
      socket.unshift(head);
      if (h2) {
        // The HTTP/2 session reads what is buffered itself.
        this.h2c!.emit("connection", socket);
        return;
      }
      const remote = (socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
      const c = new Http1Connection(socket, (req) => this.serveHttp1(req, remote), frontErrorPage, FRONT_LIMITS, this.batch);
      this.h1.add(c);
      socket.once("close", () => this.h1.delete(c));
      socket.resume();
    };
    socket.on("data", sniff);
  }

  /** Closes HTTP/1.x connections idle in keep-alive longer than the announced timeout. */
  private closeIdle(): void {
    const now = Date.now();
    for (const c of this.h1) if (c.idleFor(now)) c.destroy();
  }

  /** One HTTP/1.x request on the plain port, handed to a running controller pod. */
  private serveHttp1(req: FrontRequest, remoteAddress: string): Promise<FrontResponse> {
    if (req.body.length > MAX_BODY) return Promise.resolve(frontErrorPage(413));
    const instance = this.controller.pick();
    if (!instance) return Promise.resolve(frontErrorPage(503));
    return instance.handler.handle({
      method: req.method,
      path: req.target,
      httpVersion: req.httpVersion,
      headers: req.headers,
      body: req.body.length ? req.body.toString("utf8") : "",
      bodyBytes: req.body,
      remoteAddress,
      scheme: "http",
      httpsPort: this.boundHttps,
      requestLength: req.length,
    }).then(frontResponse);
  }

  /** The certificate for an SNI name: the TLS Secret of the host's server, else the default. */
  private contextFor(servername: string): SecureContext | undefined {
    const routing = this.controller.routing();
    const secret = gatewayCertificate(routing.gateway?.certificates, servername.toLowerCase()) ?? findServer(routing.model, servername).tlsSecret;
    const material = secret ? this.controller.tlsSecret(secret) : undefined;
    if (!secret || !material) return undefined;
    const cached = this.contexts.get(secret);
    if (cached && cached.pem === material.cert) return cached.ctx;
    try {
      const ctx = createSecureContext({ cert: material.cert, key: material.key });
      this.contexts.set(secret, { pem: material.cert, ctx });
      return ctx;
    } catch {
      return undefined;
    }
  }

  private forward(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, scheme: "http" | "https"): void {
    const h2 = req.httpVersionMajor === 2;
    if (h2) {
      const session = (req as Http2ServerRequest).stream.session;
      if (session && !this.sessions.has(session)) {
        this.sessions.add(session);
        session.once("close", () => this.sessions.delete(session));
      }
    }
    // gRPC calls over HTTP/2 stream their request body through (grpc_pass reads it unbuffered); other requests are read whole first.
    const streamed = h2 && String(req.headers["content-type"] ?? "").startsWith("application/grpc") ? new Http2RequestBody(req as Http2ServerRequest) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    if (!streamed)
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
    const dispatch = (): void => {
      void (async () => {
        if (size > MAX_BODY) {
          res.writeHead(413, { "Content-Type": "text/html" });
          res.end(nginxPage(413));
          return;
        }
        const instance = this.controller.pick();
        if (!instance) {
          res.writeHead(503, { "Content-Type": "text/html" });
          res.end(nginxPage(503));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k[0] !== ":") headers[k] = Array.isArray(v) ? v.join(", ") : v;
        // HTTP/2: the Host is the :authority pseudo-header.
        if (h2 && headers["host"] === undefined && req.headers[":authority"] !== undefined) headers["host"] = String(req.headers[":authority"]);
        const bodyBytes = Buffer.concat(chunks);
        const out = await instance.handler.handle({
          method: req.method ?? "GET",
          path: req.url ?? "/",
          httpVersion: `HTTP/${req.httpVersion}`,
          headers,
          body: bodyBytes.toString("utf8"),
          bodyBytes,
          remoteAddress: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
          scheme,
          httpsPort: this.boundHttps,
          // HTTP/2 answers stream through (server-streaming gRPC); HTTP/1.1 over TLS gets them whole.
          streamBody: h2,
          bodyStream: streamed,
        });
        // Answered without proxying the streamed body (redirect, refusal, error page): the rest is not read.
        streamed?.discardUnlessPiped();
        // The client reset its stream while the call was being set up (nginx's 499): nothing to answer.
        if (h2 && (res as Http2ServerResponse).stream.destroyed) {
          out.stream?.cancel();
          return;
        }
        const outHeaders: Record<string, string> = {};
        for (const k in out.headers ?? {}) if (!h2 || !CONNECTION_SPECIFIC.has(k.toLowerCase())) outHeaders[k] = out.headers![k]!;
        if (out.stream) {
          streamResponse(res as Http2ServerResponse, out.status, outHeaders, out.stream);
          return;
        }
        // nginx answers with the body's length (one write, no chunked encoding); to HEAD, with the length passed on.
        const body: string | Buffer = out.bodyBytes ?? out.body ?? "";
        const length = contentLength(out, body);
        if (length !== undefined) outHeaders["Content-Length"] ??= length;
        if (h2) res.writeHead(out.status, outHeaders);
        else (res as ServerResponse).writeHead(out.status, out.statusText ?? "", outHeaders);
        // HTTP/2 trailers (gRPC's grpc-status and grpc-message) follow the body.
        if (h2 && out.trailers && Object.keys(out.trailers).length) res.addTrailers(out.trailers);
        if (req.method === "HEAD") res.end();
        else res.end(body);
        if (streamed) resetUnreadRequest(res as Http2ServerResponse, h2 && !!out.trailers && Object.keys(out.trailers).length > 0);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/html" });
        res.end(nginxPage(502));
      });
    };
    if (streamed) dispatch();
    else req.on("end", dispatch);
  }
}

/**
 * An HTTP/2 answer whose body is still arriving from the upstream (server-streaming gRPC): the
 * headers go out at once, each DATA chunk as it arrives, the trailers (grpc-status, grpc-message)
 * last — nginx's grpc_pass, unbuffered. The client's flow control pauses the upstream; a client
 * that resets the stream cancels the upstream call; an upstream failing after the headers resets
 * the client's stream with INTERNAL_ERROR, as nginx does for a response it cannot complete.
 */
function streamResponse(res: Http2ServerResponse, status: number, headers: Record<string, string>, body: BodyStream): void {
  if (res.stream.destroyed || res.stream.closed) {
    // The client gave up while the upstream was answering its headers.
    body.cancel();
    return;
  }
  let finished = false;
  let paused = false;
  res.once("close", () => {
    if (!finished) body.cancel();
  });
  res.writeHead(status, headers);
  body.pipe({
    data: (c) => {
      if (res.stream.destroyed || res.write(c) || paused) return;
      paused = true;
      body.pause();
      res.once("drain", () => {
        paused = false;
        body.resume();
      });
    },
    end: (trailers) => {
      finished = true;
      if (res.stream.destroyed) return;
      let withTrailers = false;
      for (const _ in trailers) {
        res.addTrailers(trailers);
        withTrailers = true;
        break;
      }
      res.end();
      resetUnreadRequest(res, withTrailers);
    },
    error: (err) => {
      finished = true;
      // destroy with an error: RST_STREAM INTERNAL_ERROR alone (close(code) would first end the stream cleanly with END_STREAM).
      if (!res.stream.destroyed) res.stream.destroy(err);
    },
  });
}

/**
 * Call once `res` is ended: when the response is out, a request the client is still sending is
 * reset with RST_STREAM NO_ERROR (nginx's ngx_http_v2_close_stream: output closed, input not), so
 * the client stops sending a body nobody reads — after the trailers when there are some (closing
 * at once would put the reset before them).
 */
function resetUnreadRequest(res: Http2ServerResponse, withTrailers: boolean): void {
  const stream = res.stream;
  const reset = (): void => {
    if (!stream.destroyed && !stream.closed && !stream.state.remoteClose) stream.close(h2constants.NGHTTP2_NO_ERROR);
  };
  // The compatibility layer's own wantTrailers listener (registered first) has sent them by then.
  if (withTrailers) stream.once("wantTrailers", () => setImmediate(reset));
  // (close waits for the ended response to finish)
  else reset();
}

/** The controller's answer as the HTTP/1.1 front writes it: with the body's length (nginx answers in one write, not chunked). */
function frontResponse(out: IngressResponse): FrontResponse {
  const body: string | Buffer = out.bodyBytes ?? out.body ?? "";
  // The handler's headers are its own, made for this response: completed in place, not copied.
  const headers = out.headers ?? {};
  if (out.trailers || headers["Content-Length"] !== undefined) return { status: out.status, statusText: out.statusText ?? "", headers, body, chunked: !!out.trailers };
  const length = contentLength(out, body);
  if (length !== undefined) headers["Content-Length"] = length;
  return { status: out.status, statusText: out.statusText ?? "", headers, body };
}

/**
 * The Content-Length nginx sends with the controller's answer (without trailers): none for a 1xx,
 * 204 or 304 status, the upstream's for an answer to HEAD passed on (none when it sent none), else
 * the body's.
 */
function contentLength(out: IngressResponse, body: string | Buffer): string | undefined {
  if (out.trailers || bodilessStatus(out.status)) return undefined;
  if (out.contentLength !== undefined) return out.contentLength ?? undefined;
  return String(out.bodyLength ?? (typeof body === "string" ? Buffer.byteLength(body) : body.length));
}

/** nginx's page for a request the front refused or could not hand over, as a complete response. */
function frontErrorPage(status: number): FrontResponse {
  const body = nginxPage(status);
  return { status, statusText: reasonPhrase(status), headers: { "Content-Type": "text/html", "Content-Length": String(body.length) }, body };
}

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Headers HTTP/2 forbids in responses (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

function listenOn(server: Server | ReturnType<typeof createSecureServer>, host: string, port: number, what: "HTTP" | "HTTPS"): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`the ingress ${what} host port ${host}:${port} is in use (choose another with --ingress-${what.toLowerCase()}-port or the plugin's ${what === "HTTP" ? "httpPort" : "httpsPort"}; 0 picks a free one)`) : err),
    );
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The certificate of the HTTPS Gateway listener whose hostname admits `host` (exact before wildcard before none). */
function gatewayCertificate(certs: ReadonlyMap<string, string> | undefined, host: string): string | undefined {
  if (!certs?.size) return undefined;
  const exact = certs.get(host);
  if (exact) return exact;
  for (const [pattern, secret] of certs) if (pattern.startsWith("*.") && host.endsWith(pattern.slice(1))) return secret;
  return certs.get("");
}
