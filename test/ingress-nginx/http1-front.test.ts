/** The ingress host port's HTTP/1.1 front on raw sockets: framing, keep-alive, pipelining, bodies, malformed requests. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, createServer, type Server } from "node:net";
import { Http1Connection, type FrontRequest, type FrontResponse } from "../../plugins/ingress-nginx/http1-front.js";
import { TurnBatch } from "../../plugins/ingress-nginx/turn-batch.js";

const seen: FrontRequest[] = [];
const page = (status: number): FrontResponse => ({ status, statusText: status === 400 ? "Bad Request" : status === 413 ? "Request Entity Too Large" : "Err", headers: { "Content-Type": "text/html", "Content-Length": "3" }, body: "err" });
let server: Server;
let port = 0;
const connections: Http1Connection[] = [];

/** Echoes method, target and body; `/slow` answers after a delay (pipelined answers must stay in order). */
async function handler(req: FrontRequest): Promise<FrontResponse> {
  seen.push(req);
  if (req.target === "/slow") await new Promise((r) => setTimeout(r, 30));
  if (req.target === "/throw") throw new Error("boom");
  const body = `${req.method} ${req.target} ${req.body.toString()}`;
  return { status: 200, statusText: "OK", headers: { "Content-Type": "text/plain", "Content-Length": String(Buffer.byteLength(body)) }, body };
}

/** Sends `parts` (written separately, a tick apart, in `encoding`) and collects everything until the server closes or `ms` pass. */
function exchange(parts: string[], ms = 300, encoding: BufferEncoding = "utf8"): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let text = "";
    let closed = false;
    s.on("data", (d: Buffer) => (text += d.toString("latin1")));
    s.on("end", () => (closed = true));
    s.on("error", () => undefined);
    void (async () => {
      for (const p of parts) {
        s.write(p, encoding);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    setTimeout(() => {
      s.destroy();
      resolve({ text, closed });
    }, ms);
  });
}

const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

