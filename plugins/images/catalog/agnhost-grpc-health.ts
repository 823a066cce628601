import type { Process } from "../../../core/cri/process.js";
import { MessageWriter } from "../../../core/apiserver/http/protobuf/wire-writer.js";
import { WireReader } from "../../../core/apiserver/http/protobuf/wire-reader.js";
import { serveHttp, untilSignal } from "../daemon.js";
import { GrpcCode, serveGrpc } from "../grpc-server.js";

/** grpc.health.v1 `HealthCheckResponse.ServingStatus`. */
const SERVING = 1;
const NOT_SERVING = 2;

/** `HealthCheckRequest.service` (field 1). */
function requestedService(message: Uint8Array | undefined): string {
  if (!message) return "";
  const r = new WireReader(message);
  let service = "";
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1 && t.wireType === 2) service = r.string();
    else r.skip(t.wireType);
  }
  return service;
}

/**
 * `agnhost grpc-health-checking`: the gRPC health service (grpc.health.v1.Health/Check) on
 * `--port` (5000), cleartext HTTP/2, answering for the service named by `--service` (default ""):
 * SERVING until `--delay-unhealthy-sec` has passed (negative: always; 0: NOT_SERVING from the
 * start), NOT_FOUND `unknown service` for another name; `Watch` is unimplemented. The HTTP control
 * server on `--http-port` (8080) switches it with `/make-serving` and `/make-not-serving`.
 */
export async function grpcHealthChecking(p: Process, flag: (name: string, fallback: string) => string): Promise<number> {
  const port = Number(flag("port", "5000"));
  const httpPort = Number(flag("http-port", "8080"));
  const service = flag("service", "");
  const delay = Number(flag("delay-unhealthy-sec", "-1"));
  const started = p.clock.now();
  let forced: number | undefined;
  const status = (): number => forced ?? (delay >= 0 && (p.clock.now() - started) / 1000 >= delay ? NOT_SERVING : SERVING);
  serveGrpc(p, port, {
    "grpc.health.v1.Health": {
      Check: (call) => {
        p.stderr(`${new Date(p.clock.now()).toISOString().replace("T", " ").slice(0, 19).replaceAll("-", "/")} Serving the Check request for health check, started at ${new Date(started).toISOString()}\n`);
        if (requestedService(call.messages[0]) !== service) return { code: GrpcCode.NOT_FOUND, message: "unknown service" };
        return { messages: [new MessageWriter().uint(1, status()).finish()] };
      },
      Watch: () => ({ code: GrpcCode.UNIMPLEMENTED, message: "unimplemented" }),
    },
  });
  serveHttp(p, httpPort, (req) => {
    if (req.path === "/make-serving") forced = SERVING;
    else if (req.path === "/make-not-serving") forced = NOT_SERVING;
    else return { status: 404, body: "404 page not found\n" };
    return { status: 200, body: "" };
  });
  p.stderr(`gRPC server starting to listen on :${port}\nhttp server starting to listen on :${httpPort}\n`);
  return untilSignal(p, () => 0);
}
