import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Program } from "../../../core/cri/process.js";
import { MessageWriter } from "../../../core/apiserver/http/protobuf/wire-writer.js";
import { WireReader } from "../../../core/apiserver/http/protobuf/wire-reader.js";
import { selfSignedCertificate } from "../../../core/apiserver/http/tls.js";
import { layers, untilSignal } from "../daemon.js";
import { GrpcCode, serveGrpc, type GrpcCall, type GrpcServices, type GrpcStreamingCall } from "../grpc-server.js";
import { ALPINE_BASE, USERLAND } from "../userland.js";

/** A proto string field of a message (the last occurrence wins, as protobuf merges). */
function stringField(message: Uint8Array | undefined, field: number): string | undefined {
  if (!message) return undefined;
  const r = new WireReader(message);
  let value: string | undefined;
  while (!r.done) {
    const t = r.tag();
    if (t.field === field && t.wireType === 2) value = r.string();
    else r.skip(t.wireType);
  }
  return value;
}

/** `hello.HelloResponse { optional string reply = 1 }` for a greeting ("noname" when unset). */
function hello(greeting: string | undefined): Uint8Array {
  return new MessageWriter().string(1, `hello ${greeting ?? "noname"}`).finish();
}

/** `grpcbin.HeadersMessage`: `map<string, Values> Metadata = 1`, `Values { repeated string values = 1 }`. */
function headersMessage(metadata: Readonly<Record<string, string>>): Uint8Array {
  const w = new MessageWriter();
  for (const k of Object.keys(metadata).sort()) w.message(1, new MessageWriter().string(1, k).message(2, new MessageWriter().string(1, metadata[k]!)));
  return w.finish();
}

/** The services grpcbin registers (the subset kubesim answers; others are UNIMPLEMENTED); `sleep` is the process's clock. */
const grpcbinServices = (sleep: (ms: number) => Promise<void>): GrpcServices => ({
  "hello.HelloService": {
    // proto2 `optional string greeting = 1`; an unset greeting is "noname".
    SayHello: (c: GrpcCall) => ({ messages: [hello(stringField(c.messages[0], 1))] }),
    // Client streaming: every greeting read until the client half-closes, answered once ("hello a, b").
    LotsOfGreetings: {
      streaming: async (c: GrpcStreamingCall) => {
        const greetings: string[] = [];
        for await (const m of c.requests) greetings.push(stringField(m, 1) ?? "noname");
        return { messages: [new MessageWriter().string(1, `hello ${greetings.join(", ")}`).finish()] };
      },
    },
    // Bidirectional: each greeting answered as it is read.
    BidiHello: {
      streaming: (c: GrpcStreamingCall) => ({
        stream: (async function* () {
          for await (const m of c.requests) yield hello(stringField(m, 1));
        })(),
      }),
    },
  },
  "grpcbin.GRPCBin": {
    Empty: () => ({ messages: [new Uint8Array(0)] }),
    DummyUnary: (c: GrpcCall) => ({ messages: [c.messages[0] ?? new Uint8Array(0)] }),
    HeadersUnary: (c: GrpcCall) => ({ messages: [headersMessage(c.metadata)] }),
    // Server streaming: the request's DummyMessage sent back ten times, each send followed by a
    // one-second sleep (the status comes a second after the last), as grpcbin's DummyServerStream does.
    DummyServerStream: (c: GrpcCall) => {
      const m = c.messages[0] ?? new Uint8Array(0);
      return {
        messages: [m],
        stream: (async function* () {
          for (let i = 1; i < 10; i++) {
            await sleep(1000);
            yield m;
          }
          await sleep(1000);
        })(),
      };
    },
    // Client streaming: reads up to ten messages and answers with the last one read; fewer than ten
    // leaves grpcbin marshalling a nil reply, which grpc-go fails as INTERNAL.
    DummyClientStream: {
      streaming: async (c: GrpcStreamingCall) => {
        let last: Uint8Array | undefined;
        let n = 0;
        for await (const m of c.requests) {
          last = m;
          if (++n === 10) break;
        }
        if (n < 10) return { code: GrpcCode.INTERNAL, message: "grpc: error while marshaling: proto: Marshal called with nil" };
        return { messages: [last!] };
      },
    },
    // Bidirectional: every message echoed back as it is read.
    DummyBidirectionalStreamStream: {
      streaming: (c: GrpcStreamingCall) => ({
        stream: (async function* () {
          yield* c.requests;
        })(),
      }),
    },
    SpecificError: (c: GrpcCall) => {
      // `SpecificErrorRequest { uint32 code = 1; string reason = 2; }`
      const m = c.messages[0];
      let code = 0;
      let reason = "";
      if (m) {
        const r = new WireReader(m);
        while (!r.done) {
          const t = r.tag();
          if (t.field === 1 && t.wireType === 0) code = r.int32();
          else if (t.field === 2 && t.wireType === 2) reason = r.string();
          else r.skip(t.wireType);
        }
      }
      return { code, message: reason };
    },
  },
});

let certificate: Promise<{ certPem: string; keyPem: string }> | undefined;

/**
 * `grpcbin` (moul/grpcbin, the gRPC counterpart of httpbin that ingress-nginx's e2e tests use as a
 * gRPC backend): cleartext gRPC (h2c) on :9000 and gRPC over TLS (ALPN h2, a self-signed
 * certificate for grpcb.in) on :9001, serving `hello.HelloService/SayHello` (`hello <greeting>`)
 * and `grpcbin.GRPCBin` `Empty`, `DummyUnary` (echoes the message), `HeadersUnary` (the request
 * metadata), `DummyServerStream` (the message ten times, a second apart), `DummyClientStream` (the
 * tenth message of a client stream), `DummyBidirectionalStreamStream` (each message echoed as it
 * arrives), `SpecificError` (fails with the code and reason asked for), and hello's client-streaming
 * `LotsOfGreetings` and bidirectional `BidiHello`.
 */
const grpcbin: Program = async (p) => {
  certificate ??= selfSignedCertificate("grpcb.in", ["grpcb.in", "localhost"]);
  const cert = await certificate;
  const services = grpcbinServices((ms) => p.sleep(ms));
  serveGrpc(p, 9000, services);
  serveGrpc(p, 9001, services, { tls: { cert: cert.certPem, key: cert.keyPem } });
  p.stderr("listening on :9000 (insecure gRPC)\nlistening on :9001 (secure gRPC)\n");
  return untilSignal(p, () => 0);
};

/** moul/grpcbin (docker.io): a gRPC test server. */
export const GRPCBIN: ImageDefinition = {
  repository: "docker.io/moul/grpcbin",
  tags: ["latest"],
  size: 16_000_000,
  layers: layers("grpcbin", 2, ALPINE_BASE),
  config: { entrypoint: ["/bin/grpcbin"], exposedPorts: ["9000/tcp", "9001/tcp"] },
  programs: { ...USERLAND, grpcbin },
};
