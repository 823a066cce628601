import type { Socket } from "node:net";
import type { Deferred, TurnBatch } from "./turn-batch.js";

/** One HTTP/1.x request as the front parsed it. */
export interface FrontRequest {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  httpVersion: string;
  /** Lower-cased names; repeated headers joined as Node's http module joins them. */
  headers: Record<string, string>;
  body: Buffer;
  /** Bytes of the request line, headers and body as received (nginx's `$request_length`). */
  length: number;
}

/** What the front writes back: status line, headers in order, then the body. */
export interface FrontResponse {
  status: number;
  statusText: string;
  headers: Readonly<Record<string, string>>;
  body: string | Buffer;
  /** Send the body chunked with a terminating chunk (no Content-Length known). */
  chunked?: boolean;
}

/** Limits of one connection's parser. */
export interface FrontLimits {
  /** The most bytes of request line and headers (nginx: large_client_header_buffers 4 8k, per line). */
  maxHead: number;
  /** The most body bytes; a larger body is answered with `tooLarge` and the connection closed. */
  maxBody: number;
  /** Idle keep-alive connections are closed after this long (the `Keep-Alive: timeout=` sent). */
  keepAliveMs: number;
}

/** Answers a request the front could not accept (400 malformed, 413 too large, 505 version) or whose handler failed (502). */
export type FrontErrorPage = (status: 400 | 413 | 502 | 505) => FrontResponse;

/**
 * A lean HTTP/1.1 server connection on a raw socket: an incremental parser for the request line
 * and headers (RFC 9112: token methods and header names, no whitespace before the colon, no
 * obs-fold, CRLF or bare LF line ends, leading empty lines ignored), Content-Length and chunked
 * request bodies, `Expect: 100-continue`, keep-alive and pipelining (requests are answered one at
 * a time, in order), and each response written in one `write`. Malformed requests get the error
 * page and the connection is closed. Responses carry the headers Node's http module adds (`Date`,
 * `Connection`, `Keep-Alive`), so clients see what the host port sent before. With a
 * {@link TurnBatch}, a parsed request is handed to the handler in the batch of its event-loop turn
 * (with the other connections' requests read in the same wakeup) rather than at once.
 */
