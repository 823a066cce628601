import type { Http2ServerRequest, IncomingHttpHeaders } from "node:http2";
import type { BodySink, BodyStream } from "./grpc-upstream.js";

/**
 * The client reset its stream (RST_STREAM) or dropped the connection before its request body
 * ended: nginx's 499 (`NGX_HTTP_CLIENT_CLOSED_REQUEST`), with no error-log line at the default
 * level ("client canceled stream" is logged at info).
 */
export class ClientClosedRequestError extends Error {
  override readonly name = "ClientClosedRequestError";
  constructor() {
    super("client closed the request");
  }
}

/**
 * A request body without a declared length grew past `client_max_body_size` while streaming:
 * nginx's error-log line "client intended to send too large chunked body: N bytes", and 413 when
 * the response has not begun (the client's stream is reset when it has).
 */
export class RequestBodyTooLargeError extends Error {
  override readonly name = "RequestBodyTooLargeError";
  constructor(readonly received: number) {
    super(`client intended to send too large chunked body: ${received} bytes`);
  }
}

/**
 * A client's HTTP/2 request body as it arrives, for nginx's unbuffered gRPC requests
 * (`grpc_pass` reads the request body with `request_body_no_buffering`): each DATA chunk goes to the
 * sink as read, `pause`/`resume` stop and restart reading (the client's flow-control window then
 * fills, pausing the client), the end carries the request trailers, a reset stream fails it with
 * {@link ClientClosedRequestError}, and `cancel` stops forwarding and discards the rest.
 */
export class Http2RequestBody implements BodyStream {
  private piped = false;
  private discarding = false;

  constructor(private readonly req: Http2ServerRequest) {}

  pipe(sink: BodySink): void {
    if (this.piped) throw new Error("a request body is piped once");
    this.piped = true;
    const req = this.req;
    let finished = false;
    req.on("data", (c: Buffer) => {
      if (!this.discarding) sink.data(c);
    });
    // node:http2 ends the readable side of a reset stream too, just before it reports the reset
    // (in the same turn): the end is told from a reset once that turn is over.
    req.once("end", () =>
      setImmediate(() => {
        if (finished) return;
        finished = true;
        if (this.discarding) return;
        if (req.aborted || (req.stream.rstCode ?? 0) !== 0) sink.error(new ClientClosedRequestError());
        else sink.end(flatten(req.trailers));
      }),
    );
    // A stream closed before its END_STREAM: the client reset it, or its connection went away.
    req.stream.once("close", () => {
      if (req.readableEnded) return; // decided by the end above
      if (finished) return;
      finished = true;
      if (!this.discarding) sink.error(new ClientClosedRequestError());
    });
  }

  pause(): void {
    if (!this.discarding) this.req.pause();
  }

  resume(): void {
    this.req.resume();
  }

  cancel(): void {
    if (this.discarding) return;
    this.discarding = true;
    this.req.resume();
  }

  /** Discards a body nobody piped (a redirect, a refusal, an error page), so the client's window keeps opening. */
  discardUnlessPiped(): void {
    if (this.piped) return;
    this.discarding = true;
    this.req.resume();
  }
}

/** `body` cut off once more than `max` bytes have passed: its sink then fails with {@link RequestBodyTooLargeError} and the source is cancelled. */
export function limitBody(body: BodyStream, max: number): BodyStream {
  let received = 0;
  let over = false;
  return {
    pipe: (sink) =>
      body.pipe({
        data: (c) => {
          if (over) return;
          received += c.length;
          if (received <= max) return sink.data(c);
          over = true;
          body.cancel();
          sink.error(new RequestBodyTooLargeError(received));
        },
        end: (t) => {
          if (!over) sink.end(t);
        },
        error: (e) => {
          if (!over) sink.error(e);
        },
      }),
    pause: () => body.pause(),
    resume: () => body.resume(),
    cancel: () => body.cancel(),
  };
}

function flatten(headers: IncomingHttpHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers ?? {}) {
    const v = headers![k];
    if (!k.startsWith(":") && v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}
