/**
 * gRPC through ingress-nginx: `backend-protocol: GRPC` (h2c to the pod) and `GRPCS` (TLS, ALPN h2)
 * from a gRPC client on node:http2 — HTTP/2 over TLS (ALPN h2) on the HTTPS host port, and h2c
 * with prior knowledge on the plain port as nginx's `http2 on` accepts it — to grpcbin and agnhost
 * grpc-health-checking pods; the status travels in the trailers.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { constants as h2constants, createServer as createH2Server, type ClientHttp2Session } from "node:http2";
import { performance } from "node:perf_hooks";
import type { Condition } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { MessageWriter } from "../../core/apiserver/http/protobuf/wire-writer.js";
import { WireReader } from "../../core/apiserver/http/protobuf/wire-reader.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { connectionToDuplex } from "../../core/net/connection-stream.js";
import { ingressNginx, IngressHostPortsToken, NAMESPACE } from "../../plugins/ingress-nginx/index.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { Images, type ImageDefinition } from "../../core/cri/images.js";
import { grpcFrame, grpcUnframe, serveGrpc, untilSignal } from "../../plugins/images/index.js";
import { grpcCall, grpcSession, grpcStream } from "./grpc-client.js";
import { hostRequest, applyWithIngresses } from "./harness.js";

/** A `ticker.Ticker/Watch` call as the backend saw it: `release` lets its second message go; `cancelled` settles when the client cancelled the call. */
interface TickerCall {
  release(): void;
  cancelled: Promise<true>;
}
/** The ticker's calls in arrival order (the tests make one at a time). */
const tickerCalls: TickerCall[] = [];
const tickerMessage = (text: string) => new MessageWriter().string(1, text).finish();

/**
 * A `ticker.Ticker/Count` or `/Echo` call as the backend saw it: each request message's text the
 * moment it arrived, `arrived(n)` settling once n have, `cancelled` when the call was cancelled.
 */
interface StreamingCall {
  seen: string[];
  arrived(n: number): Promise<void>;
  cancelled: Promise<true>;
}
const streamingCalls: StreamingCall[] = [];
/** Releases of `ticker.Ticker/Hold` calls, in arrival order. */
const holdReleases: (() => void)[] = [];

/** Records a streaming call's request messages as the backend reads them. */
function recordCall(signal: AbortSignal): StreamingCall & { add(text: string): void } {
  const waiters: { n: number; resolve: () => void }[] = [];
  const call = {
    seen: [] as string[],
    arrived: (n: number) => new Promise<void>((resolve) => (call.seen.length >= n ? resolve() : waiters.push({ n, resolve }))),
    cancelled: new Promise<true>((r) => signal.addEventListener("abort", () => r(true), { once: true })),
    add: (text: string) => {
      call.seen.push(text);
      for (let i = waiters.length - 1; i >= 0; i--) if (call.seen.length >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
    },
  };
  streamingCalls.push(call);
  return call;
}
const messageText = (m: Uint8Array): string => {
  const r = new WireReader(m);
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1 && t.wireType === 2) return r.string();
    r.skip(t.wireType);
  }
  return "";
};

/**
 * `example.com/ticker` (h2c on 7000): `ticker.Ticker/Watch` streams "first", then "second" once the
 * client has released it (after 5 s unreleased, "second (unreleased)": a proxy buffering the stream
 * never shows the client the first); `ticker.Ticker/Fail` streams "first" and "second", then fails
 * the call. On 7001 every call gets "first" and then a reset stream.
 */
const TICKER_IMAGE: ImageDefinition = {
  repository: "example.com/ticker",
  tags: ["1"],
  size: 1_000_000,
  layers: ["sha256:ticker"],
  config: { entrypoint: [], cmd: ["/ticker"], exposedPorts: ["7000/tcp"] },
  programs: {
    ticker: async (p) => {
      serveGrpc(p, 7000, {
        "ticker.Ticker": {
          Watch: (c) => {
            let release!: () => void;
            const released = new Promise<string>((r) => (release = () => r("second")));
            const cancelled = new Promise<true>((r) => c.signal.addEventListener("abort", () => r(true), { once: true }));
            tickerCalls.push({ release, cancelled });
            const unreleased = p.sleep(5000).then(() => "second (unreleased)", () => "");
            return {
              messages: [tickerMessage("first")],
              stream: (async function* () {
                yield tickerMessage(await Promise.race([released, unreleased]));
              })(),
            };
          },
          // Client streaming: counts the messages as they arrive, answers "N messages" when the client half-closes.
          Count: {
            streaming: async (c) => {
              const call = recordCall(c.signal);
              for await (const m of c.requests) call.add(messageText(m));
              return { messages: [tickerMessage(`${call.seen.length} messages`)] };
            },
          },
          // Client streaming that stops reading after the first message until the test releases it, then counts the rest.
          Hold: {
            streaming: async (c) => {
              const call = recordCall(c.signal);
              const it = c.requests[Symbol.asyncIterator]();
              const first = await it.next();
              if (!first.done) call.add(messageText(first.value));
              await new Promise<void>((r) => holdReleases.push(r));
              for (let m = await it.next(); !m.done; m = await it.next()) call.add(messageText(m.value));
              return { messages: [tickerMessage(`${call.seen.length} messages`)] };
            },
          },
          // Bidirectional: each message answered ("echo: <text>") as it arrives.
          Echo: {
            streaming: (c) => {
              const call = recordCall(c.signal);
              return {
                stream: (async function* () {
                  for await (const m of c.requests) {
                    call.add(messageText(m));
                    yield tickerMessage(`echo: ${messageText(m)}`);
                  }
                })(),
              };
            },
          },
          Fail: () => ({
            messages: [tickerMessage("first")],
            stream: (async function* () {
              await p.sleep(10);
              yield tickerMessage("second");
              throw new Error("ticker broke: 100%");
            })(),
          }),
        },
      });
      // :7001 answers every call with one message, then resets the stream (RST_STREAM INTERNAL_ERROR), as a crashing handler's server does.
      const resetting = createH2Server();
      resetting.on("stream", (stream) => {
        stream.on("error", () => undefined);
        stream.respond({ ":status": 200, "content-type": "application/grpc" });
        stream.write(grpcFrame(tickerMessage("first")));
        // (destroy with an error: RST_STREAM INTERNAL_ERROR alone; close(code) would end the stream cleanly first)
        void p.sleep(20).then(() => stream.destroy(new Error("handler crashed")), () => undefined);
      });
      resetting.on("sessionError", () => undefined);
      p.net.listen("TCP", 7001, (conn) => resetting.emit("connection", connectionToDuplex(conn)));
      p.signal.addEventListener("abort", () => resetting.close(), { once: true });
      return untilSignal(p, () => 0);
    },
  },
};

