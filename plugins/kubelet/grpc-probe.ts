import { connect as http2Connect } from "node:http2";
import { WireReader } from "../../core/apiserver/http/protobuf/wire-reader.js";
import { MessageWriter } from "../../core/apiserver/http/protobuf/wire-writer.js";
import { offClock, type Clock } from "../../core/clock/clock.js";
import { connectionToDuplex } from "../../core/net/connection-stream.js";
import type { NetworkStack } from "../../core/net/sockets.js";

/** grpc.health.v1 `HealthCheckResponse.ServingStatus` names, by number. */
const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
/** gRPC status code names, by number (the `rpc error: code = ...` text). */
const CODE_NAMES = ["OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"];

/** How a gRPC probe ended: ok, or the kubelet's failure message. */
export interface GrpcProbeResult {
  ok: boolean;
  message: string;
}

/** `HealthCheckRequest{service}` in a gRPC frame (uncompressed). */
function healthCheckRequest(service: string): Buffer {
  const w = new MessageWriter();
  if (service) w.string(1, service);
  const message = w.finish();
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** `HealthCheckResponse.status` (field 1) of the first gRPC frame of a response body. */
function servingStatus(body: Buffer): number {
  if (body.length < 5) return 0;
  const r = new WireReader(body.subarray(5, 5 + body.readUInt32BE(1)));
  let status = 0;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1 && t.wireType === 0) status = r.int32();
    else r.skip(t.wireType);
  }
  return status;
}

/**
 * A gRPC probe as the kubelet runs it (pkg/probe/grpc): a cleartext HTTP/2 connection to the pod's
 * port, one `grpc.health.v1.Health/Check` for `service`, and upstream's messages — `service
 * unhealthy (responded with "NOT_SERVING")`, `error: this server does not implement the grpc health
 * protocol (grpc.health.v1.Health): ...`, `error: health rpc probe failed: rpc error: code = NotFound
 * desc = unknown service`, `timeout: health rpc did not complete within 1s`, and `timeout: failed to
 * connect service "ip:port" within 1s: context deadline exceeded` when nothing accepts the
 * connection.
 */
export async function grpcHealthProbe(stack: NetworkStack, ip: string, port: number, service: string, timeoutSeconds: number, clock: Clock): Promise<GrpcProbeResult> {
  const addr = `${ip}:${port}`;
  const timeoutMs = timeoutSeconds * 1000;
  let conn;
  try {
    conn = await stack.connect(ip, port, { timeoutMs });
  } catch {
    return { ok: false, message: `timeout: failed to connect service "${addr}" within ${timeoutSeconds}s: context deadline exceeded` };
  }
  const socket = connectionToDuplex(conn);
  const session = http2Connect(`http://${addr}`, { createConnection: () => socket });
  session.on("error", () => undefined);
  try {
    const call = new Promise<GrpcProbeResult>((resolve) => {
      const timer = clock.setTimeout(() => resolve({ ok: false, message: `timeout: health rpc did not complete within ${timeoutSeconds}s` }), timeoutMs);
      const settle = (r: GrpcProbeResult): void => {
        clock.clearTimeout(timer);
        resolve(r);
      };
      const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Check", ":scheme": "http", ":authority": addr, "content-type": "application/grpc", te: "trailers", "user-agent": "kube-probe/1.32" }, { endStream: false });
      stream.on("error", (err: Error) => settle({ ok: false, message: `error: health rpc probe failed: rpc error: code = Unavailable desc = ${err.message}` }));
      let headerStatus: string | undefined;
      let headerMessage = "";
      stream.on("response", (headers) => {
        headerStatus = headers["grpc-status"] as string | undefined;
        headerMessage = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      });
      const chunks: Buffer[] = [];
      stream.on("data", (d: Buffer) => chunks.push(d));
      let trailers: Record<string, unknown> = {};
      stream.on("trailers", (t) => (trailers = t));
      stream.on("end", () => {
        const code = Number(trailers["grpc-status"] ?? headerStatus ?? 2);
        const message = trailers["grpc-message"] !== undefined ? decodeURIComponent(String(trailers["grpc-message"])) : headerMessage;
        if (code === 12) return settle({ ok: false, message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}` });
        if (code === 4) return settle({ ok: false, message: `timeout: health rpc did not complete within ${timeoutSeconds}s` });
        if (code !== 0) return settle({ ok: false, message: `error: health rpc probe failed: rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${message}` });
        const status = servingStatus(Buffer.concat(chunks));
        if (status !== 1) return settle({ ok: false, message: `service unhealthy (responded with "${SERVING_STATUS[status] ?? String(status)}")` });
        settle({ ok: true, message: "service healthy" });
      });
      stream.end(healthCheckRequest(service));
    });
    // node:http2 does its work in turns of the event loop that a virtual clock moving on its own
    // would read as idle time: the clock waits for the answer (at most 250 ms of real time, so a
    // server that never answers still meets the probe's timeout in simulated time).
    let bound: ReturnType<typeof setTimeout> | undefined;
    void offClock(clock, Promise.race([call, new Promise<void>((r) => (bound = setTimeout(r, 250)))]).finally(() => clearTimeout(bound)));
    return await call;
  } finally {
    session.destroy();
    socket.destroy();
  }
}
