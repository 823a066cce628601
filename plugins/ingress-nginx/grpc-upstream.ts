import { connect as http2Connect, constants as h2, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import type { Duplex } from "node:stream";
import { HttpTimeoutError } from "../../core/cri/http.js";
import type { Clock } from "../../core/clock/clock.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import { connectionToDuplex } from "../../core/net/connection-stream.js";
import { UpstreamClosedError, upstreamTls } from "./upstream-pool.js";

/** One request to a gRPC upstream: what nginx's `grpc_pass` sends. */
export interface GrpcUpstreamRequest {
  method: string;
  path: string;
  /** `:authority` (the request's Host). */
  authority: string;
  headers: Readonly<Record<string, string>>;
  /**
   * The request body: whole, or still arriving from the client (each chunk is sent upstream as it
   * comes, as grpc_pass forwards an unbuffered request body; a slow upstream pauses the client).
   */
  body: Uint8Array | BodyStream;
}

/** Where a streamed response body goes: each DATA chunk as it arrives, then the trailers, or the failure. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(trailers: Record<string, string>): void;
  error(err: Error): void;
}

/**
 * A response body still arriving from the upstream. `pipe` (once) replays what came so far, then
 * forwards as it comes. `pause`/`resume` carry the client's flow control to the upstream (nginx
 * stops reading an upstream its client does not drain); `cancel` resets the upstream stream when
 * the client went away (RST_STREAM CANCEL, as nginx closes the upstream request).
 */
export interface BodyStream {
  pipe(sink: BodySink): void;
  pause(): void;
  resume(): void;
  cancel(): void;
}

/** The upstream's answer as soon as its HEADERS arrive: status, headers, and the body (DATA frames, then trailers) as it streams. */
export interface GrpcUpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: BodyStream;
}

/** Collects a streamed body: its bytes and trailers once it ends. */
export function collectBody(body: BodyStream): Promise<{ bytes: Buffer; trailers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.pipe({ data: (c) => chunks.push(c), end: (trailers) => resolve({ bytes: Buffer.concat(chunks), trailers }), error: reject });
  });
}

/** What passes through a tapped body: each chunk, and once how it finished (its trailers, a failure, or the client's cancel). */
export interface BodyTap {
  data?(chunk: Buffer): void;
  done(outcome: { trailers: Record<string, string> } | { error: Error } | { cancelled: true }): void;
}

/** `body` as seen through `tap`: the same flow, pause, resume and cancel, with `tap` told what went by. */
export function tapBody(body: BodyStream, tap: BodyTap): BodyStream {
  let finished = false;
  const done = (o: Parameters<BodyTap["done"]>[0]): void => {
    if (finished) return;
    finished = true;
    tap.done(o);
  };
  return {
    pipe: (sink) =>
      body.pipe({
        data: (c) => {
          tap.data?.(c);
          sink.data(c);
        },
        end: (trailers) => {
          done({ trailers });
          sink.end(trailers);
        },
        error: (error) => {
          done({ error });
          sink.error(error);
        },
      }),
    pause: () => body.pause(),
    resume: () => body.resume(),
    cancel: () => {
      body.cancel();
      done({ cancelled: true });
    },
  };
}

/**
 * A gRPC upstream stream that failed, worded as nginx's error log says it ("upstream rejected
 * request with error 2 while reading upstream", "upstream prematurely closed connection while
 * reading response header from upstream").
 */
export class GrpcUpstreamError extends Error {
  override readonly name = "GrpcUpstreamError";
}

/** What the upstream stream does when its reader asks to pause, resume or cancel. */
interface StreamControl {
  pause(): void;
  resume(): void;
  cancel(): void;
}

/**
 * A body fed by the upstream stream's events from the moment the request is sent, buffered until a
 * sink is attached: node:http2 emits `response` on the next tick but DATA as it is read, so the
 * first messages can arrive before the response headers are seen, and must not be lost.
 */
class UpstreamBody implements BodyStream {
  private sink: BodySink | undefined;
  private early: Buffer[] = [];
  private outcome: { trailers: Record<string, string> } | { error: Error } | undefined;

  constructor(private readonly control: StreamControl) {}

