/**
 * A gRPC client on node:http2, as grpc-go's speaks on the wire: a POST of /<service>/<method> with
 * content-type application/grpc and te: trailers, one length-prefixed message, the response
 * messages unframed and the status read from the trailers (or from the headers of a trailers-only
 * response). Over TLS it offers ALPN h2 only, as gRPC clients do.
 */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import type { TLSSocket } from "node:tls";
import { grpcFrame, grpcUnframe } from "../../plugins/images/index.js";

export interface GrpcResult {
  httpStatus: number;
  headers: IncomingHttpHeaders;
  messages: Uint8Array[];
  /** grpc-status (from the trailers, or a trailers-only response's headers); undefined when absent. */
  code: number | undefined;
  message: string;
  trailers: IncomingHttpHeaders;
  /** The ALPN protocol negotiated (TLS only). */
  alpn?: string | false;
}

/** Opens an HTTP/2 session to 127.0.0.1:port: h2c with prior knowledge, or TLS with SNI `host` and ALPN h2. */
export function grpcSession(port: number, host: string, tls: boolean): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = tls
      ? connect(`https://127.0.0.1:${port}`, { servername: host, rejectUnauthorized: false, ALPNProtocols: ["h2"] })
      : connect(`http://127.0.0.1:${port}`);
    session.once("connect", () => resolve(session));
    session.once("error", reject);
  });
}

/**
 * One call with one request message on a session (unary or server streaming); `authority` is the
 * :authority (the Host ingress-nginx routes by). `onMessage` sees each response message the moment
 * its last byte arrives, with its index.
 */
export function grpcCall(session: ClientHttp2Session, authority: string, path: string, message: Uint8Array, metadata: Record<string, string> = {}, onMessage?: (m: Uint8Array, index: number) => void): Promise<GrpcResult> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, ":authority": authority, "content-type": "application/grpc", te: "trailers", ...metadata });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let seen = 0;
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => {
      chunks.push(c);
      if (!onMessage) return;
      pending = pending.length ? Buffer.concat([pending, c]) : c;
      // Whole length-prefixed messages only (a DATA frame may end inside one).
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const n = 5 + pending.readUInt32BE(1);
        onMessage(pending.subarray(5, n), seen++);
        pending = pending.subarray(n);
      }
    });
    stream.on("error", reject);
    stream.on("end", () => {
      const status = trailers["grpc-status"] ?? headers["grpc-status"];
      const text = String(trailers["grpc-message"] ?? headers["grpc-message"] ?? "");
      const body = Buffer.concat(chunks);
      const isGrpc = String(headers["content-type"] ?? "").startsWith("application/grpc");
      resolve({
        httpStatus: Number(headers[":status"]),
        headers,
        messages: isGrpc ? grpcUnframe(body) : [body],
        code: status === undefined ? undefined : Number(status),
        message: decodeURIComponent(text),
        trailers,
        alpn: (session.socket as TLSSocket).alpnProtocol ?? undefined,
      });
    });
    stream.end(grpcFrame(message));
  });
}

/** A call whose request messages the test sends one by one (client streaming, bidirectional). */
export interface GrpcStreamCall {
  /** Sends one length-prefixed message (a DATA frame) without ending the request. */
  send(message: Uint8Array): void;
  /** Half-closes: the request ends (END_STREAM). */
  end(): void;
  /** Resets the stream (RST_STREAM CANCEL), as a client cancelling the call. */
  cancel(): void;
  /** The next response message, once its last byte has arrived (rejects when the call ends first). */
  next(): Promise<Uint8Array>;
  /** The response headers, when they arrive. */
  response: Promise<IncomingHttpHeaders>;
  /** How the call ended: the response headers, trailers, every response body byte, and the reset code when reset. */
  done: Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer; rstCode: number | undefined }>;
}

/** Opens a call and leaves its request open: messages go out as the test sends them. */
export function grpcStream(session: ClientHttp2Session, authority: string, path: string, metadata: Record<string, string> = {}): GrpcStreamCall {
  // Cancelling destroys the stream with an AbortError: RST_STREAM CANCEL alone, as grpc-go cancels (close(code) would send END_STREAM first).
  const cancelling = new AbortController();
  const stream = session.request({ ":method": "POST", ":path": path, ":authority": authority, "content-type": "application/grpc", te: "trailers", ...metadata }, { endStream: false, signal: cancelling.signal });
  let headers: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  let pending: Buffer = Buffer.alloc(0);
  const ready: Uint8Array[] = [];
  const waiting: { resolve: (m: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  let closed = false;
  const response = new Promise<IncomingHttpHeaders>((resolve) => stream.on("response", (h) => resolve((headers = h))));
  stream.on("trailers", (t) => (trailers = t));
  stream.on("data", (c: Buffer) => {
    chunks.push(c);
    pending = pending.length ? Buffer.concat([pending, c]) : c;
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const n = 5 + pending.readUInt32BE(1);
      const m = pending.subarray(5, n);
      pending = pending.subarray(n);
      const w = waiting.shift();
      if (w) w.resolve(m);
      else ready.push(m);
    }
  });
  stream.on("error", () => undefined);
  const done = new Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer; rstCode: number | undefined }>((resolve) => {
    const finish = (): void => {
      if (closed) return;
      closed = true;
      for (const w of waiting.splice(0)) w.reject(new Error("the call ended before another message"));
      resolve({ headers, trailers, body: Buffer.concat(chunks), rstCode: stream.rstCode });
    };
    stream.on("close", finish);
    // A stream reset while the client still had data queued: node:http2 emits 'close' only once
    // those writes are dropped, but the call is over when the reset has come and the response ended.
    stream.on("aborted", () => {
      if (stream.readableEnded) finish();
      else stream.once("end", finish);
    });
  });
  return {
    send: (m) => void stream.write(grpcFrame(m)),
    end: () => void stream.end(),
    cancel: () => cancelling.abort(),
    response,
    next: () => {
      const m = ready.shift();
      if (m) return Promise.resolve(m);
      if (closed) return Promise.reject(new Error("the call has ended"));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    done,
  };
}
