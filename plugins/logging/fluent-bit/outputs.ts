import { createHash } from "node:crypto";
import type { LogRecord } from "./tail.js";

/** Where records go: resolves once they were accepted (so their offsets may be committed), rejects to retry them. */
export interface Output {
  readonly name: string;
  send(records: readonly { raw: LogRecord; record: Record<string, unknown> }[]): Promise<void>;
}

/** Sends an HTTP request; resolves to status and body. */
export type HttpPost = (host: string, port: number, path: string, body: string, contentType: string) => Promise<{ status: number; body: string }>;

/** `Replace_Dots On`: dots in field names become underscores (Elasticsearch would read them as objects). */
function replaceDots(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(replaceDots);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/\./g, "_"), replaceDots(x)]));
}

/** `YYYY.MM.DD` of a time, UTC (Logstash_DateFormat `%Y.%m.%d`). */
function logstashDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${String(d.getUTCDate()).padStart(2, "0")}`;
}

/**
 * fluent-bit's `es` output: `_bulk` requests with `create` actions (`Suppress_Type_Name On`),
 * `@timestamp` added and the index `<Logstash_Prefix>-YYYY.MM.DD` by the record's time with
 * `Logstash_Format On` (else `Index`). With `Generate_ID On` each document's id derives from its
 * file and position, so a record sent twice (a retry after a lost answer) is stored once: ES
 * answers 409 for it, which counts as delivered.
 */
export function esOutput(post: HttpPost, o: { host: string; port: number; index: string; logstashFormat: boolean; logstashPrefix: string; replaceDots: boolean; generateId: boolean; path: string }): Output {
  return {
    name: "es.0",
    async send(records) {
      let body = "";
      for (const { raw, record } of records) {
        const ms = Date.parse(raw.time);
        const index = o.logstashFormat ? `${o.logstashPrefix}-${logstashDate(Number.isNaN(ms) ? Date.now() : ms)}` : o.index;
        const id = o.generateId ? createHash("sha1").update(`${raw.file}\0${raw.offset}`).digest("hex").slice(0, 32) : undefined;
        const source = { "@timestamp": Number.isNaN(ms) ? raw.time : new Date(ms).toISOString(), ...(o.replaceDots ? (replaceDots(record) as Record<string, unknown>) : record) };
        body += JSON.stringify({ create: { _index: index, ...(id ? { _id: id } : {}) } }) + "\n" + JSON.stringify(source) + "\n";
      }
      const res = await post(o.host, o.port, `${o.path.replace(/\/$/, "")}/_bulk`, body, "application/x-ndjson");
      if (res.status !== 200) throw new Error(`HTTP status=${res.status} URI=/_bulk, response:\n${res.body.slice(0, 512)}`);
      const answer = JSON.parse(res.body) as { errors?: boolean; items?: Record<string, { status?: number }>[] };
      if (answer.errors) {
        const failed = (answer.items ?? []).filter((i) => {
          const s = Object.values(i)[0]?.status ?? 500;
          return s >= 300 && s !== 409;
        });
        if (failed.length) throw new Error(`could not index ${failed.length} records: ${JSON.stringify(failed[0]).slice(0, 512)}`);
      }
    },
  };
}

/**
 * fluent-bit's `loki` output: a push request (`/loki/api/v1/push`, JSON) with one stream per label
 * set — `Labels` (`job=fluent-bit`) plus `Label_keys` read from the record
 * (`$kubernetes['namespace_name']` → label `namespace_name`) — each line the record as JSON
 * (`Line_format json`) at its nanosecond timestamp.
 */
export function lokiOutput(post: HttpPost, o: { host: string; port: number; uri: string; labels: string; labelKeys: string }): Output {
  const fixed = Object.fromEntries(
    o.labels
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => l.split("=") as [string, string]),
  );
  const keys = o.labelKeys
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      const path = [...k.matchAll(/\$?([A-Za-z0-9_]+)|\['([^']+)'\]/g)].map((m) => m[1] ?? m[2]!);
      return { name: path[path.length - 1]!, path };
    });
  return {
    name: "loki.0",
    async send(records) {
      const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
      for (const { raw, record } of records) {
        const labels: Record<string, string> = { ...fixed };
        for (const k of keys) {
          let v: unknown = record;
          for (const p of k.path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
          if (typeof v === "string") labels[k.name] = v;
        }
        const key = JSON.stringify(labels);
        let s = streams.get(key);
        if (!s) streams.set(key, (s = { stream: labels, values: [] }));
        const ms = Date.parse(raw.time);
        s.values.push([`${Number.isNaN(ms) ? Date.now() : ms}000000`, JSON.stringify(record)]);
      }
      const res = await post(o.host, o.port, o.uri, JSON.stringify({ streams: [...streams.values()] }), "application/json");
      if (res.status < 200 || res.status >= 300) throw new Error(`loki: HTTP status=${res.status} URI=${o.uri}: ${res.body.slice(0, 512)}`);
    },
  };
}
