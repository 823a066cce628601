import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import type { AddressInfo } from "node:net";
import { findServer } from "./routing-model.js";
import type { IngressNginxController } from "./controller.js";
import { nginxPage } from "./request-handler.js";

/** Where the host listeners ended up (port 0 asks for a free one). */
export interface IngressHostPorts {
  readonly host: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

/** The most request body the host listeners buffer; larger requests get nginx's 413 (no location allows more). */
const MAX_BODY = 64 * 1024 * 1024;

/**
 * Real HTTP and HTTPS listeners on the host (127.0.0.1 by default, as `kubesim up` binds
 * 8080/8443 the way k3s ships an ingress): each request is handed to a running controller pod,
 * which routes it into the cluster. HTTPS picks the certificate by SNI from the TLS Secret of the
 * host's Ingress, else the controller's self-signed default certificate.
 */
export class HostPortForwarder {
  private http: Server | undefined;
  private https: Server | undefined;
  private readonly contexts = new Map<string, { pem: string; ctx: SecureContext }>();
  /** The bound HTTPS port, which HTTP→HTTPS redirects name. */
  private boundHttps = 443;

  constructor(
    private readonly controller: IngressNginxController,
    private readonly defaultCert: { certPem: string; keyPem: string },
  ) {}

  async listen(host: string, httpPort: number, httpsPort: number): Promise<IngressHostPorts> {
    this.http = createHttpServer((req, res) => this.forward(req, res, "http"));
    this.https = createHttpsServer(
      {
        cert: this.defaultCert.certPem,
        key: this.defaultCert.keyPem,
        SNICallback: (servername, cb) => cb(null, this.contextFor(servername)),
      },
      (req, res) => this.forward(req, res, "https"),
    );
    const bound = await Promise.all([listenOn(this.http, host, httpPort, "HTTP"), listenOn(this.https, host, httpsPort, "HTTPS")]).catch(async (err: unknown) => {
      await this.close();
      throw err;
    });
    this.boundHttps = bound[1];
    return { host, httpPort: bound[0], httpsPort: bound[1] };
  }

  async close(): Promise<void> {
    await Promise.all([this.http, this.https].map((s) => (s ? new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); }) : undefined)));
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

  private forward(req: IncomingMessage, res: ServerResponse, scheme: "http" | "https"): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => {
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
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        const out = await instance.handler.handle({
          method: req.method ?? "GET",
          path: req.url ?? "/",
          httpVersion: `HTTP/${req.httpVersion}`,
          headers,
          body: Buffer.concat(chunks).toString("utf8"),
          remoteAddress: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
          scheme,
          httpsPort: this.boundHttps,
        });
        // nginx answers with the body's length (one write, no chunked encoding).
        const body = out.body ?? "";
        const outHeaders = out.headers ?? {};
        outHeaders["Content-Length"] ??= String(Buffer.byteLength(body));
        res.writeHead(out.status, out.statusText ?? "", outHeaders);
        res.end(req.method === "HEAD" ? undefined : body);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/html" });
        res.end(nginxPage(502));
      });
    });
  }
}

function listenOn(server: Server, host: string, port: number, what: "HTTP" | "HTTPS"): Promise<number> {
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
