import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { fixedResponse, formatResponse, httpGet, parseHttpMessage, requestLine, serveHttpConnection, type HttpRequest, type HttpResponse } from "../../core/cri/http.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { SimConnection } from "../../core/net/sim-connection.js";
import { LineSplitter } from "../../plugins/runtime-containerd/log-store.js";

test("parseHttpMessage: start line, names lower-cased and trimmed, values trimmed, the last repeated name wins, lines without a colon skipped", () => {
  const msg = "GET /x HTTP/1.1\r\nHost: a.example\r\nX-Thing :  one \r\nbogus line\r\nx-thing: two\r\nContent-Length: 3\r\n\r\nabcNEXT";
  const p = parseHttpMessage(msg)!;
  assert.is(p.startLine, "GET /x HTTP/1.1");
  assert.equal(p.headers, { host: "a.example", "x-thing": "two", "content-length": "3" });
  assert.is(p.body, "abc");
  assert.is(msg.slice(p.consumed), "NEXT");
});

test("parseHttpMessage: any header line parses as slicing, trimming and lower-casing it would (known names compared in place, odd whitespace and case included)", () => {
  const names = fc.oneof(
    fc.constantFrom("Host", "HOST", "host", "Content-Length", "content-type", "X-Forwarded-For", "x-request-ID", "Server", "ETag", "Date", "X-Real-IP", "Set-Cookie", "Hosx", "Hos", "Host ", " Host", "X-Forwarded-Fo", "Conne\u00e9tion", "CONNECTION@"),
    fc.string({ unit: fc.constantFrom("a", "A", "-", "0", "Z", "_", " ", "\t", "\u00a0", "@", "["), minLength: 1, maxLength: 12 }),
  );
  const values = fc.string({ unit: fc.constantFrom("v", " ", "\t", "\u00a0", "\ufeff", "é", ":", "x"), maxLength: 8 });
  fc.assert(
    fc.property(fc.array(fc.tuple(names, values), { maxLength: 6 }), (lines) => {
      const expected: Record<string, string> = {};
      for (const [n, v] of lines) expected[n.trim().toLowerCase()] = v.trim();
      const p = parseHttpMessage(`GET / HTTP/1.1\r\n${lines.map(([n, v]) => `${n}:${v}\r\n`).join("")}\r\n`)!;
      assert.equal(p.headers, expected);
    }),
    { numRuns: 2000, seed: 16 },
  );
});

/** The message parse spelled out with searches and substrings: what the one-pass parser must agree with. */
function referenceParse(buffer: string, atEnd: boolean, headRequest = false): ReturnType<typeof parseHttpMessage> {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  let lineEnd = buffer.indexOf("\r\n");
  const startLine = buffer.slice(0, lineEnd);
  const headers: Record<string, string> = {};
  while (lineEnd < headEnd) {
    const from = lineEnd + 2;
    lineEnd = buffer.indexOf("\r\n", from);
    const i = buffer.indexOf(":", from);
    if (i > from && i < lineEnd) headers[buffer.slice(from, i).trim().toLowerCase()] = buffer.slice(i + 1, lineEnd).trim();
  }
  const start = headEnd + 4;
  const isResponse = startLine.startsWith("HTTP/");
  // RFC 9112 §6.3: a response to HEAD, and a 1xx, 204 or 304 response, end with their head.
  if (isResponse && (headRequest || /^(1\d\d|204|304)$/.test(startLine.split(" ")[1] ?? ""))) return { startLine, headers, body: "", consumed: start };
  const length = headers["content-length"];
  if (length !== undefined) {
    // Content-Length is in UTF-8 bytes: the shortest run of characters that many bytes long (or longer, when it ends inside one).
    const n = Number(length) >= 0 ? Number(length) : 0;
    for (let end = start; end <= buffer.length; end++) {
      if (Buffer.byteLength(buffer.slice(start, end)) >= n) return { startLine, headers, body: buffer.slice(start, end), consumed: end };
    }
    return undefined;
  }
  if (isResponse && !atEnd) return undefined;
  return { startLine, headers, body: isResponse ? buffer.slice(start) : "", consumed: isResponse ? buffer.length : start };
}

