import { HttpTimeoutError, parseHttpMessage, type HttpClientResponse } from "../../core/cri/http.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import { readText, type Connection, type NetworkStack } from "../../core/net/sockets.js";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import { connectionToDuplex, duplexToConnection } from "../../core/net/connection-stream.js";

/** One request to an upstream endpoint. */
export interface UpstreamRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Sent in this order after the request line; no Connection header (keep-alive is HTTP/1.1's default). */
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** ingress-nginx's upstream keep-alive defaults (`upstream-keepalive-*` ConfigMap keys). */
export const UPSTREAM_KEEPALIVE = { connections: 320, requests: 10_000, timeoutMs: 60_000 } as const;

/** Thrown when the TLS handshake with an HTTPS upstream fails (nginx: `SSL_do_handshake() failed`). */
export class UpstreamTlsError extends Error {
  override readonly name = "UpstreamTlsError";
}

/**
 * TLS as the client to an upstream over `raw` (no verification, no SNI: nginx's
 * proxy_ssl_verify/grpc_ssl_verify off), offering `alpn`; resolves once the handshake completes,
 * rejects with nginx's {@link UpstreamTlsError}.
 */
export function upstreamTls(raw: Duplex, alpn?: string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ socket: raw, rejectUnauthorized: false, ...(alpn ? { ALPNProtocols: alpn } : {}) });
    const fail = (err: Error): void => {
      socket.destroy();
      reject(new UpstreamTlsError(`SSL_do_handshake() failed (${err.message}) while SSL handshaking to upstream`));
    };
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/** TLS as the client over a simulated connection; resolves with the decrypted stream once the handshake completes. */
async function tlsHandshake(conn: Connection): Promise<Connection> {
  return duplexToConnection(await upstreamTls(connectionToDuplex(conn)), conn);
}

/** Thrown when a connection closes before its response is complete. */
export class UpstreamClosedError extends Error {
  override readonly name = "UpstreamClosedError";
}

/**
 * One kept-alive HTTP/1.1 connection to an endpoint: one request at a time. Its read timeout is
 * one timer per connection, not one per request: each request moves the deadline, and a timer
 * that fires before the deadline (an earlier request's) is set again for the rest, so a request
 * still times out exactly `readMs` after it was sent.
 */
class PooledConnection {
  private buffer = "";
  private waiting: { resolve: (r: HttpClientResponse) => void; reject: (e: Error) => void } | undefined;
  /** Whether any byte of the current request's response arrived (a failure before that is retried elsewhere). */
  received = false;
  /** Whether the current request's read timeout fired. */
  expired = false;
  /** Whether the current request is HEAD (its response ends with its head, whatever its Content-Length says). */
  private headRequest = false;
  /** When the current request's read timeout falls due (clock ms). */
  private deadline = 0;
  /** The read timeout's timer (armed while a request waits or an earlier deadline is pending). */
  private timer: TimerHandle | undefined;
  /** The read timeout's callback, made once per connection rather than per request. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.closed || !this.waiting) return;
    const left = this.deadline - this.clock.now();
    if (left > 0) {
      this.timer = this.clock.setTimeout(this.onTimer, left);
      return;
    }
    this.expired = true;
    this.destroy();
  };
  requests = 0;
  lastUsed = 0;
  closed = false;

  constructor(
    readonly conn: Connection,
    private readonly clock: Clock,
    private readonly onClosed: (c: PooledConnection) => void,
  ) {
    readText(conn, (text) => {
      this.buffer += text;
      if (this.waiting) this.received = true;
      this.tryParse(false);
    });
    conn.on("end", () => {
      this.tryParse(true);
      this.conn.end();
    });
    conn.on("close", () => this.fail(new UpstreamClosedError("upstream prematurely closed connection while reading response header from upstream")));
    conn.on("error", (err) => this.fail(err));
  }

  /**
   * Sends a request and resolves with its response; rejects when the connection fails first or
   * nothing arrives within `readMs`. `headRequest`: the request is HEAD (its response has no body).
   */
  send(head: string, body: string, readMs: number, headRequest = false): Promise<HttpClientResponse> {
    this.received = false;
    this.expired = false;
    this.headRequest = headRequest;
    this.deadline = this.clock.now() + readMs;
    this.timer ??= this.clock.setTimeout(this.onTimer, readMs);
    const p = new Promise<HttpClientResponse>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    this.requests++;
    this.conn.write(body ? head + body : head);
    return p;
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.conn.destroy();
    this.onClosed(this);
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tryParse(atEnd: boolean): void {
    if (!this.waiting) return;
    const parsed = parseHttpMessage(this.buffer, atEnd, this.headRequest);
    if (!parsed) return;
    this.buffer = this.buffer.slice(parsed.consumed);
    const w = this.waiting;
    this.waiting = undefined;
    // The status line: `HTTP/1.1 <code> <reason phrase>`.
    const line = parsed.startLine;
    const sp = line.indexOf(" ");
    const sp2 = sp < 0 ? -1 : line.indexOf(" ", sp + 1);
    const code = sp < 0 ? "0" : sp2 < 0 ? line.slice(sp + 1) : line.slice(sp + 1, sp2);
    const connection = parsed.headers["connection"];
    if (atEnd || (connection !== undefined && connection.toLowerCase() === "close")) this.closed = true;
    if (this.closed) this.stopTimer();
    w.resolve({ status: Number(code), statusText: sp2 < 0 ? "" : line.slice(sp2 + 1), headers: parsed.headers, body: parsed.body });
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    this.stopTimer();
    if (!this.closed) {
      this.closed = true;
      this.onClosed(this);
    }
    w?.reject(err);
  }
}

/**
 * The controller's upstream connections, kept alive between requests as ingress-nginx configures
 * its upstreams (`keepalive 320; keepalive_requests 10000; keepalive_timeout 60s`, HTTP/1.1 with
 * an empty Connection header): a request takes an idle connection to the endpoint or opens one,
 * and a response that does not close it returns the connection to the pool. A request that fails
 * on a reused connection before any response byte arrives is retried once on a fresh one (the
 * server closed an idle keep-alive connection), as nginx does.
 */
export class UpstreamPool {
  private readonly idle = new Map<string, PooledConnection[]>();
  /** The idle lists' keys (`scheme://ip:port`) by scheme, ip and port: built once per endpoint, not per request. */
  private readonly keys = { http: new Map<string, Map<number, string>>(), https: new Map<string, Map<number, string>>() };
  private idleCount = 0;
  private stopped = false;

