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
export const GrpcCode = { OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** One call as the handler sees it: the request messages (unframed) and metadata (lower-case names). */
export interface GrpcCall {
  readonly service: string;
  readonly method: string;
  readonly metadata: Readonly<Record<string, string>>;
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
 * The length-prefixed messages of a request body as they complete, read from the stream at the
 * consumer's pace (a consumer that stops early leaves the stream open for the response).
 */
async function* requestMessages(stream: ServerHttp2Stream): AsyncGenerator<Uint8Array> {
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
      if (pending[0] !== 0) throw new Error("grpc: compressed messages are not supported");
      const end = 5 + pending.readUInt32BE(1);
      if (pending.length < end) break;
      yield pending.subarray(5, end);
      pending = pending.subarray(end);
    }
    needed = pending.length >= 5 ? 5 + pending.readUInt32BE(1) : 5;
    parts = pending.length ? [pending] : [];
    partsLength = pending.length;
  }
  pending = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength);
  // The client reset the call: its half ends without END_STREAM.
  if (stream.rstCode !== undefined && stream.rstCode !== h2.NGHTTP2_NO_ERROR) throw new Error("grpc: the client cancelled the call");
  if (pending.length) throw new Error("grpc: truncated message");
}

/** Serves one HTTP/2 stream as a gRPC call. */
async function serveCall(services: GrpcServices, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
  const trailersOnly = (code: number, message: string): void => {
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) }, { endStream: true });
  };
  const contentType = String(headers["content-type"] ?? "");
  if (headers[":method"] !== "POST" || !contentType.startsWith("application/grpc")) {
    // grpc-go answers what is not gRPC with 415 (or 405 for other methods) and a plain text body.
    if (stream.destroyed) return;
    const status = headers[":method"] !== "POST" ? 405 : 415;
    stream.respond({ ":status": status, "content-type": "text/plain; charset=utf-8" });
    stream.end(status === 405 ? "" : `invalid gRPC request content-type "${contentType}"`);
    return;
  }
  const cancelled = new AbortController();
  // A stream reset (RST_STREAM from the client, or the connection gone) before the call completed.
  stream.once("close", () => {
    if (stream.rstCode !== h2.NGHTTP2_NO_ERROR) cancelled.abort();
  });
  const path = String(headers[":path"] ?? "");
  const slash = path.lastIndexOf("/");
  const service = path.slice(1, slash);
  const method = path.slice(slash + 1);
  const fn = services[service]?.[method];
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") && v !== undefined) metadata[k] = Array.isArray(v) ? v.join(", ") : String(v);
  if (fn && typeof fn !== "function") {
    // Client streaming or bidirectional: the handler reads the request messages as they arrive.
    let reply: GrpcReply;
    try {
      reply = await fn.streaming({ service, method, metadata, requests: requestMessages(stream), signal: cancelled.signal });
    } catch (err) {
      reply = { code: cancelled.signal.aborted ? GrpcCode.CANCELLED : GrpcCode.UNKNOWN, message: (err as Error).message };
    }
    return sendReply(stream, reply, true);
  }
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  if (!services[service]) return trailersOnly(GrpcCode.UNIMPLEMENTED, `unknown service ${service}`);
  if (!fn) return trailersOnly(GrpcCode.UNIMPLEMENTED, `unknown method ${method} for service ${service}`);
  let messages: Uint8Array[];
  try {
    messages = grpcUnframe(Buffer.concat(chunks));
  } catch (err) {
    return trailersOnly(GrpcCode.INTERNAL, (err as Error).message);
  }
  let reply: GrpcReply;
  try {
    reply = await fn({ service, method, metadata, messages, signal: cancelled.signal });
  } catch (err) {
    reply = { code: GrpcCode.UNKNOWN, message: (err as Error).message };
  }
  return sendReply(stream, reply, false);
}

/**
 * Sends a handler's reply: the response headers, its messages, then its stream's as produced, and
 * the status in the trailers; a reply with no message is trailers-only. `lazyHeaders` holds the
 * headers back until the first message (grpc-go's streaming handlers send them on the first `Send`).
 */
async function sendReply(stream: ServerHttp2Stream, reply: GrpcReply, lazyHeaders: boolean): Promise<void> {
  let code: number = reply.code ?? GrpcCode.OK;
  let text = reply.message ?? "";
  const trailersOnly = (): void => {
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, "content-type": "application/grpc", ...(reply.metadata ?? {}), "grpc-status": String(code), "grpc-message": encodeGrpcMessage(text) }, { endStream: true });
  };
  if (!reply.messages?.length && !reply.stream && code !== GrpcCode.OK) return trailersOnly();
  if (stream.destroyed) return;
  let responded = false;
  const respond = (): void => {
    if (responded) return;
    responded = true;
    stream.respond({ ":status": 200, "content-type": "application/grpc", ...(reply.metadata ?? {}) }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(code), "grpc-message": encodeGrpcMessage(text) }));
  };
  if (!lazyHeaders) respond();
  for (const m of reply.messages ?? []) {
    respond();
    stream.write(grpcFrame(m));
  }
  if (reply.stream) {
    try {
      for await (const m of reply.stream) {
        // The client cancelled: the handler's stream is abandoned (its iterator returned), as grpc-go cancels the context.
        if (stream.destroyed) return;
        respond();
        stream.write(grpcFrame(m));
      }
    } catch (err) {
      // The handler failed mid-stream: its error is the status, as grpc-go reports a handler's returned error.
      code = GrpcCode.UNKNOWN;
      text = (err as Error).message;
    }
  }
  if (stream.destroyed) return;
  if (!responded) return trailersOnly();
  stream.end();
}

/**
 * Listens for gRPC on `port` of the process's network namespace: cleartext HTTP/2 (h2c with prior
 * knowledge, as grpc-go's `Serve` without credentials), or TLS offering ALPN `h2` when `tls` is
 * given. Connections end with the process.
 */
export function serveGrpc(p: Process, port: number, services: GrpcServices, tls?: { cert: string; key: string }): void {
  // The TLS server wraps each connection itself (ALPN h2) before the HTTP/2 session starts.
  const server = tls ? createSecureServer({ cert: tls.cert, key: tls.key }) : createServer();
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    void serveCall(services, stream, headers).catch(() => stream.destroy());
  });
  server.on("sessionError", () => undefined);
  server.on("tlsClientError", () => undefined);
  p.net.listen("TCP", port, (conn) => server.emit("connection", connectionToDuplex(conn)));
  p.signal.addEventListener("abort", () => server.close(), { once: true });
}
