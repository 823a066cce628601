import type { ServerResponse } from "node:http";
import type { KubeObject } from "../../api/object.js";
import type { RegisteredType } from "../../api/resource-registry.js";
import type { Watch, WatchEvent, WatchOptions } from "../../client/client.js";
import type { ApiServerApi, RequestContext } from "../api-server-contract.js";
import { toPartialObjectMetadata, toTable } from "../printers/index.js";
import type { ResponseFormat } from "./response-format.js";
import { sendError } from "./responses.js";

/** Watches being served; `size` is how many are open (back to 0 once every client has gone). */
export class ActiveWatches {
  private readonly stops = new Set<() => void>();
  add(stop: () => void): () => void {
    this.stops.add(stop);
    return () => this.stops.delete(stop);
  }
  get size(): number {
    return this.stops.size;
  }
  /** Ends every open watch (server shutdown). */
  stopAll(): void {
    for (const stop of [...this.stops]) stop();
  }
}

/**
 * The JSON text of stored objects, computed once per object however many watchers send it
 * (objects are immutable, so the text cannot go stale).
 */
const objectJson = new WeakMap<object, string>();

function jsonOf(obj: object): string {
  let text = objectJson.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    objectJson.set(obj, text);
  }
  return text;
}

/** A client that lets this much output pile up unread is dropped, as kube-apiserver drops slow watchers. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface WatchStreamRequest {
  apiServer: ApiServerApi;
  type: RegisteredType;
  namespace: string | undefined;
  options: WatchOptions;
  format: ResponseFormat;
  ctx: RequestContext;
  now: () => number;
  active: ActiveWatches;
  /** Told of each event sent (`apiserver_watch_events_total`) and, with `ended`, when the watch ends (`apiserver_longrunning_requests`). */
  observer?: { event(): void; started(): () => void };
}

/**
 * The encoded event line of a stored object, per event type, built once however many watchers
 * receive it: a thousand watchers of one object share one Buffer instead of each encoding ~KBs.
 */
const eventLines = new WeakMap<object, Partial<Record<string, Buffer>>>();

function eventLine(type: string, obj: object): Buffer {
  let lines = eventLines.get(obj);
  if (!lines) {
    lines = {};
    eventLines.set(obj, lines);
  }
  let line = lines[type];
  if (!line) {
    line = Buffer.from(`{"type":"${type}","object":${jsonOf(obj)}}\n`);
    lines[type] = line;
  }
  return line;
}

function encoder(req: WatchStreamRequest): (event: WatchEvent) => string | Buffer {
  const { format, type } = req;
  const d = type.descriptor;
  if (format.kind === "object") return (e) => (e.type === "ERROR" || e.type === "BOOKMARK" ? `{"type":"${e.type}","object":${JSON.stringify(e.object)}}\n` : eventLine(e.type, e.object));
  if (format.kind === "metadata") {
    return (e) => {
      const obj = e.type === "ERROR" || e.type === "BOOKMARK" ? e.object : toPartialObjectMetadata(e.object);
      return `{"type":"${e.type}","object":${JSON.stringify(obj)}}\n`;
    };
  }
  let first = true;
  return (e) => {
    if (e.type === "ERROR") return `{"type":"ERROR","object":${JSON.stringify(e.object)}}\n`;
    if (e.type === "BOOKMARK") {
      const table = { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: e.object.metadata?.resourceVersion ?? "" }, columnDefinitions: [], rows: [] };
      return `{"type":"BOOKMARK","object":${JSON.stringify(table)}}\n`;
    }
    const table = toTable(e.object, { kind: d.kind, group: d.group, ...(d.printerColumns ? { printerColumns: d.printerColumns } : {}), now: req.now(), includeObject: format.includeObject, noHeaders: format.noHeaders && !first });
    first = false;
    return `{"type":"${e.type}","object":${JSON.stringify(table)}}\n`;
  };
}

/**
 * Serves one watch as kube-apiserver does: a chunked `200` of newline-delimited JSON events
 * (`{"type":"ADDED","object":{...}}`), each object rendered in the negotiated format (a Table
 * with one row, metadata only, or the object). An error before the stream starts is an ordinary
 * Status response; a 410 after is an ERROR event. The stream ends when the watch times out; a
 * client that disconnects (or reads too slowly) stops its watch.
 */
export async function serveWatch(req: WatchStreamRequest, res: ServerResponse): Promise<void> {
  const encode = encoder(req);
  let pending: (string | Buffer)[] | undefined = [];
  let closed = false;
  let watch: Watch | undefined;
  const stop = (): void => {
    closed = true;
    watch?.stop();
  };
  const untrackActive = req.active.add(stop);
  const ended = req.observer?.started();
  let tracked = true;
  const untrack = (): void => {
    untrackActive();
    if (tracked) ended?.();
    tracked = false;
  };
  res.on("close", () => {
    stop();
    untrack();
  });
  const observer = req.observer;
  const onEvent = (e: WatchEvent): void => {
    if (closed) return;
    if (observer && e.type !== "BOOKMARK" && e.type !== "ERROR") observer.event();
    const line = encode(e);
    if (pending) {
      pending.push(line);
      return;
    }
    res.write(line);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      stop();
      res.destroy();
    }
  };
  try {
    watch = await req.apiServer.watch(req.type, req.namespace, req.options, onEvent, req.ctx);
  } catch (err) {
    untrack();
    closed = true;
    sendError(res, err);
    return;
  }
  if (closed) {
    watch.stop();
    return;
  }
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  const initial = pending;
  pending = undefined;
  if (initial.length > 0) res.write(Buffer.concat(initial.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
  else res.flushHeaders();
  watch.done.then(
    () => {
      untrack();
      if (!res.writableEnded) res.end();
    },
    () => {
      untrack();
      res.destroy();
    },
  );
}

/** Used by list responses too: the JSON text of an object, cached for stored (immutable) objects. */
export function cachedJson(obj: KubeObject): string {
  return jsonOf(obj);
}