test.before(async () => {
  // Batched by event-loop turn, as the host port runs its connections.
  const batch = new TurnBatch();
  server = createServer((socket) => connections.push(new Http1Connection(socket, handler, page, { maxHead: 1024, maxBody: 100, keepAliveMs: 5000 }, batch)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});

test.after(() => new Promise<void>((r) => server.close(() => r())));

test("a keep-alive response: status line, the handler's headers in order, then Date, Connection and Keep-Alive as Node's http module sends them", async () => {
  const { text, closed } = await exchange(["GET /a?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n"]);
  assert.match(text, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nContent-Length: 11\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nGET \/a\?x=1 $/);
  assert.is(closed, false);
  const last = seen[seen.length - 1]!;
  assert.equal(last.headers, { host: "h", "user-agent": "t" });
  assert.is(last.length, "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n".length);
});

test("pipelined requests split at odd places are answered in order, even when an earlier one is slower", async () => {
  const all = "GET /slow HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: h\r\n\r\n";
  const { text } = await exchange([all.slice(0, 7), all.slice(7, 40), all.slice(40, 75), all.slice(75)]);
  const bodies = text.split("\r\n\r\n").slice(1).map((b) => b.replace(/HTTP\/1\.1.*$/s, ""));
  assert.equal(bodies, ["GET /slow ", "POST /b hello", "GET /c "]);
});

test("a chunked request body is decoded (extensions and trailers ignored); its wire length counts the framing", async () => {
  const req = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-T: 1\r\n\r\n";
  const { text } = await exchange([req.slice(0, 60), req.slice(60, 70), req.slice(70)]);
  assert.match(text, /\r\n\r\nPOST \/up abcdefg$/);
  assert.is(seen[seen.length - 1]!.length, req.length);
});

test("HTTP/1.0 closes after the answer unless it asks for keep-alive; Connection: close closes; a HEAD answer has no body", async () => {
  const ten = await exchange(["GET / HTTP/1.0\r\n\r\n"]);
  assert.match(ten.text, /Connection: close\r\n\r\nGET \/ $/);
  assert.ok(ten.closed);
  const tenKeep = await exchange(["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]);
  assert.ok(!tenKeep.closed);
  const close = await exchange(["GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n"]);
  assert.equal(statuses(close.text), [200]);
  assert.ok(close.closed);
  const head = await exchange(["HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n"]);
  assert.match(head.text, /Content-Length: 8\r\n.*\r\n\r\n$/s);
});

test("Expect: 100-continue gets an interim 100 before the body is sent", async () => {
  const text = await new Promise<string>((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d: Buffer) => {
      got += d.toString();
      if (got === "HTTP/1.1 100 Continue\r\n\r\n") s.write("ok");
      if (got.endsWith("ok")) {
        s.destroy();
        resolve(got);
      }
    });
    s.write("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  });
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /POST \/e ok$/);
});

test("malformed requests get 400 and the connection closes: request line, space before the colon, obs-fold, no Host, CL with TE, bad length, bad chunk", async () => {
  const bad = [
    "GET /\r\n\r\n",
    "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n",
    "GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  ];
  for (const req of bad) {
    const { text, closed } = await exchange([req], 150);
    assert.equal(statuses(text), [400], JSON.stringify(req));
    assert.match(text, /Connection: close\r\n/);
    assert.ok(closed, JSON.stringify(req));
  }
});

test("the characters of a request line and header: method a token, target without whitespace or controls, version HTTP/d.d; values trimmed of spaces, tabs and no-break spaces, controls but HTAB refused", async () => {
  const bad = [
    "G@T / HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /a\xa0b HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.12\r\nHost: h\r\n\r\n",
    "GET / http/1.1\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.x\r\nHost: h\r\n\r\n",
    "GET / HTTP/0.9\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-\xe9: v\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n",
  ];
  // Bytes as written (latin1: one byte a character), as the front reads them.
  for (const req of bad) assert.equal(statuses((await exchange([req], 150, "latin1")).text), [400], JSON.stringify(req));
  await exchange(["GET /\xe9?q=\x80 HTTP/1.1\r\nHost: h\r\nX-A: \t\xa0 a\tb \x0b\r\nX-B:c\r\r\nX-C:\r\n\r\n"], 300, "latin1");
  const last = seen[seen.length - 1]!;
  assert.is(last.target, "/\xe9?q=\x80");
  assert.equal(last.headers, { host: "h", "x-a": "a\tb", "x-b": "c", "x-c": "" });
});

test("limits: a head longer than allowed is 400, a body over the maximum 413 (declared or chunked), HTTP/2.0 in a request line 505; a failing handler 502", async () => {
  assert.equal(statuses((await exchange([`GET /${"a".repeat(2000)} HTTP/1.1\r\nHost: h\r\n\r\n`], 150)).text), [400]);
  assert.equal(statuses((await exchange(["POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n"], 150)).text), [413]);
  assert.equal(statuses((await exchange(["POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n"], 150)).text), [413]);
  assert.equal(statuses((await exchange(["GET / HTTP/2.0\r\nHost: h\r\n\r\n"], 150)).text), [505]);
  const failed = await exchange(["GET /throw HTTP/1.1\r\nHost: h\r\n\r\n"], 150);
  assert.equal(statuses(failed.text), [502]);
});

test("repeated headers are joined as Node joins them (first Host and User-Agent kept, cookies with '; ', others with ', '); empty lines before a request are skipped", async () => {
  await exchange(["\r\nGET /h HTTP/1.1\r\nHost: a\r\nHost: b\r\nAccept: x\r\nAccept: y\r\nCookie: c=1\r\nCookie: d=2\r\n\r\n"]);
  const h = seen[seen.length - 1]!.headers;
  assert.equal([h["host"], h["accept"], h["cookie"]], ["a", "x, y", "c=1; d=2"]);
});

test("the idle sweep: a kept-alive connection is idle once the keep-alive timeout has passed since its last request, counted from the first sweep that found it quiet", async () => {
  const s = connect(port, "127.0.0.1");
  const answered = new Promise<void>((r) => s.once("data", () => r()));
  s.write("GET /sweep HTTP/1.1\r\nHost: a\r\n\r\n");
  await answered;
  const c = connections[connections.length - 1]!;
  // Sweeps a second apart: the first only notes the activity of the request just answered.
  assert.is(c.idleFor(0), false);
  for (let t = 1000; t < 5000; t += 1000) assert.is(c.idleFor(t), false, `${t}`);
  assert.is(c.idleFor(5000), true);
  // Another request starts the count again.
  const again = new Promise<void>((r) => s.once("data", () => r()));
  s.write("GET /sweep HTTP/1.1\r\nHost: a\r\n\r\n");
  await again;
  assert.is(c.idleFor(6000), false);
  assert.is(c.idleFor(10_999), false);
  assert.is(c.idleFor(11_000), true);
  s.destroy();
});

test.run();
