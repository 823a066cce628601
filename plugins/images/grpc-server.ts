import { constants as h2, createSecureServer, createServer, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { Process } from "../../core/cri/process.js";
import { connectionToDuplex } from "../../core/net/connection-stream.js";

/**
 * gRPC servers of built-in images: HTTP/2 (Node's `node:http2`) over the simulated network, as
 * grpc-go serves it. Every call is a POST of `/<package.Service>/<Method>` with
 * `content-type: application/grpc`; messages on both sides are length-prefixed (1 byte compressed
 * flag, 4 bytes big-endian length, the protobuf bytes); the outcome is in the trailers
 * (`grpc-status`, `grpc-message` percent-encoded). A call that fails before any message is a
 * trailers-only response (one HEADERS frame with END_STREAM), as grpc-go sends it.
 */

/** gRPC status codes (grpc/codes). */
export const GrpcCode = { OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** One call as the handler sees it: the request message (unframed) and metadata (lower-case names). */
export interface GrpcCall {
  readonly service: string;
  readonly method: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The request message, exactly one: a unary or server-streaming call carrying none or several fails before its handler runs. */
  readonly messages: readonly Uint8Array[];
  /** Aborted when the client cancels the call (RST_STREAM) before it completed, as grpc-go's context is done. */
  readonly signal: AbortSignal;
}

/** What a handler answers: response messages, and a non-OK status with its message. */
export interface GrpcReply {
  messages?: readonly Uint8Array[];
  code?: number;
  message?: string;
  /** Response header metadata (sent before the messages). */
  metadata?: Readonly<Record<string, string>>;
  /** Further messages of a server-streaming method, each sent when produced (after `messages`). */
  stream?: AsyncIterable<Uint8Array>;
}

export type GrpcMethod = (call: GrpcCall) => GrpcReply | Promise<GrpcReply>;

/** A call of a client-streaming or bidirectional method: its request messages as they arrive, not collected. */
export interface GrpcStreamingCall extends Omit<GrpcCall, "messages"> {
  /**
   * Each request message the moment its last byte has arrived, until the client half-closes (then
   * the iteration ends) or resets the call (then it throws). Read at the handler's pace: unread
   * messages hold the stream's HTTP/2 flow-control window, so a slow reader slows the sender.
   */
  readonly requests: AsyncIterable<Uint8Array>;
}

/**
 * A client-streaming or bidirectional method (grpc-go's `ServerStream` handlers): called as soon as
 * the request HEADERS arrive. Its reply's `messages` and `stream` are sent as produced; the response
 * headers go out with the first message (or with the status, trailers-only, when there is none), as
 * grpc-go sends them on the first `Send`.
 */
export interface GrpcStreamingMethod {
  readonly streaming: (call: GrpcStreamingCall) => GrpcReply | Promise<GrpcReply>;
}

/** A service's methods by name, services by full name (`grpc.health.v1.Health`). */
export type GrpcServices = Readonly<Record<string, Readonly<Record<string, GrpcMethod | GrpcStreamingMethod>>>>;

/** A message with gRPC's 5-byte prefix (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Splits length-prefixed messages; throws when the bytes end inside one or a message is compressed. */
export function grpcUnframe(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < view.length) {
    if (view.length - at < 5) throw new Error("grpc: truncated message prefix");
    if (view[at] !== 0) throw new Error("grpc: compressed messages are not supported");
    const len = view.readUInt32BE(at + 1);
    if (view.length - at - 5 < len) throw new Error("grpc: truncated message");
    out.push(view.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  return out;
}

/** `grpc-message` as the wire carries it: percent-encoded outside printable ASCII and `%`. */
export function encodeGrpcMessage(message: string): string {
  return Array.from(Buffer.from(message, "utf8"), (b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

/**
 * grpc-go's default limit on one received message (`defaultServerMaxReceiveMessageSize`, changed
 * with `grpc.MaxRecvMsgSize`): a larger one fails the call with RESOURCE_EXHAUSTED.
 */
export const DEFAULT_MAX_RECEIVE_MESSAGE_SIZE = 4 * 1024 * 1024;

/** A call's failure with its gRPC status, as grpc-go's `status.Error`. */
export class GrpcStatusError extends Error {
  override readonly name = "GrpcStatusError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** How a server answers: TLS (ALPN h2) instead of h2c, and its receive limit. */
export interface GrpcServerOptions {
  tls?: { cert: string; key: string };
  /** The largest request message accepted (default {@link DEFAULT_MAX_RECEIVE_MESSAGE_SIZE}). */
  maxReceiveMessageSize?: number;
}

/**
 * One call's server side, as grpc-go's server stream writes it: the response headers once (before
 * the first message), the messages, and the status once — trailers-only when nothing was sent —
 * followed by RST_STREAM NO_ERROR when the client has not half-closed (grpc-go's `WriteStatus`:
 * the rest of the request is not wanted). Whatever comes after the status is dropped.
 */
class ServerCall {
  private headersSent = false;
  private finished = false;
  private code: number = GrpcCode.OK;
  private text = "";
  private resetAfterTrailers = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly maxReceive: number,
  ) {}

  /** The status has been written (or the stream is gone): nothing more goes out. */
  get done(): boolean {
    return this.finished || this.stream.destroyed || this.stream.closed;
  }

  sendHeaders(metadata: Readonly<Record<string, string>> | undefined): void {
    if (this.headersSent || this.done) return;
    this.headersSent = true;
    this.stream.respond({ ":status": 200, "content-type": "application/grpc", ...(metadata ?? {}) }, { waitForTrailers: true });
    this.stream.once("wantTrailers", () => {
      this.stream.sendTrailers({ "grpc-status": String(this.code), "grpc-message": encodeGrpcMessage(this.text) });
      // The reset goes out after the trailers (closing at once would put RST_STREAM before them).
      if (this.resetAfterTrailers) setImmediate(() => this.stream.close(h2.NGHTTP2_NO_ERROR));
    });
  }

  sendMessage(message: Uint8Array, metadata: Readonly<Record<string, string>> | undefined): void {
    if (this.done) return;
    this.sendHeaders(metadata);
    this.stream.write(grpcFrame(message));
  }

  writeStatus(code: number, message: string, metadata?: Readonly<Record<string, string>>): void {
    if (this.done) return;
    this.finished = true;
    const stream = this.stream;
    // RST_STREAM NO_ERROR follows the status when the client is still sending.
    const reset = !stream.state.remoteClose;
    if (this.headersSent) {
      this.code = code;
      this.text = message;
      this.resetAfterTrailers = reset;
      stream.end();
    } else {
      stream.respond({ ":status": 200, "content-type": "application/grpc", ...(metadata ?? {}), "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) }, { endStream: true });
      if (reset) stream.close(h2.NGHTTP2_NO_ERROR);
    }
  }

  /**
   * The request's length-prefixed messages as each completes, read at the consumer's pace (a
   * consumer that stops early leaves the stream open for the response). A message whose prefix
   * declares more than the receive limit fails the call at once with RESOURCE_EXHAUSTED, before
   * any of its bytes are kept (grpc-go checks the prefix before reading the message); a prefix with
   * the compressed flag fails it with INTERNAL; a request ending inside a message with INTERNAL
   * "unexpected EOF". Each failure writes the status (grpc-go's `RecvMsg`) and then throws it.
   */
  async *requests(): AsyncGenerator<Uint8Array> {
    const stream = this.stream;
    let pending: Buffer = Buffer.alloc(0);
    // Chunks of a message still arriving, joined once it is whole (not copied again per chunk).
    let parts: Buffer[] = [];
    let partsLength = 0;
    let needed = 5;
    for await (const c of stream.iterator({ destroyOnReturn: false })) {
      parts.push(c as Buffer);
      partsLength += (c as Buffer).length;
      if (partsLength < needed) continue;
      pending = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength);
      while (pending.length >= 5) {
        const end = 5 + this.checkPrefix(pending);
        if (pending.length < end) break;
        yield pending.subarray(5, end);
        pending = pending.subarray(end);
      }
      needed = pending.length >= 5 ? 5 + pending.readUInt32BE(1) : 5;
      parts = pending.length ? [pending] : [];
      partsLength = pending.length;
    }
    // The client reset the call: its half ends without END_STREAM.
    if (stream.rstCode !== undefined && stream.rstCode !== h2.NGHTTP2_NO_ERROR) throw new Error("grpc: the client cancelled the call");
    if (partsLength) this.fail(new GrpcStatusError(GrpcCode.INTERNAL, "unexpected EOF"));
  }

  /**
   * The one request message of a unary or server-streaming call, as grpc-go's server stream's
   * `RecvMsg` reads it for a non-client-streaming method: it then waits for the client to
   * half-close; a second message fails the call with INTERNAL "cardinality violation: received
   * multiple request messages for non-client-streaming RPC" as soon as it has arrived, a request
   * ending with no message with INTERNAL "cardinality violation: received no request message from
   * non-client-streaming RPC". Failures write the status, then throw it.
   */
  async single(): Promise<Uint8Array> {
    let first: Uint8Array | undefined;
    for await (const m of this.requests()) {
      if (first !== undefined) this.fail(new GrpcStatusError(GrpcCode.INTERNAL, "cardinality violation: received multiple request messages for non-client-streaming RPC"));
      first = m;
    }
    if (first === undefined) this.fail(new GrpcStatusError(GrpcCode.INTERNAL, "cardinality violation: received no request message from non-client-streaming RPC"));
    return first;
  }

  /** The length a message prefix declares, once it passed grpc-go's checks (`recvMsg`, `checkRecvPayload`). */
  private checkPrefix(prefix: Buffer): number {
    const length = prefix.readUInt32BE(1);
    if (length > this.maxReceive) this.fail(new GrpcStatusError(GrpcCode.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${length} vs. ${this.maxReceive})`));
    const format = prefix[0]!;
    if (format === 1) this.fail(new GrpcStatusError(GrpcCode.INTERNAL, "grpc: compressed flag set with identity or empty encoding"));
    if (format !== 0) this.fail(new GrpcStatusError(GrpcCode.INTERNAL, `grpc: received unexpected payload format ${format}`));
    return length;
  }

  private fail(err: GrpcStatusError): never {
    this.writeStatus(err.code, err.message);
    // What the client still sends is read and dropped.
    this.stream.resume();
    throw err;
  }
}

/** Serves one HTTP/2 stream as a gRPC call. */
async function serveCall(services: GrpcServices, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, maxReceive: number): Promise<void> {
  const contentType = String(headers["content-type"] ?? "");
  if (headers[":method"] !== "POST" || !contentType.startsWith("application/grpc")) {
    // grpc-go answers what is not gRPC with 415 (or 405 for other methods) and a plain text body.
    if (stream.destroyed) return;
    const status = headers[":method"] !== "POST" ? 405 : 415;
    stream.respond({ ":status": status, "content-type": "text/plain; charset=utf-8" });
    stream.end(status === 405 ? "" : `invalid gRPC request content-type "${contentType}"`);
    return;
  }
  const call = new ServerCall(stream, maxReceive);
  const cancelled = new AbortController();
  // A stream reset (RST_STREAM from the client, or the connection gone) before the call completed.
  stream.once("close", () => {
    if (stream.rstCode !== h2.NGHTTP2_NO_ERROR) cancelled.abort();
  });
  const path = String(headers[":path"] ?? "");
  const slash = path.lastIndexOf("/");
  const service = path.slice(1, slash);
  const method = path.slice(slash + 1);
  // grpc-go refuses an unknown service or method before reading the request.
  if (!services[service]) return call.writeStatus(GrpcCode.UNIMPLEMENTED, `unknown service ${service}`);
  const fn = services[service][method];
  if (!fn) return call.writeStatus(GrpcCode.UNIMPLEMENTED, `unknown method ${method} for service ${service}`);
  const encoding = String(headers["grpc-encoding"] ?? "identity");
  // No decompressor is registered (grpc-go's default server, without encoding/gzip imported).
  if (encoding !== "identity") return call.writeStatus(GrpcCode.UNIMPLEMENTED, `grpc: Decompressor is not installed for grpc-encoding "${encoding}"`);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") && v !== undefined) metadata[k] = Array.isArray(v) ? v.join(", ") : String(v);
  if (typeof fn !== "function") {
    // Client streaming or bidirectional: the handler reads the request messages as they arrive.
    let reply: GrpcReply;
    try {
      reply = await fn.streaming({ service, method, metadata, requests: call.requests(), signal: cancelled.signal });
    } catch (err) {
      reply = failure(err, cancelled.signal.aborted ? GrpcCode.CANCELLED : GrpcCode.UNKNOWN);
    }
    return sendReply(call, reply, true);
  }
  let messages: Uint8Array[];
  try {
    messages = [await call.single()];
  } catch {
    // The status is written (or the client is gone).
    return;
  }
  let reply: GrpcReply;
  try {
    reply = await fn({ service, method, metadata, messages, signal: cancelled.signal });
  } catch (err) {
    reply = failure(err, GrpcCode.UNKNOWN);
  }
  return sendReply(call, reply, false);
}

/** A handler's error as its reply: its own status when it carries one (a failed receive's), else `code`. */
function failure(err: unknown, code: number): GrpcReply {
  return err instanceof GrpcStatusError ? { code: err.code, message: err.message } : { code, message: (err as Error).message };
}

/**
 * Sends a handler's reply: the response headers, its messages, then its stream's as produced, and
 * the status in the trailers; a reply with no message is trailers-only. `lazyHeaders` holds the
 * headers back until the first message (grpc-go's streaming handlers send them on the first `Send`).
 */
async function sendReply(call: ServerCall, reply: GrpcReply, lazyHeaders: boolean): Promise<void> {
  let code: number = reply.code ?? GrpcCode.OK;
  let text = reply.message ?? "";
  if (!reply.messages?.length && !reply.stream && code !== GrpcCode.OK) return call.writeStatus(code, text, reply.metadata);
  if (!lazyHeaders) call.sendHeaders(reply.metadata);
  for (const m of reply.messages ?? []) call.sendMessage(m, reply.metadata);
  if (reply.stream) {
    try {
      for await (const m of reply.stream) {
        // The client cancelled, or a failed receive wrote the status: the handler's stream is abandoned (its iterator returned), as grpc-go cancels the context.
        if (call.done) return;
        call.sendMessage(m, reply.metadata);
      }
    } catch (err) {
      // The handler failed mid-stream: its error is the status, as grpc-go reports a handler's returned error.
      ({ code, message: text } = failure(err, GrpcCode.UNKNOWN) as { code: number; message: string });
    }
  }
  call.writeStatus(code, text, reply.metadata);
}

/**
 * Listens for gRPC on `port` of the process's network namespace: cleartext HTTP/2 (h2c with prior
 * knowledge, as grpc-go's `Serve` without credentials), or TLS offering ALPN `h2` when `options.tls`
 * is given; request messages over `options.maxReceiveMessageSize` (grpc-go's 4 MiB default) fail
 * their call with RESOURCE_EXHAUSTED. Connections end with the process.
 */
export function serveGrpc(p: Process, port: number, services: GrpcServices, options: GrpcServerOptions = {}): void {
  const { tls, maxReceiveMessageSize = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE } = options;
  // The TLS server wraps each connection itself (ALPN h2) before the HTTP/2 session starts.
  const server = tls ? createSecureServer({ cert: tls.cert, key: tls.key }) : createServer();
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    void serveCall(services, stream, headers, maxReceiveMessageSize).catch(() => stream.destroy());
  });
  server.on("sessionError", () => undefined);
  server.on("tlsClientError", () => undefined);
  p.net.listen("TCP", port, (conn) => server.emit("connection", connectionToDuplex(conn)));
  p.signal.addEventListener("abort", () => server.close(), { once: true });
}
