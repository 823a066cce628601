import { readText, type Connection, type NetworkStack } from "../net/sockets.js";

/**
 * HTTP/1.1 over the simulated sockets: what HTTP probes, `wget` and the web servers of built-in
 * images speak. Enough of RFC 9112 for request/response with Content-Length or close-delimited
 * bodies and keep-alive; no chunked request bodies. A response to HEAD carries the length its GET
 * answer would have, and no body; 1xx, 204 and 304 responses have no body (RFC 9112 §6.3).
 */

export interface HttpRequest {
  method: string;
  path: string;
  httpVersion: string;
  headers: Record<string, string>;
  body: string;
  remoteAddress: string;
  remotePort: number;
}

export interface HttpResponse {
  status: number;
  statusText?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * The Content-Length to send in place of the body's when the handler answers HEAD without the
   * body (a proxy passing on an upstream's answer to HEAD): the upstream's, or null when it sent
   * none (no Content-Length is sent then). Unset: the body's length.
   */
  contentLength?: string | null;
}

/** A header name as Go's `http.CanonicalHeaderKey` writes it: `x-forwarded-for` → `X-Forwarded-For`. */
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

export const STATUS_TEXT: Record<number, string> = {
  200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
  403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 418: "I'm a teapot", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
};

/** The answer to a request whose handler threw or rejected. */
const FAILED: HttpResponse = { status: 500, body: "" };

/**
 * Serves requests arriving on `conn` with `handler`, in order, until the client closes or asks to.
 * A handler that answers at once is answered at once (no promise per request); one that returns a
 * promise holds the requests behind it until it settles. A handler that throws or rejects gets a 500.
 */
export function serveHttpConnection(conn: Connection, handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): void {
  let buffer = "";
  let busy = false;
  /** Writes the answer to `req`; true when the connection is then closed (the client asked, or HTTP/1.0). */
  const respond = (req: HttpRequest, res: HttpResponse): boolean => {
    const close = (req.headers["connection"] ?? "").toLowerCase() === "close" || req.httpVersion === "HTTP/1.0";
    conn.write(formatResponse(res, close, req.method === "HEAD"));
    if (close) conn.end();
    return close;
  };
  const pump = (): void => {
    if (busy) return;
    busy = true;
    // Whether a handler's promise holds the connection (it clears `busy` once answered).
    let waiting = false;
    try {
      for (;;) {
        const parsed = parseHttpMessage(buffer);
        if (!parsed) return;
        buffer = buffer.slice(parsed.consumed);
        const { method, path, httpVersion } = requestLine(parsed.startLine);
        const req: HttpRequest = { method, path, httpVersion, headers: parsed.headers, body: parsed.body, remoteAddress: conn.remoteAddress, remotePort: conn.remotePort };
        let answer: HttpResponse | Promise<HttpResponse>;
        try {
          answer = handler(req);
        } catch {
          answer = FAILED;
        }
        if (answer instanceof Promise) {
          waiting = true;
          void answer
            .then(
              (res) => respond(req, res),
              () => respond(req, FAILED),
            )
            .then((closed) => {
              busy = false;
              if (!closed) pump();
            });
          return;
        }
        if (respond(req, answer)) return;
      }
    } finally {
      if (!waiting) busy = false;
    }
  };
  readText(conn, (text) => {
    buffer += text;
    pump();
  });
  conn.on("end", () => conn.end());
}

/**
 * The method, target and version of a request line, as splitting it at every space would give its
 * first three fields (a field that is not there: `GET`, `/`, `HTTP/1.1`), without the array.
 */
export function requestLine(line: string): { method: string; path: string; httpVersion: string } {
  const a = line.indexOf(" ");
  if (a < 0) return { method: line, path: "/", httpVersion: "HTTP/1.1" };
  const b = line.indexOf(" ", a + 1);
  if (b < 0) return { method: line.slice(0, a), path: line.slice(a + 1), httpVersion: "HTTP/1.1" };
  const c = line.indexOf(" ", b + 1);
  return { method: line.slice(0, a), path: line.slice(a + 1, b), httpVersion: c < 0 ? line.slice(b + 1) : line.slice(b + 1, c) };
}

/**
 * Marks `res` as the same answer every time it is given (a static page): it and its headers are
 * frozen, and {@link formatResponse} formats it once (per keep-alive and close, to GET and to HEAD)
 * rather than per request. Returns `res`.
 */
export function fixedResponse<T extends HttpResponse>(res: T): T {
  if (res.headers) Object.freeze(res.headers);
  if (!FIXED_WIRE.has(res)) FIXED_WIRE.set(res, [undefined, undefined, undefined, undefined]);
  return Object.freeze(res);
}

/** The wire forms of {@link fixedResponse} answers: [kept alive, closing, kept alive to HEAD, closing to HEAD], each made when first needed. */
const FIXED_WIRE = new WeakMap<HttpResponse, (string | undefined)[]>();

/**
 * A response as bytes on the wire (for a {@link fixedResponse}, the same string each time); `head`:
 * it answers a HEAD request, so it carries the Content-Length of its body (the handler's own, when
 * it set one) but not the body. A 1xx, 204 or 304 response gets no Content-Length and no body.
 */
export function formatResponse(res: HttpResponse, close: boolean, head = false): string {
  const wire = FIXED_WIRE.get(res);
  if (wire === undefined) return wireText(res, close, head);
  const i = (close ? 1 : 0) + (head ? 2 : 0);
  return (wire[i] ??= wireText(res, close, head));
}

/** Whether a response with `status` never has a body (RFC 9112 §6.3: 1xx, 204, 304). */
export function bodilessStatus(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

function wireText(res: HttpResponse, close: boolean, headOnly: boolean): string {
  const bodiless = bodilessStatus(res.status);
  const body = res.body ?? "";
  const headers = res.headers;
  let head = `HTTP/1.1 ${res.status} ${res.statusText ?? STATUS_TEXT[res.status] ?? ""}\r\n`;
  let hasLength = false;
  let hasConnection = false;
  // The handler's headers in order (a Connection header of its own says close when closing), then
  // Content-Length and Connection: close when it set none.
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (k === "Content-Length") hasLength = true;
    if (k === "Connection" && close) {
      hasConnection = true;
      head += "Connection: close\r\n";
    } else head += `${k}: ${v}\r\n`;
  }
  if (!hasLength && !bodiless) {
    const length = res.contentLength === undefined ? String(Buffer.byteLength(body)) : res.contentLength;
    if (length !== null) head += `Content-Length: ${length}\r\n`;
  }
  if (close && !hasConnection) head += "Connection: close\r\n";
  return headOnly || bodiless ? head + "\r\n" : head + "\r\n" + body;
}

/** A response as received by a client. */
export interface HttpClientResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** Thrown when no response arrived within the timeout. */
export class HttpTimeoutError extends Error {
  override readonly name = "HttpTimeoutError";
}

/**
 * Sends one request (with an optional body) from `stack` to `host:port` and reads the response
 * (connection closed after); a response to HEAD has the headers sent and an empty body, and
 * interim 1xx responses (but 101) are passed over, as Go's and Node's clients do.
 * Rejects with the socket's NetError (ECONNREFUSED, ...) or {@link HttpTimeoutError}.
 */
export async function httpGet(
  stack: NetworkStack,
  options: { host: string; port: number; path: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; clock?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: never): void } },
): Promise<HttpClientResponse> {
  const conn = await stack.connect(options.host, options.port, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
  return new Promise<HttpClientResponse>((resolve, reject) => {
    let buffer = "";
    let done = false;
    const timer = options.timeoutMs && options.clock ? options.clock.setTimeout(() => finish(undefined, new HttpTimeoutError("timeout awaiting response headers")), options.timeoutMs) : undefined;
    const finish = (res?: HttpClientResponse, err?: Error): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) options.clock!.clearTimeout(timer as never);
      conn.destroy();
      if (res) resolve(res);
      else reject(err ?? new Error("connection closed before a response"));
    };
    const headRequest = options.method === "HEAD";
    const tryParse = (atEnd: boolean): void => {
      for (;;) {
        const parsed = parseHttpMessage(buffer, atEnd, headRequest);
        if (!parsed) return;
        const [, code = "0", ...text] = parsed.startLine.split(" ");
        const status = Number(code);
        if (status >= 100 && status < 200 && status !== 101) {
          buffer = buffer.slice(parsed.consumed);
          continue;
        }
        finish({ status, statusText: text.join(" "), headers: parsed.headers, body: parsed.body });
        return;
      }
    };
    readText(conn, (text) => {
      buffer += text;
      tryParse(false);
    });
    conn.on("end", () => tryParse(true));
    conn.on("close", () => finish(undefined));
    conn.on("error", (err) => finish(undefined, err));
    const headers: Record<string, string> = { Host: `${options.host}:${options.port}`, ...(options.headers ?? {}), Connection: "close" };
    if (options.body) headers["Content-Length"] = String(Buffer.byteLength(options.body));
    let head = `${options.method ?? "GET"} ${options.path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    conn.write(head + "\r\n" + (options.body ?? ""));
  });
}

/**
 * Splits one HTTP message off the front of `buffer`; undefined while incomplete (`atEnd`: the peer
 * closed, so a response without Content-Length is complete). Header names are lower-cased. A
 * response to a HEAD request (`headRequest`: the caller sent one) and a 1xx, 204 or 304 response
 * end with their head, whatever Content-Length or Transfer-Encoding they carry (RFC 9112 §6.3), as
 * Node's parser reads them when told the method.
 */
export function parseHttpMessage(buffer: string, atEnd = false, headRequest = false): { startLine: string; headers: Record<string, string>; body: string; consumed: number } | undefined {
  // Lines end at CRLF; the head ends at the first empty line after the start line. A header line's
  // name ends at its first colon (none, or none before it: the line is skipped); the last of a
  // repeated name wins. Lines the same as the last message's of its kind parse as they did there
  // (see RECENT): the rest of the head at once, or one line.
  // (The start line begins with `HTTP/` exactly when the buffer does: it is the buffer's front up to a CR.)
  const isResponse = buffer.startsWith("HTTP/");
  const recent = isResponse ? RECENT.response : RECENT.request;
  // The very message parsed last (a server's fixed answer: often the same string): as parsed then.
  const last = recent.message;
  if (last !== undefined && buffer === last.text && last.headRequest === headRequest) return { startLine: last.startLine, headers: keptHeaders(recent, 0), body: last.body, consumed: buffer.length };
  let end = buffer.indexOf("\r\n");
  if (end < 0) return undefined;
  const startLine = buffer.slice(0, end);
  const remember = buffer.length <= RECENT_MAX_MESSAGE;
  // The kept lines change below: they are this message's once it is whole.
  if (remember) recent.message = undefined;
  // While the lines are kept (a message remembered, its first RECENT_LINES lines), the headers are
  // made from them once the head is read; past that, line by line.
  let headers: Record<string, string> | undefined = remember ? undefined : {};
  // Bit k: line k was parsed afresh (it is not the last message's line k).
  let fresh = 0;
  const headStart = end + 2;
  let k = 0;
  // Whether the line before differed from the last message's (the rest may still be the same).
  let changed = true;
  for (; ; k++) {
    const from = end + 2;
    // Compared natively: equal strings (a search or startsWith at an offset walks character by character).
    if (headers === undefined && changed && k < recent.count && recent.starts[k] === from - headStart) {
      const restLength = recent.text.length - recent.starts[k]!;
      if (buffer.length - from >= restLength && buffer.slice(from, from + restLength) === recent.text.slice(recent.starts[k])) {
        // The empty line's CRLF ends the rest.
        end = from + restLength - 2;
        k = recent.count;
        break;
      }
    }
    end = buffer.indexOf("\r\n", from);
    if (end < 0) {
      // An incomplete head: the lines kept so far are no whole head.
      if (remember) forgetHead(recent);
      return undefined;
    }
    if (end === from) break;
    // A line past the kept ones: the headers so far, then line by line.
    if (headers === undefined && k === RECENT_LINES) headers = keptHeaders(recent, fresh, k);
    const seen = recent.lines[k];
    if (headers === undefined) {
      recent.starts[k] = from - headStart;
      // A search back from the line's start reads no further than the head before it.
      if (seen !== undefined && seen.text.length === end - from && buffer.lastIndexOf(seen.text, from) === from) {
        changed = false;
        continue;
      }
    }
    changed = true;
    const i = buffer.indexOf(":", from);
    let name: string | undefined;
    let value = "";
    if (i > from && i < end) {
      name = knownName(buffer, from, i) ?? lowerName(buffer.slice(from, i).trim());
      value = headerValue(buffer, i + 1, end);
    }
    if (headers !== undefined) {
      if (name !== undefined) headers[name] = value;
    } else {
      recent.lines[k] = { text: buffer.slice(from, end), name, value };
      fresh |= 1 << k;
    }
  }
  const start = end + 2;
  if (headers === undefined) {
    recent.text = buffer.slice(headStart, start);
    recent.count = k;
    headers = keptHeaders(recent, fresh);
  } else if (remember) forgetHead(recent);
  if (isResponse && (headRequest || bodilessStartLine(startLine))) {
    if (remember && recent.count === k && start === buffer.length) recent.message = { text: buffer, startLine, body: "", headRequest };
    return { startLine, headers, body: "", consumed: start };
  }
  const length = headers["content-length"];
  if (length !== undefined) {
    // Content-Length counts UTF-8 bytes; the buffer holds decoded characters. One that is not a
    // number (a malformed message) is read as no body.
    const n = Number(length);
    const bodyEnd = utf8End(buffer, start, n >= 0 ? n : 0);
    if (bodyEnd < 0) return undefined;
    const body = buffer.slice(start, bodyEnd);
    if (remember && recent.count === k && bodyEnd === buffer.length) recent.message = { text: buffer, startLine, body, headRequest };
    return { startLine, headers, body, consumed: bodyEnd };
  }
  if (isResponse && !atEnd) return undefined;
  // (A response read to the connection's end is not kept: without `atEnd` it would be incomplete.)
  if (remember && recent.count === k && !isResponse && start === buffer.length) recent.message = { text: buffer, startLine, body: "", headRequest };
  return { startLine, headers, body: isResponse ? buffer.slice(start) : "", consumed: isResponse ? buffer.length : start };
}

/**
 * A whole message (nothing after it in its buffer, complete without the connection's end) whose
 * header lines are the kept ones, and what it parsed to (its headers: from the kept lines).
 */
interface ParsedMessage {
  readonly text: string;
  readonly startLine: string;
  readonly body: string;
  /** Whether it was read as the response to a HEAD request (the same text reads otherwise as a GET's). */
  readonly headRequest: boolean;
}

/** Whether a status line's code is one whose response never has a body (1xx, 204, 304), read in place. */
function bodilessStartLine(line: string): boolean {
  const sp = line.indexOf(" ");
  if (sp < 0) return false;
  const a = line.charCodeAt(sp + 1);
  const b = line.charCodeAt(sp + 2);
  const c = line.charCodeAt(sp + 3);
  // Exactly three digits: the code ends at a space or the line's end.
  if (sp + 4 < line.length && line.charCodeAt(sp + 4) !== 0x20) return false;
  if (a === 0x31) return b >= 0x30 && b <= 0x39 && c >= 0x30 && c <= 0x39;
  return (a === 0x32 || a === 0x33) && b === 0x30 && c === 0x34;
}

/**
 * The headers of the first `count` kept lines (lines parsed afresh: the bits of `fresh`), in a new
 * object. Made as a copy of the last message's headers (one native clone, not a property added per
 * line) when the lines name the same headers in the same places, each name once; else line by line.
 */
function keptHeaders(recent: RecentHead, fresh: number, count = recent.count): Record<string, string> {
  const template = recent.template;
  if (template !== undefined && recent.templateNames.length === count) {
    let same = true;
    for (let bits = fresh; bits !== 0; bits &= bits - 1) {
      const j = 31 - Math.clz32(bits & -bits);
      if (recent.lines[j]!.name !== recent.templateNames[j]) {
        same = false;
        break;
      }
    }
    if (same) {
      for (let bits = fresh; bits !== 0; bits &= bits - 1) {
        const line = recent.lines[31 - Math.clz32(bits & -bits)]!;
        if (line.name !== undefined) template[line.name] = line.value;
      }
      return { ...template };
    }
  }
  const headers: Record<string, string> = {};
  const names: (string | undefined)[] = [];
  let once = true;
  for (let j = 0; j < count; j++) {
    const line = recent.lines[j]!;
    names.push(line.name);
    if (line.name === undefined) continue;
    // (`in`: an inherited name such as `constructor` counts as seen, which only forgoes the copy.)
    if (line.name in headers) once = false;
    headers[line.name] = line.value;
  }
  recent.template = once ? headers : undefined;
  recent.templateNames = names;
  return once ? { ...headers } : headers;
}

/** The kept lines no longer make a whole head. */
function forgetHead(recent: RecentHead): void {
  recent.count = 0;
  recent.text = "";
  recent.template = undefined;
}

/** A header line of a message parsed before (without its CRLF) and what it parsed to (`name` undefined: a line without a name, skipped). */
interface HeaderLine {
  readonly text: string;
  readonly name: string | undefined;
  readonly value: string;
}

/**
 * The head of the last message of one kind parsed: its header lines by position, and, once it was
 * whole, its text after the start line through the empty line's CRLF.
 */
interface RecentHead {
  /** The last whole head's text ("" when none is kept). */
  text: string;
  /** Header lines of `text` (0: no whole head kept). */
  count: number;
  /** Where each header line starts, counted from the end of the start line's CRLF. */
  readonly starts: number[];
  readonly lines: (HeaderLine | undefined)[];
  /**
   * The headers of the last whole head, when it named each header once (kept here, handed out as
   * copies), and the name of each of its lines.
   */
  template: Record<string, string> | undefined;
  templateNames: (string | undefined)[];
  /** The last message when it was whole (see {@link ParsedMessage}). */
  message: ParsedMessage | undefined;
}

/**
 * The last request and the last response parsed: a client sends the same header lines request
 * after request and a server answers with the same ones, so the lines are told known by native
 * comparisons — the rest of the head at once, or a line by its length and text — and not parsed
 * character by character again (no name matching, trimming or value slicing), and the headers are
 * a copy of the last message's with the changed values set. Kept only from messages of at most
 * {@link RECENT_MAX_MESSAGE} characters (the texts are slices, which hold their message's string),
 * for their first {@link RECENT_LINES} lines.
 */
const RECENT: { request: RecentHead; response: RecentHead } = {
  request: { text: "", count: 0, starts: [], lines: [], template: undefined, templateNames: [], message: undefined },
  response: { text: "", count: 0, starts: [], lines: [], template: undefined, templateNames: [], message: undefined },
};
const RECENT_MAX_MESSAGE = 16 * 1024;
const RECENT_LINES = 32;

/**
 * The index in `text` where `bytes` UTF-8 bytes starting at `start` end (past a character the count
 * ends inside); -1 while fewer are there. ASCII (one byte a character) is checked first, as nearly
 * every body is, by one native byte count of the body's characters rather than a walk; a body
 * still arriving is told apart by a bound (at most three bytes a UTF-16 unit) or one native count,
 * so a large body read in many chunks is not walked again per chunk.
 */
function utf8End(text: string, start: number, bytes: number): number {
  const rest = text.length - start;
  if (rest >= bytes) {
    // As many bytes as characters only when every one is ASCII (counted natively).
    const end = start + bytes;
    if (Buffer.byteLength(text.slice(start, end)) === bytes) return end;
  } else if (rest * 3 < bytes || Buffer.byteLength(text.slice(start)) < bytes) return -1;
  let n = 0;
  for (let i = start; i < text.length; i++) {
    if (n >= bytes) return i;
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      // A surrogate pair: one four-byte character.
      n += 4;
      i++;
    } else n += 3;
  }
  return n >= bytes ? text.length : -1;
}

/** Lower-cased header names, kept for the names seen most (a bounded cache: no lower-casing per message). */
const LOWER = new Map<string, string>();

function lowerName(name: string): string {
  let lower = LOWER.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER.size < 1024) LOWER.set(name, lower);
  }
  return lower;
}

/** Header names most messages carry, lower-cased, indexed by length × 128 + first letter (see {@link knownName}); a plain array, read without a map lookup's call. */
const KNOWN: (string[] | undefined)[] = [];
for (const name of [
  "host", "connection", "content-length", "content-type", "content-encoding", "transfer-encoding", "user-agent", "accept", "accept-encoding",
  "accept-language", "accept-ranges", "date", "server", "last-modified", "etag", "location", "cache-control", "keep-alive", "authorization",
  "cookie", "set-cookie", "x-request-id", "x-real-ip", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto",
  "x-forwarded-scheme", "x-scheme", "x-original-uri", "x-original-forwarded-for",
]) {
  const key = name.length * 128 + name.charCodeAt(0);
  KNOWN[key] = [...(KNOWN[key] ?? []), name];
}

/**
 * The lower-cased name of the header whose name is `text[from..to)` when it is a common one
 * (compared in place, case-insensitively: no substring, no lower-casing, the key an interned
 * literal); undefined otherwise (the caller slices, trims and lower-cases it).
 */
function knownName(text: string, from: number, to: number): string | undefined {
  const candidates = KNOWN[(to - from) * 128 + (text.charCodeAt(from) | 0x20)];
  if (candidates === undefined) return undefined;
  next: for (let j = 0; j < candidates.length; j++) {
    const name = candidates[j]!;
    for (let k = 0; k < name.length; k++) {
      const c = text.charCodeAt(from + k);
      const l = name.charCodeAt(k);
      // Only an upper-case letter turns into the name's lower-case letter by setting 0x20.
      if (c !== l && (c < 0x41 || (c | 0x20) !== l)) continue next;
    }
    return name;
  }
  return undefined;
}

/** `text[from..to).trim()`, without the intermediate substring when only spaces and tabs surround the value. */
function headerValue(text: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b && (text.charCodeAt(a) === 0x20 || text.charCodeAt(a) === 0x09)) a++;
  while (b > a && (text.charCodeAt(b - 1) === 0x20 || text.charCodeAt(b - 1) === 0x09)) b--;
  if (a === b) return "";
  // Other whitespace at either end (String.prototype.trim's set is wider): trim as before.
  const first = text.charCodeAt(a);
  const last = text.charCodeAt(b - 1);
  const value = text.slice(a, b);
  return first <= 0x20 || first >= 0x7f || last <= 0x20 || last >= 0x7f ? value.trim() : value;
}