  pipe(sink: BodySink): void {
    if (this.sink) throw new Error("a response body is piped once");
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const c of early) sink.data(c);
    const o = this.outcome;
    if (o) "error" in o ? sink.error(o.error) : sink.end(o.trailers);
  }

  pause(): void {
    if (!this.outcome) this.control.pause();
  }

  resume(): void {
    if (!this.outcome) this.control.resume();
  }

  cancel(): void {
    if (this.outcome) return;
    this.outcome = { error: new Error("client closed the stream") };
    this.control.cancel();
  }

  data(c: Buffer): void {
    if (this.outcome) return;
    if (this.sink) this.sink.data(c);
    else this.early.push(c);
  }

  end(trailers: Record<string, string>): void {
    if (this.outcome) return;
    this.outcome = { trailers };
    this.sink?.end(trailers);
  }

  error(err: Error): void {
    if (this.outcome) return;
    this.outcome = { error: err };
    this.sink?.error(err);
  }
}

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2), and those the proxy sets itself. */
const NOT_FORWARDED = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length", "te"]);

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") && v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  return out;
}

/**
 * The controller's HTTP/2 upstreams for `backend-protocol: GRPC` (cleartext h2 with prior
 * knowledge, nginx's `grpc_pass grpc://`) and `GRPCS` (TLS with ALPN h2, `grpc_pass grpcs://`,
 * certificate not verified as `grpc_ssl_verify off`): one HTTP/2 session per endpoint over a
 * simulated connection from the controller pod's namespace, calls multiplexed on it as nginx keeps
 * its gRPC upstream connections alive. A session that fails or is closed by the backend (GOAWAY)
 * is dropped and the next call opens a new one. A call resolves when the upstream's response
 * HEADERS arrive; its DATA frames stream through as they come (server-streaming methods), the
 * trailers last, as nginx's grpc_pass forwards them unbuffered.
 */
export class GrpcUpstreamPool {
  private readonly sessions = new Map<string, Promise<ClientHttp2Session>>();

  constructor(
    private readonly net: NetworkStack,
    private readonly clock: Clock,
  ) {}

