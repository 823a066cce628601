import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Status } from "kubernetes-types/meta/v1.js";
import { StatusError, type StatusReason } from "../api/status.js";

/** Where and how to connect: a kubeconfig context resolved, or given directly. */
export interface HttpConnection {
  /** `https://127.0.0.1:6443`. */
  server: string;
  /** CA bundle (PEM) to trust instead of the system roots. */
  caData?: string;
  token?: string;
  clientCertData?: string;
  clientKeyData?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** The User-Agent header (a component's: see componentUserAgent; default `kubesim-http-client/v1.32.0`). */
  userAgent?: string;
}

export interface HttpRequest {
  method: string;
  /** Path with query, e.g. `/api/v1/namespaces/default/pods?limit=10`. */
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
}

/** Builds the StatusError for a failed response: the server's Status when it sent one, else one made from the HTTP status. */
export function statusErrorOf(status: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as Status;
    if (body && body.kind === "Status") return StatusError.fromStatus({ ...body, code: body.code ?? status });
  } catch {
    // not JSON: fall through
  }
  const reasons: Record<number, StatusReason> = { 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict", 410: "Gone", 413: "RequestEntityTooLarge", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" };
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: status, reason: reasons[status] ?? "", message: text.trim() || `the server responded with HTTP ${status}` });
}

/**
 * HTTP(S) to one API server over a keep-alive agent, with bearer-token or client-certificate
 * authentication and the kubeconfig's CA. `request` buffers the answer; `open` hands back the
 * live response (watch streams).
 */
export class HttpTransport {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly url: URL;
  private readonly send: typeof httpRequest;
  private readonly baseHeaders: Record<string, string>;

  constructor(readonly connection: HttpConnection) {
    this.url = new URL(connection.server);
    const tls = this.url.protocol === "https:";
    this.send = tls ? httpsRequest : httpRequest;
    this.agent = tls
      ? new HttpsAgent({
          keepAlive: true,
          maxFreeSockets: 256,
          ...(connection.caData ? { ca: connection.caData } : {}),
          ...(connection.clientCertData ? { cert: connection.clientCertData } : {}),
          ...(connection.clientKeyData ? { key: connection.clientKeyData } : {}),
          ...(connection.tlsServerName ? { servername: connection.tlsServerName } : {}),
          rejectUnauthorized: !connection.insecureSkipTLSVerify,
        })
      : new HttpAgent({ keepAlive: true, maxFreeSockets: 256 });
    this.baseHeaders = { "User-Agent": connection.userAgent ?? "kubesim-http-client/v1.32.0", ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}) };
  }

  /** The URL path prefix of the server (`/` unless the server URL has a path, as behind a proxy). */
  private fullPath(path: string): string {
    const base = this.url.pathname.replace(/\/$/, "");
    return base + path;
  }

  /**
   * Sends a request and returns the live response (status and headers received, body not read).
   * `onRequest` receives the request so a stream can be cut (`destroy()`); errors after the
   * response arrived are reported on the response.
   */
  open(req: HttpRequest, onRequest?: (request: ClientRequest) => void): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.baseHeaders, Accept: req.accept ?? "application/json" };
      if (req.body !== undefined) {
        headers["Content-Type"] = req.contentType ?? "application/json";
        headers["Content-Length"] = Buffer.byteLength(req.body);
      }
      const r = this.send({ protocol: this.url.protocol, hostname: this.url.hostname.replace(/^\[|\]$/g, ""), port: this.url.port, method: req.method, path: this.fullPath(req.path), headers, agent: this.agent }, resolve);
      r.on("error", reject);
      onRequest?.(r);
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }

  /** Sends a request and reads the whole answer. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.open(req);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") };
  }

  /** A JSON request: the parsed body of a 2xx answer, else the server's Status as a StatusError. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.request(req);
    if (res.status < 200 || res.status >= 300) throw statusErrorOf(res.status, res.text);
    return JSON.parse(res.text) as T;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