const cluster = new Cluster({ clock: "real", seed: 11, nodes: 1, plugins: [...DEFAULT_PLUGINS] })
  .use(definePlugin({ name: "ticker-image", setup: (ctx) => ctx.contribute(Images, TICKER_IMAGE.repository, TICKER_IMAGE) }))
  .use(ingressNginx({ httpPort: 0, httpsPort: 0 }));
await cluster.start();
const ports = cluster.resolve(IngressHostPortsToken);

const grpcIngress = (name: string, host: string, protocol: string, service: string, port: number) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}, namespace: default, annotations: {nginx.ingress.kubernetes.io/backend-protocol: ${protocol}}}
spec:
  ingressClassName: nginx
  rules: [{host: ${host}, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${service}, port: {number: ${port}}}}}]}}]
`;

await applyWithIngresses(cluster, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grpcbin, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: grpcbin}}
  template:
    metadata: {labels: {app: grpcbin}}
    spec: {containers: [{name: grpcbin, image: moul/grpcbin, ports: [{containerPort: 9000}, {containerPort: 9001}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: grpcbin, namespace: default}
spec:
  selector: {app: grpcbin}
  ports: [{name: grpc, port: 9000}, {name: grpcs, port: 9001}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: health, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: health}}
  template:
    metadata: {labels: {app: health}}
    spec: {containers: [{name: agnhost, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [grpc-health-checking, --service=shop]}]}
---
apiVersion: v1
kind: Service
metadata: {name: health, namespace: default}
spec:
  selector: {app: health}
  ports: [{port: 5000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ticker, namespace: default}
spec:
  selector: {matchLabels: {app: ticker}}
  template:
    metadata: {labels: {app: ticker}}
    spec: {containers: [{name: ticker, image: example.com/ticker:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: ticker, namespace: default}
spec:
  selector: {app: ticker}
  ports: [{name: grpc, port: 7000}, {name: resetting, port: 7001}]
---${grpcIngress("ticker", "ticker.example.com", "GRPC", "ticker", 7000)}
---${grpcIngress("ticker-reset", "ticker-reset.example.com", "GRPC", "ticker", 7001)}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ticker-small, namespace: default, annotations: {nginx.ingress.kubernetes.io/backend-protocol: GRPC, nginx.ingress.kubernetes.io/proxy-body-size: "100"}}
spec:
  ingressClassName: nginx
  rules: [{host: ticker-small.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ticker, port: {number: 7000}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: big, namespace: default, annotations: {nginx.ingress.kubernetes.io/backend-protocol: GRPC, nginx.ingress.kubernetes.io/proxy-body-size: "0"}}
spec:
  ingressClassName: nginx
  rules:
  - host: grpc-big.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: grpcbin, port: {number: 9000}}}}]}
  - host: ticker-big.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ticker, port: {number: 7000}}}}]}
---${grpcIngress("grpc", "grpc.example.com", "GRPC", "grpcbin", 9000)}
---${grpcIngress("grpcs", "grpcs.example.com", "GRPCS", "grpcbin", 9001)}
---${grpcIngress("health", "health.example.com", "GRPC", "health", 5000)}
---${grpcIngress("plain", "plain.example.com", "HTTP", "grpcbin", 9000)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc-gw.example.com]
  rules:
  - matches: [{method: {type: Exact, service: grpc.health.v1.Health, method: Check}}]
    backendRefs: [{name: health, port: 5000}]
  - matches: [{method: {type: RegularExpression, service: 'hello\\..*'}, headers: [{name: x-route, value: health}]}]
    backendRefs: [{name: health, port: 5000}]
  - backendRefs: [{name: grpcbin, port: 9000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-weighted, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc-w.example.com]
  rules: [{backendRefs: [{name: grpcbin, port: 9000, weight: 0}, {name: health, port: 5000, weight: 1}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-broken, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc-broken.example.com]
  rules: [{backendRefs: [{name: missing, port: 5000}]}]
`);
for (const name of ["grpcbin", "health", "ticker"]) await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === name && d.status?.readyReplicas === 1, { namespace: "default", timeout: 30_000 });
await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "ingress-nginx-controller" && d.status?.readyReplicas === 1, { namespace: NAMESPACE, timeout: 30_000 });

const sessions: ClientHttp2Session[] = [];
const tls = async (host: string) => {
  const s = await grpcSession(ports.httpsPort, host, true);
  sessions.push(s);
  return s;
};
const h2c = async () => {
  const s = await grpcSession(ports.httpPort, "", false);
  sessions.push(s);
  return s;
};
const controllerPod = async () => (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE })).items.find((p) => p.metadata?.name?.startsWith("ingress-nginx-controller"))!.metadata!.name!;
const hello = (greeting: string) => new MessageWriter().string(1, greeting).finish();
const firstString = (m: Uint8Array | undefined): string | undefined => {
  if (!m) return undefined;
  const r = new WireReader(m);
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1 && t.wireType === 2) return r.string();
    r.skip(t.wireType);
  }
  return undefined;
};

