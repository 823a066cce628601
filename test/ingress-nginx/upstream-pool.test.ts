/** The controller's upstream keep-alive: connections reused across requests, a stale one retried once, timeouts as 504s see them. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventEmitter } from "eventemitter3";
import { HttpTimeoutError, parseHttpMessage } from "../../core/cri/http.js";
import type { Connection, ConnectionEvents, NetworkStack } from "../../core/net/sockets.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { UpstreamPool } from "../../plugins/ingress-nginx/upstream-pool.js";

/** A connection pair's client end; the server side is a function of the request text. */
class FakeConnection extends EventEmitter<ConnectionEvents> implements Connection {
  readonly localAddress = "10.244.0.5";
  readonly localPort = 40000;
  readonly remoteAddress = "10.244.1.7";
  readonly remotePort = 80;
  destroyed = false;
  constructor(private readonly serve: (c: FakeConnection, request: string) => void) {
    super();
  }
  write(data: Uint8Array | string): void {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    queueMicrotask(() => this.serve(this, text));
  }
  reply(text: string): void {
    queueMicrotask(() => this.emit("data", new TextEncoder().encode(text)));
  }
  end(): void {}
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emit("close"));
  }
}

function stack(serve: (c: FakeConnection, request: string) => void): NetworkStack & { opened: FakeConnection[] } {
  const opened: FakeConnection[] = [];
  return {
    opened,
    addresses: ["10.244.0.5"],
    listen: () => { throw new Error("unused"); },
    bindUdp: () => { throw new Error("unused"); },
    connect: async () => {
      const c = new FakeConnection(serve);
      opened.push(c);
      return c;
    },
  };
}

const ok = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const get = { method: "GET", path: "/x", headers: { Host: "shop.example.com" }, body: "" };
const timeouts = { connectMs: 5000, readMs: 60_000 };

test("requests to one endpoint reuse one kept-alive connection (HTTP/1.1, no Connection header sent)", async () => {
  const seen: string[] = [];
  const net = stack((c, req) => {
    seen.push(req);
    c.reply(ok(`n${seen.length}`));
  });
  const pool = new UpstreamPool(net, new VirtualClock({ auto: false }));
  for (let i = 1; i <= 3; i++) assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, `n${i}`);
  assert.is(net.opened.length, 1);
  assert.ok(seen.every((r) => r.startsWith("GET /x HTTP/1.1\r\nHost: shop.example.com\r\n") && !/connection:/i.test(r)));
  assert.is(parseHttpMessage(seen[0]!)!.startLine, "GET /x HTTP/1.1");
  pool.close();
  assert.ok(net.opened[0]!.destroyed);
});

test("a HEAD request's answer ends with its head (Content-Length passed on, no body read); the connection then serves the next request", async () => {
  const seen: string[] = [];
  const net = stack((c, req) => {
    seen.push(req.slice(0, req.indexOf(" ")));
    c.reply(req.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 615\r\n\r\n" : ok("page"));
  });
  const pool = new UpstreamPool(net, new VirtualClock({ auto: false }));
  const head = await pool.request("10.244.1.7", 80, { ...get, method: "HEAD" }, timeouts);
  assert.equal([head.status, head.headers["content-length"], head.body], [200, "615", ""]);
  assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, "page");
  assert.equal(seen, ["HEAD", "GET"]);
  assert.is(net.opened.length, 1);
  pool.close();
});

test("a response with Connection: close is not reused; an idle connection the server closed is retried on a new one", async () => {
  let n = 0;
  const net = stack((c, _req) => {
    n++;
    if (n === 1) c.reply("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na");
    else if (n === 2) c.reply(ok("b"));
    else if (n === 3) c.destroy(); // the kept-alive connection was closed by the server
    else c.reply(ok("d"));
  });
  const pool = new UpstreamPool(net, new VirtualClock({ auto: false }));
  assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, "a");
  assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, "b");
  assert.is(net.opened.length, 2);
  assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, "d");
  assert.is(net.opened.length, 3);
  pool.close();
});

test("no response within the read timeout rejects with HttpTimeoutError (nginx's 504)", async () => {
  const net = stack(() => undefined);
  const clock = new VirtualClock({ auto: false });
  const pool = new UpstreamPool(net, clock);
  const pending = pool.request("10.244.1.7", 80, get, { connectMs: 5000, readMs: 60_000 }).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 0));
  await clock.advance(60_000);
  assert.instance(await pending, HttpTimeoutError);
  pool.close();
});

test("a reused connection's request times out readMs after it was sent, not after an earlier request; a closed pool leaves no timer", async () => {
  let n = 0;
  const net = stack((c) => {
    if (++n === 1) c.reply(ok("a"));
  });
  const clock = new VirtualClock({ auto: false });
  const pool = new UpstreamPool(net, clock);
  assert.is((await pool.request("10.244.1.7", 80, get, timeouts)).body, "a");
  await clock.advance(30_000);
  let outcome: unknown;
  const pending = pool.request("10.244.1.7", 80, get, timeouts).then(
    () => (outcome = "answered"),
    (e: unknown) => (outcome = e),
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.is(net.opened.length, 1);
  // The first request's deadline (60 s) passes: the second one, sent at 30 s, still waits.
  await clock.advance(30_000);
  await new Promise((r) => setTimeout(r, 0));
  assert.is(outcome, undefined);
  await clock.advance(29_999);
  await new Promise((r) => setTimeout(r, 0));
  assert.is(outcome, undefined);
  await clock.advance(1);
  await pending;
  assert.instance(outcome, HttpTimeoutError);
  assert.ok(net.opened[0]!.destroyed);
  pool.close();
  assert.is(clock.pending, 0);
});

test("idle pooled connections hold no timer once closed", async () => {
  const net = stack((c) => c.reply(ok("a")));
  const clock = new VirtualClock({ auto: false });
  const pool = new UpstreamPool(net, clock);
  await pool.request("10.244.1.7", 80, get, timeouts);
  await pool.request("10.244.1.7", 80, get, timeouts);
  pool.close();
  assert.is(clock.pending, 0);
});

test.run();