test("parseHttpMessage: any text (stray CR/LF, colons, empty lines, bodies) parses as searching and slicing it would", () => {
  const pieces = fc.constantFrom("\r\n", "\r", "\n", ":", " ", "a", "Host", "content-length: 2", "Content-Length:1", "HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 304", "HTTP/1.1 100 Continue", "HTTP/1.1 2040", "GET / HTTP/1.1", "x-forwarded-for", "\t", "é", "1");
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 24 }), fc.boolean(), fc.boolean(), (parts, atEnd, headRequest) => {
      const text = parts.join("");
      assert.equal(parseHttpMessage(text, atEnd, headRequest), referenceParse(text, atEnd, headRequest));
    }),
    { numRuns: 5000, seed: 16 },
  );
});

test("parseHttpMessage: header lines like the last message's (same place, same text) parse as they did; a changed, moved, shorter or longer line is parsed afresh", () => {
  const pieces = fc.constantFrom("Host: a", "Host: b", "host:a", "X-Request-ID: 1", "X-Request-ID: 22", "bogus", "Content-Length: 1", "Server: x", "Server:  x ", "x: y");
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(pieces, { maxLength: 6 }), fc.boolean()), { minLength: 2, maxLength: 6 }), (messages) => {
      // Messages one after another, requests and responses mixed, often repeating lines at the same places.
      for (const [response, lines, atEnd] of messages) {
        const text = `${response ? "HTTP/1.1 200 OK" : "GET / HTTP/1.1"}\r\n${lines.map((l) => `${l}\r\n`).join("")}\r\nz`;
        assert.equal(parseHttpMessage(text, atEnd), referenceParse(text, atEnd));
      }
    }),
    { numRuns: 3000, seed: 16 },
  );
  // Heads sharing their rest with the last one (after a changed line, at the same or another offset), shorter, longer, incomplete, pipelined.
  const head = (id: string, rest = "X-Real-IP: 1\r\nUser-Agent: u\r\n") => `GET / HTTP/1.1\r\nHost: h\r\nX-Request-ID: ${id}\r\n${rest}\r\n`;
  for (const text of [
    head("1111"), head("1111"), head("2222"), head("333"), head("44444"), head("5555", "X-Real-IP: 2\r\nUser-Agent: u\r\n"), head("6666", "X-Real-IP: 2\r\n"),
    head("7777", "X-Real-IP: 2\r\nUser-Agent: u\r\nX-Extra: e\r\n"), head("8888").slice(0, 40), head("9999"), "GET / HTTP/1.1\r\nHost: x\r\nX-Req", head("9999"), head("9999") + head("aaaa"), "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\nokHTTP/1.1",
    "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\no", "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 404 Not Found\r\nServer: s\r\nContent-Length: 2\r\n\r\nno",
  ]) {
    assert.equal(parseHttpMessage(text), referenceParse(text, false), JSON.stringify(text));
  }
  // The same line text at the same place, in a message that is otherwise different, still yields its own value.
  assert.equal(parseHttpMessage("GET / HTTP/1.1\r\nX-Request-ID: aaaa\r\nHost: h\r\n\r\n")!.headers, { "x-request-id": "aaaa", host: "h" });
  assert.equal(parseHttpMessage("GET / HTTP/1.1\r\nX-Request-ID: bbbb\r\nHost: h\r\n\r\n")!.headers, { "x-request-id": "bbbb", host: "h" });
  assert.equal(parseHttpMessage("GET / HTTP/1.1\r\nHost: h\r\nX-Request-ID: bbbb\r\n\r\n")!.headers, { host: "h", "x-request-id": "bbbb" });
});

test("parseHttpMessage: a whole message parsed again (the same text, or the same string) parses as it did, into headers of its own; an incomplete one in between changes nothing", () => {
  const whole = fc.constantFrom(
    "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nServer: t\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 3\r\n\r\nok!",
    "HTTP/1.1 200 OK\r\nServer: s\r\n\r\nto the end",
    "GET / HTTP/1.1\r\nHost: h\r\nX-Request-ID: 1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-Request-ID: 2\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx",
    // Whole as the answer to HEAD (or a 204), waiting for its body as a GET's.
    "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\n",
    "HTTP/1.1 204 No Content\r\nServer: s\r\nContent-Length: 2\r\n\r\n",
  );
  // Incomplete messages and messages followed by more: they leave other kept lines behind.
  const partial = fc.constantFrom("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 9\r\n\r\nok", "GET / HTTP/1.1\r\nHost: y\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /", "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\n\r\nokHTTP");
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(whole, whole, partial), fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 2, maxLength: 12 }), (messages) => {
      for (const [text, atEnd, copy, headRequest] of messages) {
        // A copy: equal text in another string (as another connection's answer is).
        const buffer = copy ? ` ${text}`.slice(1) : text;
        const parsed = parseHttpMessage(buffer, atEnd, headRequest);
        assert.equal(parsed, referenceParse(text, atEnd, headRequest), JSON.stringify([text, headRequest]));
        // The caller owns what it got: changing it changes no later parse.
        if (parsed) parsed.headers["server"] = "changed";
      }
    }),
    { numRuns: 3000, seed: 16 },
  );
});