  constructor(
    private readonly net: NetworkStack,
    private readonly clock: Clock,
  ) {}

  /**
   * One request to `ip:port`; `https` (backend-protocol HTTPS) speaks TLS to the endpoint over the
   * simulated connection, without verifying its certificate or sending SNI (ingress-nginx's
   * `proxy_ssl_verify off`, `proxy_ssl_server_name off`). A failed handshake rejects with
   * {@link UpstreamTlsError}.
   */
  async request(ip: string, port: number, req: UpstreamRequest, timeouts: { connectMs: number; readMs: number }, scheme: "http" | "https" = "http"): Promise<HttpClientResponse> {
    const key = this.key(scheme, ip, port);
    let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
    for (const k in req.headers) head += `${k}: ${req.headers[k]}\r\n`;
    if (req.body) head += `Content-Length: ${Buffer.byteLength(req.body)}\r\n`;
    head += "\r\n";
    // A reused connection the server closed before answering is retried once on a fresh one.
    const reused = this.take(key);
    let c = reused;
    for (;;) {
      if (!c) {
        let conn = await this.net.connect(ip, port, { timeoutMs: timeouts.connectMs });
        if (scheme === "https") conn = await tlsHandshake(conn);
        c = new PooledConnection(conn, this.clock, (closed) => this.forget(key, closed));
      }
      let res: HttpClientResponse;
      try {
        res = await c.send(head, req.body, timeouts.readMs, req.method === "HEAD");
      } catch (err) {
        if (c.expired) throw new HttpTimeoutError("upstream timed out (110: Connection timed out) while reading response header from upstream");
        if (c === reused && err instanceof UpstreamClosedError && !c.received) {
          c = undefined;
          continue;
        }
        throw err;
      }
      if (c.closed || c.requests >= UPSTREAM_KEEPALIVE.requests || this.stopped) c.destroy();
      else this.release(key, c);
      return res;
    }
  }

  /** Closes every idle connection; later requests still work (they open new ones). */
  close(): void {
    this.stopped = true;
    for (const list of this.idle.values()) for (const c of [...list]) c.destroy();
    this.idle.clear();
    this.idleCount = 0;
  }

  private key(scheme: "http" | "https", ip: string, port: number): string {
    const byIp = this.keys[scheme];
    let ports = byIp.get(ip);
    if (!ports) {
      // Bounded: endpoints come and go with pods; a full cache starts over.
      if (byIp.size >= 4096) byIp.clear();
      byIp.set(ip, (ports = new Map()));
    }
    let key = ports.get(port);
    if (key === undefined) ports.set(port, (key = `${scheme}://${ip}:${port}`));
    return key;
  }

  private take(key: string): PooledConnection | undefined {
    const list = this.idle.get(key);
    const now = this.clock.now();
    while (list?.length) {
      const c = list.pop()!;
      this.idleCount--;
      if (!c.closed && now - c.lastUsed < UPSTREAM_KEEPALIVE.timeoutMs) return c;
      c.destroy();
    }
    return undefined;
  }

  private release(key: string, c: PooledConnection): void {
    if (this.idleCount >= UPSTREAM_KEEPALIVE.connections) {
      c.destroy();
      return;
    }
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    c.lastUsed = this.clock.now();
    list.push(c);
    this.idleCount++;
  }

  private forget(key: string, c: PooledConnection): void {
    const list = this.idle.get(key);
    const i = list?.indexOf(c) ?? -1;
    if (i >= 0) {
      list!.splice(i, 1);
      this.idleCount--;
    }
  }
}