export class Http1Connection implements Deferred {
  private buf: Buffer | undefined;
  private busy = false;
  private closing = false;
  private ended = false;
  /** Set while the current request's body is still arriving (its head, framing and progress). */
  private pending: PendingBody | undefined;
  /** The `Connection`/`Keep-Alive` lines of a kept-alive response (the same for every response). */
  private keepAliveText: string | undefined;
  /** Set by every read and answer; the idle sweep clears it (no clock read per request). */
  private active = true;
  /** When the idle sweep first found the connection inactive (ms since epoch). */
  private quietSince = 0;
  /** The parsed request waiting for the batch to hand it to the handler. */
  private deferred: ParsedHead | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: (req: FrontRequest) => Promise<FrontResponse>,
    private readonly errorPage: FrontErrorPage,
    private readonly limits: FrontLimits,
    private readonly batch?: TurnBatch,
  ) {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => {
      this.ended = true;
      if (!this.busy) socket.end();
    });
  }

  /** Closes the connection at once (idle timeout, shutdown). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Idle in keep-alive (no request in progress or buffered). */
  get idle(): boolean {
    return !this.busy && !this.pending && !this.buf;
  }

  /**
   * The idle sweep, called every second or so: whether the connection has been idle in keep-alive
   * for at least `keepAliveMs` (counted from the first sweep that found it inactive, so at most a
   * sweep's period late, as a sweep over last-activity times is).
   */
  idleFor(now: number): boolean {
    if (this.active || !this.idle) {
      this.active = false;
      this.quietSince = now;
      return false;
    }
    return now - this.quietSince >= this.limits.keepAliveMs;
  }

  private onData(chunk: Buffer): void {
    this.active = true;
    if (this.closing) return;
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.busy) this.pump();
  }

  /** Parses and answers buffered requests until one is incomplete or in progress. */
  private pump(): void {
    while (!this.busy && !this.closing && this.buf) {
      const req = this.next();
      if (!req) return;
      this.busy = true;
      this.answer(req);
    }
  }

  /** Hands `req` to the handler (in the batch's turn, when batched); its answer (a 502 page when it fails) is written when it settles. */
  private answer(req: ParsedHead): void {
    // The parsed head is the request (no copy of it per request).
    req.length = req.headLength + req.bodyLength;
    if (!this.batch) return this.start(req);
    this.deferred = req;
    this.batch.defer(this);
  }

  /** The batch's turn: the waiting request goes to the handler (also when the client has gone meanwhile, as when it goes while the request is being answered). */
  runDeferred(): void {
    const req = this.deferred!;
    this.deferred = undefined;
    this.start(req);
  }

  private start(req: ParsedHead): void {
    let answered: Promise<FrontResponse>;
    try {
      answered = this.handler(req);
    } catch {
      answered = Promise.resolve(this.errorPage(502));
    }
    answered.then(
      (res) => this.respond(req, res),
      () => this.respond(req, this.errorPage(502)),
    );
  }

  /** Writes the answer to `req`, then closes or goes on with the next buffered request. */
  private respond(req: ParsedHead, res: FrontResponse): void {
    if (this.socket.destroyed) return;
    this.write(res, req.keepAlive, req.method === "HEAD");
    this.busy = false;
    this.active = true;
    if (!req.keepAlive) return this.close();
    if (this.ended && !this.buf) {
      this.socket.end();
      return;
    }
    this.pump();
  }

  private write(res: FrontResponse, keepAlive: boolean, head: boolean): void {
    let out = `HTTP/1.1 ${res.status} ${res.statusText}\r\n`;
    for (const k in res.headers) out += `${k}: ${res.headers[k]}\r\n`;
    if (res.chunked) out += "Transfer-Encoding: chunked\r\n";
    out += `Date: ${httpDate()}\r\n`;
    out += keepAlive ? this.keepAliveHeaders : "Connection: close\r\n";
    out += "\r\n";
    const body = res.body;
    if (head || body.length === 0) {
      this.socket.write(res.chunked && !head ? out + "0\r\n\r\n" : out, "latin1");
    } else if (typeof body === "string" && !res.chunked) {
      // One write: the head is ASCII, so the whole message can be encoded as UTF-8 at once.
      this.socket.write(out + body);
    } else {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      this.socket.write(res.chunked ? Buffer.concat([Buffer.from(`${out}${bytes.length.toString(16)}\r\n`, "latin1"), bytes, CHUNK_END]) : Buffer.concat([Buffer.from(out, "latin1"), bytes]));
    }
  }

  private get keepAliveHeaders(): string {
    return (this.keepAliveText ??= `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.round(this.limits.keepAliveMs / 1000)}\r\n`);
  }

  /** Sends an error page and closes (the parser cannot resynchronise after a malformed request). */
  private reject(status: 400 | 413 | 505): undefined {
    this.write(this.errorPage(status), false, false);
    this.close();
    return undefined;
  }

  private close(): void {
    this.closing = true;
    this.buf = undefined;
    this.pending = undefined;
    this.socket.end();
  }

  /** The next complete request off the buffer, undefined while incomplete (or after rejecting it). */
  private next(): ParsedHead | undefined {
    let p = this.pending;
    if (!p) {
      const buf = this.buf!;
      let start = 0;
      // RFC 9112 §2.2: empty lines before the request line are ignored.
      while (start < buf.length && (buf[start] === CR || buf[start] === LF)) start++;
      if (start === buf.length) {
        this.buf = undefined;
        return undefined;
      }
      const end = headEnd(buf, start);
      if (end < 0) {
        if (buf.length - start > this.limits.maxHead) return this.reject(400);
        return undefined;
      }
      if (end - start > this.limits.maxHead) return this.reject(400);
      const head = parseHead(buf.toString("latin1", start, end));
      if (typeof head === "number") return this.reject(head);
      const consumed = skipTerminator(buf, end);
      head.headLength = consumed - start;
      this.buf = consumed < buf.length ? buf.subarray(consumed) : undefined;
      if (head.contentLength > this.limits.maxBody) return this.reject(413);
      p = { head, chunks: [], size: 0, wire: 0, chunkState: head.chunked ? { remaining: -1, trailers: false } : undefined, continued: false };
      if (!head.chunked && head.contentLength === 0) return head;
      this.pending = p;
    }
    // Body bytes.
    if (!p.continued && p.head.expectContinue && !this.buf) {
      p.continued = true;
      this.socket.write("HTTP/1.1 100 Continue\r\n\r\n", "latin1");
    }
    if (p.chunkState) {
      const r = readChunks(this, p);
      if (r === "bad") return this.reject(400);
      if (r === "large") return this.reject(413);
      if (r === "more") return undefined;
    } else {
      const want = p.head.contentLength - p.size;
      if (!this.buf) return undefined;
      const take = Math.min(want, this.buf.length);
      p.chunks.push(this.buf.subarray(0, take));
      p.size += take;
      p.wire += take;
      this.buf = take < this.buf.length ? this.buf.subarray(take) : undefined;
      if (p.size < p.head.contentLength) return undefined;
    }
    this.pending = undefined;
    const body = p.chunks.length === 1 ? p.chunks[0]! : Buffer.concat(p.chunks);
    p.head.body = body;
    p.head.bodyLength = p.wire;
    return p.head;
  }

  /** The buffered bytes (for the chunked reader). */
  get buffer(): Buffer | undefined {
    return this.buf;
  }

  set buffer(b: Buffer | undefined) {
    this.buf = b && b.length ? b : undefined;
  }

  /** The largest body accepted. */
  get maxBody(): number {
    return this.limits.maxBody;
  }
}