test("GRPC backend: HTTP/2 over TLS (ALPN h2) on the HTTPS port reaches grpcbin over h2c; the reply and grpc-status 0 in the trailers", async () => {
  const s = await tls("grpc.example.com");
  const r = await grpcCall(s, "grpc.example.com", "/hello.HelloService/SayHello", hello("ingress-nginx"));
  assert.is(r.alpn, "h2");
  assert.is(r.httpStatus, 200);
  assert.is(r.headers["content-type"], "application/grpc");
  assert.is(firstString(r.messages[0]), "hello ingress-nginx");
  assert.is(r.trailers["grpc-status"], "0");
  assert.is(r.code, 0);
});

test("server streaming: grpcbin's DummyServerStream (ten messages a second apart) reaches the client message by message, over TLS to a GRPC upstream and h2c to a GRPCS one", async () => {
  const dummy = new MessageWriter().string(1, "f_string").finish();
  const watch = async (s: ClientHttp2Session, host: string) => {
    const arrivals: number[] = [];
    const r = await grpcCall(s, host, "/grpcbin.GRPCBin/DummyServerStream", dummy, {}, () => arrivals.push(performance.now()));
    return { r, arrivals, ended: performance.now() };
  };
  const calls = await Promise.all([watch(await tls("grpc.example.com"), "grpc.example.com"), watch(await h2c(), "grpcs.example.com")]);
  for (const { r, arrivals, ended } of calls) {
    assert.is(r.httpStatus, 200);
    assert.is(r.code, 0);
    assert.is(r.trailers["grpc-status"], "0");
    assert.is(r.messages.length, 10);
    assert.ok(r.messages.every((m) => Buffer.from(m).equals(Buffer.from(dummy))));
    assert.is(arrivals.length, 10);
    // grpcbin sends the tenth message 9 s after the first and its status 1 s later: a proxy that
    // buffered the call would hand over all ten together with the trailers.
    assert.ok(arrivals[9]! - arrivals[0]! > 5000, `the first message came ${Math.round(arrivals[9]! - arrivals[0]!)} ms before the last`);
    assert.ok(ended - arrivals[0]! > 5000, "the first message came well before the trailers");
  }
});

test("server streaming passes each message through as the upstream sends it: the ticker sends its second message only after the client saw the first (TLS and h2c)", async () => {
  for (const s of [await tls("ticker.example.com"), await h2c()]) {
    const seen: string[] = [];
    const r = await grpcCall(s, "ticker.example.com", "/ticker.Ticker/Watch", new Uint8Array(0), {}, (m, i) => {
      seen.push(firstString(m) ?? "");
      if (i === 0) tickerCalls.at(-1)!.release();
    });
    assert.equal(seen, ["first", "second"]);
    assert.is(r.code, 0);
    assert.is(r.trailers["grpc-status"], "0");
  }
});

test("server streaming: a backend failing after some messages — the messages, then its grpc-status and grpc-message in the trailers", async () => {
  const r = await grpcCall(await h2c(), "ticker.example.com", "/ticker.Ticker/Fail", new Uint8Array(0));
  assert.is(r.httpStatus, 200);
  assert.equal(r.messages.map(firstString), ["first", "second"]);
  assert.is(r.trailers["grpc-status"], "2");
  assert.is(r.code, 2);
  assert.is(r.message, "ticker broke: 100%");
});