test("parseHttpMessage: heads one after another with the same names in the same places, other names, names twice, inherited names, more lines than are kept: each parses as searching and slicing it would", () => {
  const line = fc.constantFrom("Host: a", "Host: b", "X-Request-ID: 1", "X-Request-ID: 2", "Server: s", "constructor: c", "__proto__: p", "toString: t", "bogus", "host: A", "Content-Length: 0");
  const head = fc.oneof(fc.array(line, { maxLength: 5 }), fc.array(line, { minLength: 30, maxLength: 36 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), head), { minLength: 2, maxLength: 8 }), (messages) => {
      // Often the same head again with one line changed: the copy of the last headers is what answers.
      for (const [response, lines] of messages) {
        for (const variant of [lines, lines.map((l, i) => (i === 1 ? l.replace(/[12ab]$/, (c) => ({ 1: "2", 2: "1", a: "b", b: "a" })[c]!) : l))]) {
          const text = `${response ? "HTTP/1.1 200 OK" : "GET / HTTP/1.1"}\r\n${variant.map((l) => `${l}\r\n`).join("")}\r\n`;
          const parsed = parseHttpMessage(text, true);
          assert.equal(parsed, referenceParse(text, true), JSON.stringify(text));
          if (parsed) parsed.headers["host"] = "changed";
        }
      }
    }),
    { numRuns: 2000, seed: 16 },
  );
});

test("parseHttpMessage: incomplete head or body waits; a response without Content-Length ends with the connection; a request without one has no body", () => {
  assert.is(parseHttpMessage("GET / HTTP/1.1\r\nHost: a\r\n"), undefined);
  assert.is(parseHttpMessage("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), undefined);
  assert.is(parseHttpMessage("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nhello"), undefined);
  const res = parseHttpMessage("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nhello", true)!;
  assert.is(res.body, "hello");
  assert.equal(res.headers, { server: "x" });
  const bare = parseHttpMessage("GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")!;
  assert.equal(bare.headers, {});
  assert.is(bare.startLine, "GET / HTTP/1.1");
  assert.is(bare.consumed, "GET / HTTP/1.1\r\n\r\n".length);
});

test("parseHttpMessage: Content-Length counts UTF-8 bytes, so a body with multi-byte characters ends where its bytes do", () => {
  const body = "<p>café — 🚀</p>";
  const msg = `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}HTTP/1.1 204 No Content`;
  const p = parseHttpMessage(msg)!;
  assert.is(p.body, body);
  assert.is(msg.slice(p.consumed), "HTTP/1.1 204 No Content");
  // One byte short of the body: still waiting.
  assert.is(parseHttpMessage(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, -5)}`), undefined);
});

test("parseHttpMessage: a large body with multi-byte characters read in small chunks waits until its last byte, then is whole", () => {
  const body = "ab€é🚀\n".repeat(20_000);
  const msg = `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let buffer = "";
  let parsed: ReturnType<typeof parseHttpMessage>;
  for (let at = 0; at < msg.length; at += 1024) {
    buffer += msg.slice(at, at + 1024);
    parsed = parseHttpMessage(buffer);
    if (buffer.length < msg.length) assert.is(parsed, undefined, `complete at ${buffer.length} of ${msg.length} characters`);
  }
  assert.is(parsed!.body, body);
  assert.is(parsed!.consumed, msg.length);
});

test("parseHttpMessage: a response to HEAD, and a 1xx, 204 or 304 response, ends with its head whatever Content-Length or Transfer-Encoding say (RFC 9112 §6.3); the next response follows", () => {
  const head = "HTTP/1.1 200 OK\r\nServer: nginx/1.25.5\r\nContent-Type: text/html\r\nContent-Length: 615\r\n\r\n";
  // Read as a GET's answer it waits for 615 bytes; as HEAD's it is whole, the length kept.
  assert.is(parseHttpMessage(head), undefined);
  const p = parseHttpMessage(head + "HTTP/1.1 404", false, true)!;
  assert.equal([p.headers["content-length"], p.body, p.consumed], ["615", "", head.length]);
  // The same text parsed again (the last-message cache) is read by the method it answers.
  assert.ok(parseHttpMessage(head, false, true));
  assert.is(parseHttpMessage(head), undefined);
  const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  assert.equal(parseHttpMessage(chunked + "rest", false, true), { startLine: "HTTP/1.1 200 OK", headers: { "transfer-encoding": "chunked" }, body: "", consumed: chunked.length });
  for (const status of ["100 Continue", "103 Early Hints", "204 No Content", "304 Not Modified", "304"]) {
    const text = `HTTP/1.1 ${status}\r\nContent-Length: 3\r\n\r\n`;
    assert.equal(parseHttpMessage(text + "abc"), { startLine: `HTTP/1.1 ${status}`, headers: { "content-length": "3" }, body: "", consumed: text.length }, status);
  }
  // Other codes (205, a four-digit one) are read by their length; requests are read by theirs whatever is asked.
  assert.is(parseHttpMessage("HTTP/1.1 205 Reset Content\r\nContent-Length: 3\r\n\r\nabc")!.body, "abc");
  assert.is(parseHttpMessage("HTTP/1.1 2040 x\r\nContent-Length: 3\r\n\r\nabc")!.body, "abc");
  assert.is(parseHttpMessage("HEAD / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", false, true)!.body, "abc");
});

test("requestLine: the first three fields as split(' ') gives them, missing ones defaulted (empty fields kept)", () => {
  assert.equal(requestLine("GET /x?y=1 HTTP/1.1"), { method: "GET", path: "/x?y=1", httpVersion: "HTTP/1.1" });
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("G", "/", " ", "x", "H", "\t"), maxLength: 12 }), (line) => {
      const [method = "GET", path = "/", httpVersion = "HTTP/1.1"] = line.split(" ");
      assert.equal(requestLine(line), { method, path, httpVersion });
    }),
    { numRuns: 3000, seed: 16 },
  );
});