const CR = 13;
const LF = 10;
const SP = 32;
const DOT = 46;
const ZERO = 48;
const EMPTY = Buffer.alloc(0);
const CHUNK_END = Buffer.from("\r\n0\r\n\r\n", "latin1");

/** A request as parsed, with the framing the connection reads it by. */
interface ParsedHead extends FrontRequest {
  keepAlive: boolean;
  contentLength: number;
  chunked: boolean;
  expectContinue: boolean;
  headLength: number;
  /** The body's bytes on the wire (chunk framing included); `body` is empty until read. */
  bodyLength: number;
}

interface PendingBody {
  head: ParsedHead;
  chunks: Buffer[];
  /** Body bytes decoded so far. */
  size: number;
  /** Body bytes received on the wire (chunk framing included). */
  wire: number;
  /** Chunked framing: bytes left in the current chunk (-1: a size line is next), or reading trailers. */
  chunkState: { remaining: number; trailers: boolean } | undefined;
  continued: boolean;
}

/** Index of the line end that ends the head (the `\r\n` or `\n` before the empty line), or -1. */
function headEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    if (buf[i + 1] === LF) return i;
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i;
    if (i + 1 >= buf.length || (buf[i + 1] === CR && i + 2 >= buf.length)) return -1;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}

/** The offset just past the empty line that ends the head at `end` (which points at a line's LF). */
function skipTerminator(buf: Buffer, end: number): number {
  return buf[end + 1] === LF ? end + 2 : end + 3;
}

/** RFC 9110 `tchar`s (the characters of methods and header names), by character code below 128. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
const CLOSE = /(^|,)\s*close\s*(,|$)/;
const KEEP_ALIVE = /(^|,)\s*keep-alive\s*(,|$)/;

/** Headers of which Node keeps only the first (RFC 9110 fields that take one value). */
const SINGLE = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

