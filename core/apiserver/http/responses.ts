import type { ServerResponse } from "node:http";
import { internalError, StatusError } from "../../api/status.js";
import { statusJson } from "./status-json.js";

/** `Warning: 299 - "text"` headers, as kube-apiserver adds them (quotes and backslashes escaped). */
export function warningHeaders(warnings: readonly string[] | undefined): string[] | undefined {
  if (!warnings?.length) return undefined;
  return [...new Set(warnings)].map((w) => `299 - "${w.replace(/[\\"]/g, (c) => "\\" + c).replace(/[\r\n]/g, " ")}"`);
}

/** Writes a complete response with a JSON text body. */
export function sendJsonText(res: ServerResponse, code: number, text: string, contentType = "application/json", warnings?: readonly string[]): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string | string[] | number> = {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  };
  const w = warningHeaders(warnings);
  if (w) headers["Warning"] = w;
  res.writeHead(code, headers);
  res.end(text);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType?: string, warnings?: readonly string[]): void {
  sendJsonText(res, code, JSON.stringify(body), contentType, warnings);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache, private" });
  res.end(text);
}

/** Any thrown value as a StatusError: StatusErrors pass through, the rest become a 500 InternalError Status (the detail is logged, never a stack trace on the wire). */
export function asStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}

/** Writes an error as a `Status` with its code (429 adds Retry-After). */
export function sendError(res: ServerResponse, err: unknown, warnings?: readonly string[]): void {
  const e = asStatusError(err);
  const retry = e.status.details?.retryAfterSeconds;
  if (retry !== undefined && !res.headersSent) res.setHeader("Retry-After", String(retry));
  sendJsonText(res, e.code, statusJson(e.status), "application/json", warnings);
}