test("formatResponse: the handler's headers in order, Content-Length in UTF-8 bytes unless given, Connection: close when closing", () => {
  assert.is(formatResponse({ status: 200, headers: { Server: "nginx", "Content-Type": "text/plain" }, body: "é" }, false), "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\né");
  assert.is(formatResponse({ status: 404, statusText: "Nope", headers: { "Content-Length": "0", Connection: "keep-alive", A: "b" } }, true), "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\nConnection: close\r\nA: b\r\n\r\n");
  // RFC 9110 §8.6: no Content-Length in a 1xx or 204 response (nginx and Go send none in a 304 either), and no body.
  assert.is(formatResponse({ status: 204 }, true), "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  assert.is(formatResponse({ status: 304, headers: { ETag: '"x"' }, body: "stale" }, false), 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n');
});

test("formatResponse: to HEAD, the Content-Length of the body (or the handler's, or the one passed on) and no body", () => {
  assert.is(formatResponse({ status: 200, headers: { Server: "nginx" }, body: "é!" }, false, true), "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\n");
  assert.is(formatResponse({ status: 200, headers: { "Content-Length": "615" } }, true, true), "HTTP/1.1 200 OK\r\nContent-Length: 615\r\nConnection: close\r\n\r\n");
  assert.is(formatResponse({ status: 200, headers: { A: "b" }, body: "", contentLength: "615" }, false, true), "HTTP/1.1 200 OK\r\nA: b\r\nContent-Length: 615\r\n\r\n");
  assert.is(formatResponse({ status: 200, headers: { A: "b" }, body: "", contentLength: null }, false, true), "HTTP/1.1 200 OK\r\nA: b\r\n\r\n");
  // A fixed response: its HEAD forms are its GET forms without the body, each the same string every time.
  const res = fixedResponse({ status: 200, headers: { Server: "nginx", "Content-Type": "text/html" }, body: "<p>é</p>" });
  for (const close of [false, true]) {
    const get = formatResponse(res, close);
    assert.is(formatResponse(res, close, true), get.slice(0, get.indexOf("\r\n\r\n") + 4));
    assert.is(formatResponse(res, close, true), formatResponse(res, close, true));
    assert.is(formatResponse(res, close), get);
  }
});

test("formatResponse: a fixed response is frozen and written as the same string each time (kept alive or closing), as formatting it would", () => {
  const res = fixedResponse({ status: 200, headers: { Server: "nginx", "Content-Type": "text/html" }, body: "<p>é</p>" });
  assert.ok(Object.isFrozen(res) && Object.isFrozen(res.headers));
  const open = formatResponse(res, false);
  assert.is(open, formatResponse({ ...res, headers: { ...res.headers } }, false));
  assert.is(formatResponse(res, true), formatResponse({ ...res, headers: { ...res.headers } }, true));
  assert.is(formatResponse(res, false), open);
  assert.ok(formatResponse(res, true).includes("Connection: close\r\n") && !open.includes("Connection"));
});

/** A server on one end of a simulated connection; what the client end received, as text. */
function serve(handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): { send(text: string): void; received(): string; ended(): boolean } {
  const client = new SimConnection("10.0.0.1", 40000, "10.0.0.2", 80, () => undefined);
  const server = new SimConnection("10.0.0.2", 80, "10.0.0.1", 40000, () => undefined);
  client.peer = server;
  server.peer = client;
  serveHttpConnection(server, handler);
  let got = "";
  let end = false;
  client.setEncoding("utf8");
  client.on("text", (t) => (got += t));
  client.on("end", () => (end = true));
  return { send: (t) => client.write(t), received: () => got, ended: () => end };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

test("serveHttpConnection: pipelined requests answered in order whether the handler answers at once or later; a throw or rejection is a 500; Connection: close ends", async () => {
  const seen: string[] = [];
  const c = serve((req) => {
    seen.push(req.path);
    if (req.path === "/throw") throw new Error("boom");
    if (req.path === "/reject") return Promise.reject(new Error("boom"));
    if (req.path.startsWith("/later")) return new Promise((r) => setTimeout(() => r({ status: 200, headers: { X: req.path }, body: "late" }), 2));
    return { status: 200, headers: { X: req.path }, body: "now" };
  });
  c.send("GET /later HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /throw HTTP/1.1\r\n\r\n");
  c.send("GET /reject HTTP/1.1\r\n\r\nGET /later2 HTTP/1.1\r\n\r\n");
  await settle();
  await settle();
  c.send("GET /b HTTP/1.1\r\nConnection: close\r\n\r\n");
  await settle();
  assert.equal(seen, ["/later", "/a", "/throw", "/reject", "/later2", "/b"]);
  const ok = (path: string, body: string, close = false): string => `HTTP/1.1 200 OK\r\nX: ${path}\r\nContent-Length: ${body.length}\r\n${close ? "Connection: close\r\n" : ""}\r\n${body}`;
  const failed = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
  assert.is(c.received(), ok("/later", "late") + ok("/a", "now") + failed + failed + ok("/later2", "late") + ok("/b", "now", true));
  assert.ok(c.ended());
});

test("serveHttpConnection: HEAD answered with the headers GET gets (its Content-Length) and no body, so the next pipelined answer follows at once", async () => {
  const c = serve(() => ({ status: 200, headers: { Server: "s" }, body: "page" }));
  c.send("HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
  await settle();
  const head = "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 4\r\n\r\n";
  assert.is(c.received(), head + head + "page" + "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 4\r\nConnection: close\r\n\r\n");
  assert.ok(c.ended());
});

test("httpGet: HEAD reads the headers (Content-Length kept) and no body; interim 1xx answers are passed over", async () => {
  const clock = new VirtualClock({ auto: true });
  const plane = new DataPlane({ clock });
  const net = plane.stack(plane.addNode("node-1", "10.244.0.5"));
  const requests: string[] = [];
  net.listen("TCP", 8080, (conn) => {
    conn.setEncoding!("utf8");
    conn.on("text", (t: string) => {
      requests.push(t.slice(0, t.indexOf(" ")));
      // What follows the head of a HEAD answer is not its body (a server's stray bytes): never read as one.
      if (t.startsWith("HEAD")) conn.write("HTTP/1.1 200 OK\r\nContent-Length: 615\r\nContent-Type: text/html\r\n\r\n");
      else conn.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    });
  });
  const head = await httpGet(net, { host: "127.0.0.1", port: 8080, path: "/", method: "HEAD" });
  assert.equal(head, { status: 200, statusText: "OK", headers: { "content-length": "615", "content-type": "text/html" }, body: "" });
  const post = await httpGet(net, { host: "127.0.0.1", port: 8080, path: "/", method: "POST", body: "x" });
  assert.equal(post, { status: 201, statusText: "Created", headers: { "content-length": "2" }, body: "ok" });
  assert.equal(requests, ["HEAD", "POST"]);
});

test("LineSplitter: whole lines at once, an unterminated tail held until the rest arrives or flush", () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.write("one\n");
  s.write("tw");
  s.write("o\nthree\nfo");
  s.write("ur\n");
  s.write("\n");
  s.write("five");
  assert.equal(lines, ["one", "two", "three", "four", ""]);
  s.flush();
  assert.equal(lines, ["one", "two", "three", "four", "", "five"]);
});

test.run();