/** The request line and headers (up to, not including, the final line end); a status code when malformed. */
function parseHead(text: string): ParsedHead | 400 | 505 {
  let lineEnd = text.indexOf("\n");
  if (lineEnd < 0) lineEnd = text.length;
  // `method SP request-target SP HTTP/d.d`: a token, a target without whitespace or control
  // characters, the version; read in place.
  const lineLast = lineEnd > 0 && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
  let sp = 0;
  while (sp < lineLast && TCHAR[text.charCodeAt(sp)] === 1) sp++;
  if (sp === 0 || text.charCodeAt(sp) !== SP) return 400;
  let targetEnd = sp + 1;
  for (let c = text.charCodeAt(targetEnd); targetEnd < lineLast && c > SP && c !== 0x7f && c !== 0xa0; c = text.charCodeAt(++targetEnd));
  const versionAt = targetEnd + 1;
  if (targetEnd === sp + 1 || lineLast - versionAt !== 8 || text.charCodeAt(targetEnd) !== SP || !text.startsWith("HTTP/", versionAt) || text.charCodeAt(versionAt + 6) !== DOT) return 400;
  const major = text.charCodeAt(versionAt + 5) - ZERO;
  const minor = text.charCodeAt(versionAt + 7) - ZERO;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return 400;
  if (major !== 1) return major === 0 ? 400 : 505;
  const headers: Record<string, string> = {};
  // The header lines, one at a time (no array of lines).
  while (lineEnd < text.length) {
    const from = lineEnd + 1;
    lineEnd = text.indexOf("\n", from);
    if (lineEnd < 0) lineEnd = text.length;
    // The line's characters, read in place (no substring per line): name, colon, value.
    const end = lineEnd > from && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
    const colon = text.indexOf(":", from);
    if (colon <= from || colon >= end) return 400;
    // Only tchars: also refuses obs-fold (a leading space) and space before the colon.
    for (let i = from; i < colon; i++) if (TCHAR[text.charCodeAt(i)] !== 1) return 400;
    // The value without the whitespace String.prototype.trim removes, then no control character but HTAB.
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && trimmed(text.charCodeAt(vs))) vs++;
    while (ve > vs && trimmed(text.charCodeAt(ve - 1))) ve--;
    for (let i = vs; i < ve; i++) {
      const c = text.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 400;
    }
    const value = text.slice(vs, ve);
    const key = text.slice(from, colon).toLowerCase();
    const had = headers[key];
    if (had === undefined) headers[key] = value;
    else if (key === "content-length") {
      if (had !== value) return 400;
    } else if (key === "cookie") headers[key] = `${had}; ${value}`;
    else if (!SINGLE.has(key)) headers[key] = `${had}, ${value}`;
  }
  const version = minor === 1 ? "HTTP/1.1" : minor === 0 ? "HTTP/1.0" : `HTTP/1.${minor}`;
  if (version === "HTTP/1.1" && headers["host"] === undefined) return 400;
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  let contentLength = 0;
  let chunked = false;
  if (te !== undefined) {
    // A request with both is refused (request smuggling); only chunked as the final coding is framed.
    if (cl !== undefined || !/(^|,)\s*chunked\s*$/i.test(te)) return 400;
    chunked = true;
  } else if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) return 400;
    contentLength = Number(cl);
  }
  const connection = headers["connection"]?.toLowerCase();
  const keepAlive = version === "HTTP/1.1" ? connection === undefined || !CLOSE.test(connection) : connection !== undefined && KEEP_ALIVE.test(connection);
  return {
    method: text.slice(0, sp),
    target: text.slice(sp + 1, targetEnd),
    httpVersion: version,
    headers,
    keepAlive,
    contentLength,
    chunked,
    expectContinue: version === "HTTP/1.1" && headers["expect"]?.toLowerCase() === "100-continue",
    headLength: 0,
    body: EMPTY,
    bodyLength: 0,
    length: 0,
  };
}

/** Whether `trim()` removes a character of a latin1 line (tab, line ends, vertical tab, form feed, space, no-break space). */
function trimmed(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** Decodes chunked framing from the connection's buffer into `p`: done, more needed, malformed or too large. */
function readChunks(c: Http1Connection, p: PendingBody): "done" | "more" | "bad" | "large" {
  const s = p.chunkState!;
  for (;;) {
    const buf = c.buffer;
    if (!buf) return "more";
    if (s.trailers) {
      // Trailer fields until an empty line; ignored, as nginx ignores them.
      const lf = buf.indexOf(LF);
      if (lf < 0) return buf.length > 8192 ? "bad" : "more";
      c.buffer = buf.subarray(lf + 1);
      p.wire += lf + 1;
      if (lf === 0 || (lf === 1 && buf[0] === CR)) return "done";
      continue;
    }
    if (s.remaining < 0) {
      const lf = buf.indexOf(LF);
      if (lf < 0) return buf.length > 1024 ? "bad" : "more";
      const line = stripCr(buf.toString("latin1", 0, lf));
      const m = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
      if (!m) return "bad";
      const size = parseInt(m[1]!, 16);
      c.buffer = buf.subarray(lf + 1);
      p.wire += lf + 1;
      if (size === 0) {
        s.trailers = true;
        continue;
      }
      if (p.size + size > c.maxBody) return "large";
      s.remaining = size;
      continue;
    }
    if (s.remaining > 0) {
      const take = Math.min(s.remaining, buf.length);
      p.chunks.push(buf.subarray(0, take));
      p.size += take;
      p.wire += take;
      s.remaining -= take;
      c.buffer = buf.subarray(take);
      if (s.remaining > 0) return "more";
    }
    // The CRLF after a chunk's data.
    const rest = c.buffer;
    if (!rest || rest.length < 2) {
      if (rest && rest[0] !== CR) return "bad";
      return "more";
    }
    if (rest[0] !== CR || rest[1] !== LF) return "bad";
    c.buffer = rest.subarray(2);
    p.wire += 2;
    s.remaining = -1;
  }
}

let dateSecond = 0;
let dateText = "";

/** The `Date` header's IMF-fixdate, formatted once per second as Node's http module does. */
function httpDate(): string {
  const now = Date.now();
  const second = now - (now % 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second).toUTCString();
  }
  return dateText;
}