test("server streaming: a client cancelling the call (RST_STREAM CANCEL) cancels it at the backend", async () => {
  const s = await h2c();
  const calls = tickerCalls.length;
  const closed = new Promise<number>((resolve) => {
    const stream = s.request({ ":method": "POST", ":path": "/ticker.Ticker/Watch", ":authority": "ticker.example.com", "content-type": "application/grpc", te: "trailers" });
    stream.on("error", () => undefined);
    stream.once("data", () => stream.close(h2constants.NGHTTP2_CANCEL));
    stream.on("close", () => resolve(stream.rstCode ?? -1));
    stream.end(grpcFrame(new Uint8Array(0)));
  });
  assert.is(await closed, h2constants.NGHTTP2_CANCEL);
  assert.is(tickerCalls.length, calls + 1);
  const seen = await Promise.race([tickerCalls.at(-1)!.cancelled, new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
  assert.is(seen, true, "the backend's call was cancelled");
});

test("server streaming: an upstream resetting the stream after a message — the client gets the message, then its stream reset with INTERNAL_ERROR; nginx's error line", async () => {
  const s = await h2c();
  const outcome = await new Promise<{ seen: string[]; rstCode: number | undefined; status: unknown }>((resolve) => {
    const stream = s.request({ ":method": "POST", ":path": "/ticker.Ticker/Watch", ":authority": "ticker-reset.example.com", "content-type": "application/grpc", te: "trailers" });
    const seen: string[] = [];
    let status: unknown;
    stream.on("response", (h) => (status = h[":status"]));
    stream.on("data", (c: Buffer) => seen.push(firstString(grpcUnframe(c)[0]) ?? ""));
    stream.on("error", () => undefined);
    stream.on("close", () => resolve({ seen, rstCode: stream.rstCode, status }));
    stream.end(grpcFrame(new Uint8Array(0)));
  });
  assert.is(outcome.status, 200);
  assert.equal(outcome.seen, ["first"]);
  assert.is(outcome.rstCode, h2constants.NGHTTP2_INTERNAL_ERROR);
  const logs = (await cluster.resolve(PodStreams).logs(NAMESPACE, await controllerPod(), new URLSearchParams())) as string;
  assert.match(logs, /\[error\] 31#31: \*\d+ upstream rejected request with error 2 while reading upstream, client: 127\.0\.0\.1, server: ticker-reset\.example\.com, request: "POST \/ticker\.Ticker\/Watch HTTP\/2\.0", upstream: "grpc:\/\/[\d.]+:7001\/ticker\.Ticker\/Watch", host: "ticker-reset\.example\.com"/);
});

/** `p`, or a failure naming `what` after `ms` (a proxy holding the request back would otherwise hang the test). */
const within = <T>(p: Promise<T>, what: string, ms = 5000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);
/** The backend's record of the next streaming call after `count` calls. */
const nextCall = async (count: number): Promise<StreamingCall> => {
  for (let i = 0; i < 250 && streamingCalls.length <= count; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(streamingCalls.length > count, "the call reached the backend");
  return streamingCalls[count]!;
};
const text = (m: Uint8Array | undefined) => (m ? messageText(m) : undefined);
const controllerLogs = async () => (await cluster.resolve(PodStreams).logs(NAMESPACE, await controllerPod(), new URLSearchParams())) as string;

test("client streaming: each request message reaches the backend as the client sends it — the backend has counted the first before the client sends the second (TLS and h2c)", async () => {
  for (const s of [await tls("ticker.example.com"), await h2c()]) {
    const before = streamingCalls.length;
    const call = grpcStream(s, "ticker.example.com", "/ticker.Ticker/Count");
    call.send(tickerMessage("m1"));
    const backend = await nextCall(before);
    // The handshake: message n+1 is sent only once the backend has read message n (a proxy
    // buffering the request until the client half-closes never lets this go on).
    for (let i = 1; i <= 3; i++) {
      await within(backend.arrived(i), `message ${i} at the backend`);
      assert.is(backend.seen.length, i, "the backend has read exactly what the client sent so far");
      if (i < 3) call.send(tickerMessage(`m${i + 1}`));
    }
    call.end();
    const r = await within(call.done, "the call's end");
    assert.is(r.headers[":status"], 200);
    assert.equal(grpcUnframe(r.body).map(text), ["3 messages"]);
    assert.is(r.trailers["grpc-status"], "0");
    assert.equal(backend.seen, ["m1", "m2", "m3"]);
  }
});

test("client streaming against grpcbin: DummyClientStream answers with the tenth message, LotsOfGreetings with every greeting; fewer than ten messages is grpcbin's INTERNAL", async () => {
  const s = await tls("grpc.example.com");
  const dummy = (i: number) => new MessageWriter().string(1, `f_string ${i}`).finish();
  const ten = grpcStream(s, "grpc.example.com", "/grpcbin.GRPCBin/DummyClientStream");
  for (let i = 1; i <= 10; i++) ten.send(dummy(i));
  ten.end();
  const r = await within(ten.done, "DummyClientStream");
  assert.is(r.trailers["grpc-status"], "0");
  assert.equal(grpcUnframe(r.body).map(text), ["f_string 10"]);
  const three = grpcStream(s, "grpc.example.com", "/grpcbin.GRPCBin/DummyClientStream");
  for (let i = 1; i <= 3; i++) three.send(dummy(i));
  three.end();
  const short = await within(three.done, "a short DummyClientStream");
  assert.is(short.headers["grpc-status"], "13");
  const greetings = grpcStream(s, "grpc.example.com", "/hello.HelloService/LotsOfGreetings");
  greetings.send(hello("a"));
  greetings.send(hello("b"));
  greetings.end();
  const g = await within(greetings.done, "LotsOfGreetings");
  assert.equal(grpcUnframe(g.body).map(text), ["hello a, b"]);
});

test("bidirectional ping-pong: the backend's reply to each message reaches the client before it sends the next, through TLS to a GRPC upstream and h2c to a GRPCS one", async () => {
  for (const [s, host] of [[await tls("grpc.example.com"), "grpc.example.com"], [await h2c(), "grpcs.example.com"]] as const) {
    const call = grpcStream(s, host, "/grpcbin.GRPCBin/DummyBidirectionalStreamStream");
    for (let i = 1; i <= 4; i++) {
      call.send(new MessageWriter().string(1, `ping ${i}`).finish());
      assert.is(text(await within(call.next(), `the echo of ping ${i} (${host})`)), `ping ${i}`);
    }
    call.end();
    const r = await within(call.done, "the call's end");
    assert.is(r.headers[":status"], 200);
    assert.is(r.trailers["grpc-status"], "0");
    assert.is(r.rstCode, h2constants.NGHTTP2_NO_ERROR);
  }
  const hi = grpcStream(await h2c(), "grpc.example.com", "/hello.HelloService/BidiHello");
  hi.send(hello("one"));
  assert.is(text(await within(hi.next(), "BidiHello's first reply")), "hello one");
  hi.send(hello("two"));
  assert.is(text(await within(hi.next(), "BidiHello's second reply")), "hello two");
  hi.end();
  assert.is((await within(hi.done, "BidiHello's end")).trailers["grpc-status"], "0");
});

test("flow control on the request: a backend that stops reading pauses the client (its writes stay queued) until it reads again", async () => {
  const s = await h2c();
  const before = streamingCalls.length;
  const stream = s.request({ ":method": "POST", ":path": "/ticker.Ticker/Hold", ":authority": "ticker.example.com", "content-type": "application/grpc", te: "trailers" }, { endStream: false });
  stream.on("error", () => undefined);
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((r) => stream.on("close", () => r()));
  const filler = "x".repeat(8 * 1024);
  stream.write(grpcFrame(tickerMessage("first")));
  const backend = await nextCall(before);
  await within(backend.arrived(1), "the first message at the backend");
  // 48 messages of 8 KiB (384 KiB, under the 1m body limit): far more than the HTTP/2 windows of
  // both hops (64 KiB each) hold, so with the backend not reading, the client's last write stays queued.
  let lastWritten = false;
  for (let i = 0; i < 48; i++) stream.write(grpcFrame(tickerMessage(filler)), i === 47 ? () => (lastWritten = true) : undefined);
  // Wait until the client's queue stops moving (10 polls alike). A proxy pausing its client stays
  // there; one reading ahead regardless would have taken the last write (its callback then ran).
  let last = -1;
  for (let same = 0, i = 0; same < 10 && i < 250; i++) {
    await new Promise((r) => setTimeout(r, 20));
    same = stream.bufferSize === last ? same + 1 : 0;
    last = stream.bufferSize;
  }
  assert.ok(stream.bufferSize > 0, "the client still holds messages the controller has not read");
  assert.is(lastWritten, false, "the client's last message is still queued");
  assert.is(backend.seen.length, 1);
  holdReleases.at(-1)!();
  stream.end();
  await within(ended, "the call's end");
  assert.is(lastWritten, true);
  assert.equal(grpcUnframe(Buffer.concat(chunks)).map(text), ["49 messages"]);
});

test("client cancellation mid-stream: RST_STREAM CANCEL from the client cancels the upstream call, before and after the response headers; the access log says 499 and 200", async () => {
  const s = await h2c();
  // Client streaming, no response headers yet.
  let before = streamingCalls.length;
  const counting = grpcStream(s, "ticker.example.com", "/ticker.Ticker/Count");
  counting.send(tickerMessage("m1"));
  const backend = await nextCall(before);
  await within(backend.arrived(1), "the first message at the backend");
  counting.cancel();
  assert.is((await counting.done).rstCode, h2constants.NGHTTP2_CANCEL);
  assert.is(await within(backend.cancelled, "the backend's cancellation"), true);
  // Bidirectional, after a reply.
  before = streamingCalls.length;
  const echo = grpcStream(s, "ticker.example.com", "/ticker.Ticker/Echo");
  echo.send(tickerMessage("hi"));
  assert.is(text(await within(echo.next(), "the echo")), "echo: hi");
  const echoing = streamingCalls[before]!;
  echo.cancel();
  assert.is(await within(echoing.cancelled, "the backend's cancellation"), true);
  let logs = "";
  for (let i = 0; i < 100 && !/Echo HTTP\/2\.0" 200/.test(logs); i++) {
    await new Promise((r) => setTimeout(r, 20));
    logs = await controllerLogs();
  }
  assert.match(logs, /"POST \/ticker\.Ticker\/Count HTTP\/2\.0" 499 0 "-" "-" \d+ [\d.]+ \[default-ticker-7000\] \[\] [\d.]+:7000 0 [\d.]+ - [0-9a-f]{32}/);
  assert.match(logs, /"POST \/ticker\.Ticker\/Echo HTTP\/2\.0" 200 \d+ "-" "-" \d+ [\d.]+ \[default-ticker-7000\] \[\] [\d.]+:7000 \d+ [\d.]+ 200 [0-9a-f]{32}/);
  assert.not.match(logs, /Count.*upstream rejected|client intended/);
});

test("request body limit (proxy-body-size 100): a stream growing past it before the response is a 413 and cancels the upstream call; after the response headers the client's stream is reset; a declared length over it never reaches the backend", async () => {
  const s = await h2c();
  const big = tickerMessage("y".repeat(120));
  // Before the response: 413 page, the backend's call cancelled, nginx's error line.
  let before = streamingCalls.length;
  const counting = grpcStream(s, "ticker-small.example.com", "/ticker.Ticker/Count");
  counting.send(tickerMessage("m1"));
  const backend = await nextCall(before);
  await within(backend.arrived(1), "the first message at the backend");
  counting.send(big);
  const refused = await within(counting.response, "the 413");
  assert.is(refused[":status"], 413);
  assert.is(refused["content-type"], "text/html");
  assert.is(await within(backend.cancelled, "the backend's cancellation"), true);
  assert.equal(backend.seen, ["m1"], "the message over the limit never reached the backend");
  counting.cancel();
  const total = grpcFrame(tickerMessage("m1")).length + grpcFrame(big).length;
  assert.match(await controllerLogs(), new RegExp(`\\[error\\] 31#31: \\*\\d+ client intended to send too large chunked body: ${total} bytes, client: 127\\.0\\.0\\.1, server: ticker-small\\.example\\.com, request: "POST /ticker\\.Ticker/Count HTTP/2\\.0", upstream: "grpc://[\\d.]+:7000/ticker\\.Ticker/Count"`));
  // After the response headers (a bidirectional call that has answered): the stream is reset.
  before = streamingCalls.length;
  const echo = grpcStream(s, "ticker-small.example.com", "/ticker.Ticker/Echo");
  echo.send(tickerMessage("hi"));
  assert.is(text(await within(echo.next(), "the echo")), "echo: hi");
  echo.send(big);
  const reset = await within(echo.done, "the reset");
  assert.is(reset.headers[":status"], 200);
  assert.is(reset.rstCode, h2constants.NGHTTP2_INTERNAL_ERROR);
  assert.is(await within(streamingCalls[before]!.cancelled, "the backend's cancellation"), true);
  // A declared Content-Length over the limit: 413 before anything is proxied.
  before = streamingCalls.length;
  const declared = grpcStream(s, "ticker-small.example.com", "/ticker.Ticker/Count", { "content-length": "500" });
  assert.is((await within(declared.response, "the 413"))[":status"], 413);
  declared.cancel();
  assert.is(streamingCalls.length, before, "the backend saw no call");
  assert.match(await controllerLogs(), /client intended to send too large body: 500 bytes, client: 127\.0\.0\.1, server: ticker-small\.example\.com, request: "POST \/ticker\.Ticker\/Count HTTP\/2\.0", host: "ticker-small\.example\.com"/);
});

test("the access log line of a client-streaming call counts the streamed request body in $request_length", async () => {
  const s = await h2c();
  const call = grpcStream(s, "ticker.example.com", "/ticker.Ticker/Count", { "user-agent": "grpc-node/1.0" });
  const payload = "z".repeat(2000);
  call.send(tickerMessage(payload));
  call.send(tickerMessage(payload));
  call.end();
  const r = await within(call.done, "the call");
  assert.is(r.trailers["grpc-status"], "0");
  let line: string | undefined;
  for (let i = 0; i < 100 && !line; i++) {
    line = (await controllerLogs()).split("\n").find((l) => l.includes('"grpc-node/1.0"'));
    if (!line) await new Promise((res) => setTimeout(res, 20));
  }
  const m = /"POST \/ticker\.Ticker\/Count HTTP\/2\.0" 200 (\d+) "-" "grpc-node\/1\.0" (\d+) [\d.]+ \[default-ticker-7000\] \[\] [\d.]+:7000 (\d+) [\d.]+ 200 [0-9a-f]{32}/.exec(line ?? "");
  assert.ok(m, line);
  assert.is(Number(m[1]), r.body.length, "$body_bytes_sent");
  assert.ok(Number(m[2]) > 2 * grpcFrame(tickerMessage(payload)).length, `$request_length ${m[2]} includes both messages`);
  assert.is(Number(m[3]), r.body.length, "$upstream_response_length");
});

/** A `DummyMessage { string f_string = 1 }` of exactly `size` bytes: the tag, the length's varint, the text. */
const messageOfSize = (size: number): Uint8Array => {
  let lengthBytes = 1;
  while (2 ** (7 * lengthBytes) <= size - 1 - lengthBytes) lengthBytes++;
  const m = new MessageWriter().string(1, "x".repeat(size - 1 - lengthBytes)).finish();
  assert.is(m.length, size);
  return m;
};
const MAX = 4 * 1024 * 1024;

test("receive limit (grpc-go's 4 MiB MaxRecvMsgSize) on a unary call through the controller (proxy-body-size 0): 4 MiB passes, one byte more is RESOURCE_EXHAUSTED with grpc-go's message, trailers-only (TLS and h2c)", async () => {
  for (const s of [await tls("grpc-big.example.com"), await h2c()]) {
    const atLimit = messageOfSize(MAX);
    const ok = await grpcCall(s, "grpc-big.example.com", "/grpcbin.GRPCBin/DummyUnary", atLimit);
    assert.is(ok.code, 0);
    assert.is(ok.messages.length, 1);
    assert.ok(Buffer.from(ok.messages[0]!).equals(Buffer.from(atLimit)), "DummyUnary echoed the 4 MiB message");
    const over = await grpcCall(s, "grpc-big.example.com", "/grpcbin.GRPCBin/DummyUnary", messageOfSize(MAX + 1));
    assert.is(over.httpStatus, 200);
    assert.is(over.code, 8);
    assert.is(over.message, `grpc: received message larger than max (${MAX + 1} vs. ${MAX})`);
    assert.is(over.headers["grpc-status"], "8", "a trailers-only response: the status in the one HEADERS frame");
    assert.equal(over.messages, []);
  }
});

test("receive limit: the status comes as soon as a message prefix declares too much — the 100 MiB message is never sent, and the client's stream ends with RST_STREAM NO_ERROR", async () => {
  const s = await h2c();
  const stream = s.request({ ":method": "POST", ":path": "/grpcbin.GRPCBin/DummyUnary", ":authority": "grpc-big.example.com", "content-type": "application/grpc", te: "trailers" }, { endStream: false });
  stream.on("error", () => undefined);
  const response = new Promise<Record<string, unknown>>((resolve) => stream.on("response", resolve));
  const closed = new Promise<number | undefined>((resolve) => stream.on("close", () => resolve(stream.rstCode)));
  stream.resume();
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(100 * 1024 * 1024, 1);
  // The prefix and 1 KiB of the message: a server waiting for the message would never answer.
  stream.write(Buffer.concat([prefix, Buffer.alloc(1024, 1)]));
  const headers = await within(response, "the status");
  assert.is(headers[":status"], 200);
  assert.is(headers["grpc-status"], "8");
  assert.is(decodeURIComponent(String(headers["grpc-message"])), `grpc: received message larger than max (${100 * 1024 * 1024} vs. ${MAX})`);
  assert.is(await within(closed, "the stream's end"), h2constants.NGHTTP2_NO_ERROR, "RST_STREAM NO_ERROR: the rest of the request is not wanted");
});

test("receive limit on request streams: client streaming fails at the oversized message after reading those before it; bidirectional gets its replies, then the status in the trailers; many messages over 4 MiB in all are fine", async () => {
  const s = await h2c();
  // Client streaming (ticker Count): two small messages read, then one of 4 MiB + 1.
  let before = streamingCalls.length;
  const counting = grpcStream(s, "ticker-big.example.com", "/ticker.Ticker/Count");
  counting.send(tickerMessage("m1"));
  counting.send(tickerMessage("m2"));
  const backend = await nextCall(before);
  await within(backend.arrived(2), "the small messages at the backend");
  counting.send(messageOfSize(MAX + 1));
  const refused = await within(counting.done, "the refusal");
  assert.is(refused.headers[":status"], 200);
  assert.is(refused.headers["grpc-status"], "8", "trailers-only: nothing was sent before");
  assert.is(decodeURIComponent(String(refused.headers["grpc-message"])), `grpc: received message larger than max (${MAX + 1} vs. ${MAX})`);
  assert.is(refused.rstCode, h2constants.NGHTTP2_NO_ERROR, "the rest of the request is not wanted");
  assert.equal(backend.seen, ["m1", "m2"]);
  // Bidirectional (grpcbin): an echo, then the oversized message: the status follows the echo.
  const echo = grpcStream(s, "grpc-big.example.com", "/grpcbin.GRPCBin/DummyBidirectionalStreamStream");
  echo.send(tickerMessage("ping"));
  assert.is(text(await within(echo.next(), "the echo")), "ping");
  echo.send(messageOfSize(MAX + 100));
  const ended = await within(echo.done, "the status");
  assert.is(ended.headers["grpc-status"], undefined);
  assert.is(ended.trailers["grpc-status"], "8");
  assert.is(decodeURIComponent(String(ended.trailers["grpc-message"])), `grpc: received message larger than max (${MAX + 100} vs. ${MAX})`);
  assert.is(ended.rstCode, h2constants.NGHTTP2_NO_ERROR);
  // Five messages of 1 MiB: the limit is per message, not per call.
  before = streamingCalls.length;
  const many = grpcStream(s, "ticker-big.example.com", "/ticker.Ticker/Count");
  for (let i = 0; i < 5; i++) many.send(messageOfSize(1024 * 1024));
  many.end();
  const counted = await within(many.done, "the count", 15_000);
  assert.is(counted.trailers["grpc-status"], "0");
  assert.equal(grpcUnframe(counted.body).map(text), ["5 messages"]);
});

test("cardinality (grpc-go's RecvMsg for non-client-streaming methods): a unary or server-streaming call with a second request message, or none, fails with INTERNAL, trailers-only (TLS and h2c)", async () => {
  const MULTIPLE = "cardinality violation: received multiple request messages for non-client-streaming RPC";
  const NONE = "cardinality violation: received no request message from non-client-streaming RPC";
  for (const s of [await tls("grpc.example.com"), await h2c()]) {
    for (const method of ["/grpcbin.GRPCBin/DummyUnary", "/hello.HelloService/SayHello", "/grpcbin.GRPCBin/DummyServerStream"]) {
      // Two messages, the request left open: the status comes at the second, before the client half-closes.
      const two = grpcStream(s, "grpc.example.com", method);
      two.send(tickerMessage("one"));
      two.send(tickerMessage("two"));
      const refused = await within(two.done, `${method}: the status after two messages`);
      assert.is(refused.headers[":status"], 200);
      assert.is(refused.headers["grpc-status"], "13", `${method}: INTERNAL, trailers-only`);
      assert.is(decodeURIComponent(String(refused.headers["grpc-message"])), MULTIPLE);
      assert.is(refused.body.length, 0, "no response message");
      assert.is(refused.rstCode, h2constants.NGHTTP2_NO_ERROR, "RST_STREAM NO_ERROR: the rest of the request is not wanted");
      // No message at all: the client half-closes at once.
      const none = grpcStream(s, "grpc.example.com", method);
      none.end();
      const empty = await within(none.done, `${method}: the status without a message`);
      assert.is(empty.headers["grpc-status"], "13");
      assert.is(decodeURIComponent(String(empty.headers["grpc-message"])), NONE);
      assert.is(empty.body.length, 0);
    }
    // One message, then the half-close: the call goes through.
    const one = grpcStream(s, "grpc.example.com", "/hello.HelloService/SayHello");
    one.send(hello("once"));
    one.end();
    const ok = await within(one.done, "the reply");
    assert.is(ok.trailers["grpc-status"], "0");
    assert.equal(grpcUnframe(ok.body).map(firstString), ["hello once"]);
  }
});

test("GRPCS backend: TLS with ALPN h2 to grpcbin's secure port", async () => {
  const s = await tls("grpcs.example.com");
  const r = await grpcCall(s, "grpcs.example.com", "/hello.HelloService/SayHello", hello("tls"));
  assert.is(r.code, 0);
  assert.is(firstString(r.messages[0]), "hello tls");
});

test("h2c with prior knowledge on the plain port, as nginx with `http2 on` accepts it; HTTP/1.1 still served there", async () => {
  const s = await h2c();
  const r = await grpcCall(s, "grpc.example.com", "/hello.HelloService/SayHello", hello("h2c"));
  assert.is(r.code, 0);
  assert.is(firstString(r.messages[0]), "hello h2c");
  const plain = await hostRequest(ports.httpPort, "nothing.example.com", "/");
  assert.is(plain.status, 404);
});

test("the proxy's metadata reaches the backend (X-Forwarded-*, X-Request-ID, X-Real-IP) and the client's own passes through", async () => {
  const s = await tls("grpc.example.com");
  const r = await grpcCall(s, "grpc.example.com", "/grpcbin.GRPCBin/HeadersUnary", new Uint8Array(0), { "x-user": "alice" });
  assert.is(r.code, 0);
  const m = r.messages[0]!;
  const seen: Record<string, string> = {};
  const outer = new WireReader(m);
  while (!outer.done) {
    const t = outer.tag();
    if (t.field !== 1) {
      outer.skip(t.wireType);
      continue;
    }
    const entry = new WireReader(outer.bytes());
    let k = "";
    let v = "";
    while (!entry.done) {
      const et = entry.tag();
      if (et.field === 1) k = entry.string();
      else if (et.field === 2) v = firstString(entry.bytes()) ?? "";
      else entry.skip(et.wireType);
    }
    seen[k] = v;
  }
  assert.is(seen["x-user"], "alice");
  assert.is(seen["x-forwarded-proto"], "https");
  assert.is(seen["x-forwarded-host"], "grpc.example.com");
  assert.is(seen["x-real-ip"], "127.0.0.1");
  assert.match(seen["x-request-id"] ?? "", /^[0-9a-f]{32}$/);
  assert.is(seen["content-type"], "application/grpc");
});

test("errors keep their status and message: a backend's error, and unknown methods and services", async () => {
  const s = await tls("grpc.example.com");
  const err = await grpcCall(s, "grpc.example.com", "/grpcbin.GRPCBin/SpecificError", new MessageWriter().uint(1, 7).string(2, "no entry: 100%").finish());
  assert.is(err.httpStatus, 200);
  assert.is(err.code, 7);
  assert.is(err.message, "no entry: 100%");
  const unknownMethod = await grpcCall(s, "grpc.example.com", "/hello.HelloService/Nope", new Uint8Array(0));
  assert.is(unknownMethod.code, 12);
  assert.is(unknownMethod.message, "unknown method Nope for service hello.HelloService");
  const unknownService = await grpcCall(s, "grpc.example.com", "/nope.Service/Call", new Uint8Array(0));
  assert.is(unknownService.code, 12);
  assert.is(unknownService.message, "unknown service nope.Service");
});

test("agnhost grpc-health-checking behind the controller: SERVING for its service, NOT_FOUND for another", async () => {
  const s = await tls("health.example.com");
  const ok = await grpcCall(s, "health.example.com", "/grpc.health.v1.Health/Check", new MessageWriter().string(1, "shop").finish());
  assert.is(ok.code, 0);
  const status = new WireReader(ok.messages[0]!);
  const t = status.tag();
  assert.equal([t.field, status.int32()], [1, 1]);
  const other = await grpcCall(s, "health.example.com", "/grpc.health.v1.Health/Check", new MessageWriter().string(1, "cart").finish());
  assert.is(other.code, 5);
  assert.is(other.message, "unknown service");
});

test("without backend-protocol the controller speaks HTTP/1.1 upstream: a gRPC backend fails the call (502, not gRPC)", async () => {
  const s = await tls("plain.example.com");
  const r = await grpcCall(s, "plain.example.com", "/hello.HelloService/SayHello", hello("x"));
  assert.is(r.httpStatus, 502);
  assert.is(r.code, undefined);
});

test("the access log names HTTP/2.0 and the gRPC upstream", async () => {
  const logs = (await cluster.resolve(PodStreams).logs(NAMESPACE, await controllerPod(), new URLSearchParams())) as string;
  assert.match(logs, /"POST \/hello\.HelloService\/SayHello HTTP\/2\.0" 200 \d+ "-" "-" \d+ [\d.]+ \[default-grpcbin-9000\]/);
});

test("GRPCRoute: service/method matches, header matches with a regex service, the default rule; h2c through the Gateway's HTTP listener", async () => {
  const s = await h2c();
  const check = await grpcCall(s, "grpc-gw.example.com", "/grpc.health.v1.Health/Check", new MessageWriter().string(1, "shop").finish());
  assert.is(check.code, 0, "Health/Check goes to the agnhost health server");
  const hi = await grpcCall(s, "grpc-gw.example.com", "/hello.HelloService/SayHello", hello("gateway"));
  assert.is(hi.code, 0);
  assert.is(firstString(hi.messages[0]), "hello gateway", "other calls go to grpcbin");
  const byHeader = await grpcCall(s, "grpc-gw.example.com", "/hello.HelloService/SayHello", hello("x"), { "x-route": "health" });
  assert.is(byHeader.code, 12, "the header match sends hello.* to the health server, which does not serve it");
  assert.is(byHeader.message, "unknown service hello.HelloService");
});

test("GRPCRoute: backendRefs weights (weight 0 gets nothing)", async () => {
  const s = await h2c();
  for (let i = 0; i < 5; i++) {
    const r = await grpcCall(s, "grpc-w.example.com", "/grpc.health.v1.Health/Check", new MessageWriter().string(1, "shop").finish());
    assert.is(r.code, 0);
  }
});

test("GRPCRoute status: Accepted and ResolvedRefs per parent; a missing Service is BackendNotFound; listeners support GRPCRoute", async () => {
  const cond = (r: KubeObject, type: string) => ((r as { status?: { parents?: { conditions: Condition[] }[] } }).status?.parents?.[0]?.conditions ?? []).find((c) => c.type === type);
  const ok = await cluster.waitFor<KubeObject>({ group: "gateway.networking.k8s.io", version: "v1", resource: "grpcroutes" }, (r) => r.metadata?.name === "grpc-main" && cond(r, "Accepted")?.status === "True", { namespace: "default", timeout: 10_000 });
  assert.is(cond(ok, "ResolvedRefs")?.status, "True");
  const bad = await cluster.waitFor<KubeObject>({ group: "gateway.networking.k8s.io", version: "v1", resource: "grpcroutes" }, (r) => r.metadata?.name === "grpc-broken" && cond(r, "ResolvedRefs") !== undefined, { namespace: "default", timeout: 10_000 });
  assert.is(cond(bad, "ResolvedRefs")?.status, "False");
  assert.is(cond(bad, "ResolvedRefs")?.reason, "BackendNotFound");
  const s = await h2c();
  const r = await grpcCall(s, "grpc-broken.example.com", "/hello.HelloService/SayHello", hello("x"));
  assert.is(r.httpStatus, 500);
  const gw = await cluster.waitFor<KubeObject>({ group: "gateway.networking.k8s.io", version: "v1", resource: "gateways" }, (g) => g.metadata?.name === "gw" && ((g as { status?: { listeners?: { attachedRoutes: number }[] } }).status?.listeners?.[0]?.attachedRoutes ?? 0) === 3, { namespace: "default", timeout: 10_000 });
  const kinds = (gw as { status?: { listeners?: { supportedKinds: { kind: string }[] }[] } }).status!.listeners![0]!.supportedKinds.map((k) => k.kind);
  assert.equal(kinds, ["HTTPRoute", "GRPCRoute"]);
});

test.after(async () => {
  for (const s of sessions) s.destroy();
  await cluster.stop();
});

test.run();
