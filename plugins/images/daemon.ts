import type { Process, Signal } from "../../core/cri/process.js";
import { serveHttpConnection, type HttpRequest, type HttpResponse } from "../../core/cri/http.js";
import type { Connection } from "../../core/net/sockets.js";
import { createSecureContext, TLSSocket } from "node:tls";
import { connectionToDuplex, duplexToConnection } from "../../core/net/connection-stream.js";

/**
 * Runs a server process until it is told to stop: resolves with `exitCode(signal)` when a
 * catchable signal arrives (servers shut down cleanly, usually 0), or never when killed (the
 * process has ended then; what waits here goes with it). It does not look at `p.signal`: a node
 * runs a server per pod, and an AbortSignal with a listener is about 1.7 KB of each.
 */
export function untilSignal(p: Process, onSignal: (signal: Signal) => number | undefined = () => 0): Promise<number> {
  return new Promise<number>((resolve) => {
    p.onSignal((s) => {
      const code = onSignal(s);
      if (code !== undefined) resolve(code);
    });
  });
}

/** Listens for HTTP on `port`; a port already taken fails the process as servers do. */
export function serveHttp(p: Process, port: number, handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): void {
  p.net.listen("TCP", port, (conn) => serveHttpConnection(conn, handler));
}

/**
 * Listens for HTTPS on `port`: TLS (Node's, with `cert`/`key` in PEM) over each simulated
 * connection, then the same HTTP handling as {@link serveHttp}.
 */
export function serveHttps(p: Process, port: number, tls: { cert: string; key: string }, handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): void {
  const context = createSecureContext({ cert: tls.cert, key: tls.key });
  p.net.listen("TCP", port, (conn) => {
    const socket = new TLSSocket(connectionToDuplex(conn), { isServer: true, secureContext: context });
    socket.on("error", () => conn.destroy());
    serveHttpConnection(duplexToConnection(socket, conn), handler);
  });
}

/** Reads CRLF/LF-terminated lines from a connection. */
export function onLines(conn: Connection, fn: (line: string) => void): void {
  let buffer = "";
  const decoder = new TextDecoder();
  conn.on("data", (chunk) => {
    buffer += decoder.decode(chunk);
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, i).replace(/\r$/, "");
      buffer = buffer.slice(i + 1);
      fn(line);
    }
  });
  conn.on("end", () => conn.end());
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** `2024/05/16 09:14:01` (nginx error log), the text kept for the second it names (an nginx start writes several lines in the same second). */
export function nginxErrorTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === errorSecond) return errorText;
  const d = new Date(second * 1000);
  errorSecond = second;
  errorText = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return errorText;
}
let errorSecond = Number.NaN;
let errorText = "";

/** `16/May/2024:09:15:00 +0000` (common log format). */
export function clfTime(ms: number): string {
  // Access logs ask once per request: the text is kept for the second it names.
  const second = Math.floor(ms / 1000);
  if (second === clfSecond) return clfText;
  const d = new Date(second * 1000);
  clfSecond = second;
  clfText = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  return clfText;
}
let clfSecond = Number.NaN;
let clfText = "";

/** `Fri, 27 Nov 2026 13:46:15 GMT` (an HTTP `Date` header's IMF-fixdate), the text kept for the second it names. */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === dateSecond) return dateText;
  dateSecond = second;
  dateText = new Date(second * 1000).toUTCString();
  return dateText;
}
let dateSecond = Number.NaN;
let dateText = "";

/** `16 May 2024 09:14:01.123` (redis). */
export function redisTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** `2024-05-16 09:14:01.123 UTC` (postgres). */
export function isoSpaceTime(ms: number, millis = true): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, millis ? 23 : 19)}`;
}

/** A deterministic-looking layer digest for an image's layer list. */
export function layers(name: string, count: number, shared: readonly string[] = []): string[] {
  const out = [...shared];
  for (let i = 0; i < count; i++) out.push(`sha256:${name}-layer-${i}`);
  return out;
}