  async request(ip: string, port: number, req: GrpcUpstreamRequest, timeouts: { connectMs: number; readMs: number }, tls: boolean): Promise<GrpcUpstreamResponse> {
    const session = await this.session(ip, port, timeouts.connectMs, tls);
    const headers: OutgoingHttpHeaders = { ":method": req.method, ":path": req.path, ":authority": req.authority, ":scheme": tls ? "https" : "http" };
    for (const k in req.headers) {
      const name = k.toLowerCase();
      if (!NOT_FORWARDED.has(name)) headers[name] = req.headers[k];
    }
    // gRPC requires `te: trailers`; nginx passes it through (grpc_pass keeps TE: trailers).
    if ((req.headers["te"] ?? req.headers["TE"]) !== undefined) headers["te"] = "trailers";
    const source = req.body instanceof Uint8Array ? undefined : req.body;
    const whole = req.body instanceof Uint8Array ? req.body : undefined;
    return new Promise<GrpcUpstreamResponse>((resolve, reject) => {
      let stream;
      // Cancelling resets the stream with RST_STREAM CANCEL alone (stream.close(code) would half-close it with END_STREAM first, which a backend reads as the request's end).
      const cancelling = new AbortController();
      try {
        stream = session.request(headers, { endStream: whole !== undefined && whole.length === 0, signal: cancelling.signal });
      } catch (err) {
        reject(new UpstreamClosedError(`upstream prematurely closed connection while reading response header from upstream (${(err as Error).message})`));
        return;
      }
      let responded = false;
      let trailers: Record<string, string> = {};
      // grpc_read_timeout: between two reads from the upstream, not for the whole call (and not
      // while the client holds the stream paused: nginx then is not reading).
      let timer: unknown;
      const done = (): void => this.clock.clearTimeout(timer as never);
      const arm = (): void => {
        done();
        timer = this.clock.setTimeout(() => {
          cancelling.abort();
          const err = new HttpTimeoutError(`upstream timed out (110: Connection timed out) while reading ${responded ? "upstream" : "response header from upstream"}`);
          if (responded) body.error(err);
          else reject(err);
        }, timeouts.readMs);
      };
      const body = new UpstreamBody({
        pause: () => {
          done();
          stream.pause();
        },
        resume: () => {
          arm();
          stream.resume();
        },
        cancel: () => {
          done();
          cancelling.abort();
        },
      });
      // The read timeout runs once the request is sent (nginx arms it when the request is written
      // out): a streamed request keeps it off while the client is still sending.
      if (!source) arm();
      // A trailers-only response carries grpc-status in its one HEADERS frame: it stays in the headers.
      stream.on("response", (h) => {
        arm();
        responded = true;
        resolve({ status: Number(h[":status"] ?? 0), headers: flatten(h), body });
      });
      stream.on("trailers", (t) => (trailers = flatten(t)));
      // DATA read in the same chunk as the HEADERS comes before `response` (emitted a tick later): the body keeps it.
      stream.on("data", (c: Buffer) => {
        arm();
        body.data(c);
      });
      stream.on("end", () => {
        done();
        // The upstream has answered in full: what the client still sends is not read any more.
        if (!requestDone) source?.cancel();
        if (!responded) return reject(new UpstreamClosedError("upstream prematurely closed connection while reading response header from upstream"));
        body.end(trailers);
      });
      // An upstream that resets the stream (RST_STREAM) or drops the connection: before the
      // response headers the call fails (502), after them the client's stream is reset.
      const failed = (): void => {
        done();
        if (!requestDone) source?.cancel();
        const code = stream.rstCode;
        const what = code !== undefined && code !== h2.NGHTTP2_NO_ERROR && !stream.session?.destroyed ? `upstream rejected request with error ${code}` : "upstream prematurely closed connection";
        const e = new GrpcUpstreamError(`${what} while reading ${responded ? "upstream" : "response header from upstream"}`);
        if (responded) body.error(e);
        else reject(e);
      };
      stream.on("error", failed);
      // A stream closed without its end (RST_STREAM NO_ERROR, or the session gone) fails the same way; after `end` or a failure this does nothing.
      stream.on("close", () => {
        if (!stream.readableEnded) failed();
      });
      let requestDone = source === undefined;
      if (whole?.length) stream.end(whole);
      if (!source) return;
      // The request body streams upstream chunk by chunk; the upstream's flow control pauses the
      // client. A client that resets its stream (or a body over the size limit) cancels the
      // upstream stream, and the call fails with that error, before or after the response headers.
      let blocked = false;
      source.pipe({
        data: (c) => {
          if (stream.destroyed || stream.writableEnded) return;
          if (stream.write(c) || blocked) return;
          blocked = true;
          source.pause();
          stream.once("drain", () => {
            blocked = false;
            source.resume();
          });
        },
        end: () => {
          requestDone = true;
          if (stream.destroyed || stream.writableEnded) return;
          stream.end();
          if (!stream.readableEnded) arm();
        },
        error: (err) => {
          requestDone = true;
          done();
          if (responded) body.error(err);
          else reject(err);
          if (!stream.destroyed) cancelling.abort();
        },
      });
    });
  }

  /** Closes every session (the controller pod is stopping). */
  close(): void {
    for (const s of this.sessions.values()) void s.then((x) => x.destroy(), () => undefined);
    this.sessions.clear();
  }

  private session(ip: string, port: number, connectMs: number, tls: boolean): Promise<ClientHttp2Session> {
    const key = `${tls ? "grpcs" : "grpc"}://${ip}:${port}`;
    const existing = this.sessions.get(key);
    if (existing) return existing;
    const opening = this.open(ip, port, connectMs, tls);
    this.sessions.set(key, opening);
    opening.then(
      (s) => {
        const forget = (): void => {
          if (this.sessions.get(key) === opening) this.sessions.delete(key);
        };
        s.once("close", forget);
        s.once("goaway", forget);
        s.once("error", forget);
      },
      () => {
        if (this.sessions.get(key) === opening) this.sessions.delete(key);
      },
    );
    return opening;
  }

  private async open(ip: string, port: number, connectMs: number, tls: boolean): Promise<ClientHttp2Session> {
    const conn = await this.net.connect(ip, port, { timeoutMs: connectMs });
    let socket: Duplex = connectionToDuplex(conn);
    if (tls) socket = await upstreamTls(socket, ["h2"]);
    const session = http2Connect(`${tls ? "https" : "http"}://${ip}:${port}`, { createConnection: () => socket });
    session.on("error", () => undefined);
    return session;
  }
}

