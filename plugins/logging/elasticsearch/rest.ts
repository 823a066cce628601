import type { HttpRequest, HttpResponse } from "../../../core/cri/http.js";
import { EsError } from "./errors.js";
import type { Indices } from "./indices.js";

export const ES_VERSION = "8.15.0";

const JSON_TYPE = "application/json";

function json(status: number, body: unknown, pretty = false): HttpResponse {
  return { status, headers: { "Content-Type": JSON_TYPE, "X-elastic-product": "Elasticsearch" }, body: pretty ? JSON.stringify(body, null, 2) + "\n" : JSON.stringify(body) };
}

/** The request's JSON body, or the `source` parameter ES accepts in its place (`?source=<json>&source_content_type=application/json`). */
function parseBody(req: HttpRequest, params: URLSearchParams): Record<string, unknown> {
  const text = params.get("source") ?? req.body;
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error();
    return v as Record<string, unknown>;
  } catch {
    throw new EsError(400, "x_content_parse_exception", "[1:1] Unexpected character: request body is not a JSON object");
  }
}

/** `_cat` output: aligned columns (numbers right-aligned), a header row with `v`, or JSON with `format=json`. */
function catTable(rows: Record<string, string>[], columns: string[], params: URLSearchParams): HttpResponse {
  if (params.get("format") === "json") return json(200, rows);
  const numeric = new Set(["pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size", "dataset.size"]);
  const all = params.has("v") ? [Object.fromEntries(columns.map((c) => [c, c])), ...rows] : rows;
  const widths = columns.map((c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const text = all.map((r, i) => columns.map((c, j) => (numeric.has(c) && !(i === 0 && params.has("v")) ? (r[c] ?? "").padStart(widths[j]!) : (r[c] ?? "").padEnd(widths[j]!))).join(" ").trimEnd() + "\n").join("");
  return { status: 200, headers: { "Content-Type": "text/plain; charset=UTF-8", "X-elastic-product": "Elasticsearch" }, body: text };
}

/**
 * The Elasticsearch REST subset log shippers and log UIs use: `GET /`, `_cluster/health`, `_bulk`,
 * `_search`, `_count`, `_cat/indices`, index create/delete/refresh and single documents. Errors
 * are ES error bodies with ES statuses.
 */
export function restHandler(indices: Indices, node: { name: string; clusterName: string; clusterUuid: string }): (req: HttpRequest) => HttpResponse {
  return (req) => {
    const q = req.path.indexOf("?");
    const path = decodeURIComponent(q >= 0 ? req.path.slice(0, q) : req.path);
    const params = new URLSearchParams(q >= 0 ? req.path.slice(q + 1) : "");
    const pretty = params.has("pretty");
    const parts = path.split("/").filter(Boolean);
    const m = req.method;
    try {
      if (parts.length === 0 && (m === "GET" || m === "HEAD")) {
        return json(200, { name: node.name, cluster_name: node.clusterName, cluster_uuid: node.clusterUuid, version: { number: ES_VERSION, build_flavor: "default", build_type: "docker", build_hash: "1a77947f34deddb41af25e6f0ddb8e830159c179", build_date: "2024-08-05T10:05:34.233336849Z", build_snapshot: false, lucene_version: "9.11.1", minimum_wire_compatibility_version: "7.17.0", minimum_index_compatibility_version: "7.0.0" }, tagline: "You Know, for Search" }, pretty);
      }
      if (parts[0] === "_cluster" && parts[1] === "health") {
        return json(200, { cluster_name: node.clusterName, status: indices.size ? "yellow" : "green", timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1, active_primary_shards: indices.size, active_shards: indices.size, relocating_shards: 0, initializing_shards: 0, unassigned_shards: indices.size, delayed_unassigned_shards: 0, number_of_pending_tasks: 0, number_of_in_flight_fetch: 0, task_max_waiting_in_queue_millis: 0, active_shards_percent_as_number: indices.size ? 50 : 100 }, pretty);
      }
      if (parts[0] === "_cat" && parts[1] === "indices" && m === "GET") {
        return catTable(indices.catIndices(parts[2]), ["health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size", "dataset.size"], params);
      }
      const [first, second, third] = parts as [string, string | undefined, string | undefined];
      const target = first.startsWith("_") ? undefined : first;
      const api = target ? second : first;
      if (api === "_bulk" && (m === "POST" || m === "PUT")) return json(200, indices.bulk(req.body, target), pretty);
      if (api === "_search" && (m === "GET" || m === "POST")) return json(200, indices.search(target, parseBody(req, params), params), pretty);
      if (api === "_count" && (m === "GET" || m === "POST")) return json(200, indices.count(target, parseBody(req, params), params), pretty);
      if (api === "_refresh" && (m === "POST" || m === "GET")) return json(200, { _shards: { total: 2, successful: 1, failed: 0 } }, pretty);
      if (target && api === "_doc") {
        if (m === "GET" && third) {
          const doc = indices.get(target, third);
          if (!indices.exists(target)) indices.resolve(target);
          return doc ? json(200, { _index: target, _id: third, _version: doc.version, _seq_no: doc.seqNo, _primary_term: 1, found: true, _source: doc.source }, pretty) : json(404, { _index: target, _id: third, found: false }, pretty);
        }
        if (m === "POST" || m === "PUT") {
          const r = indices.write(target, third, parseBody(req, params), params.get("op_type") === "create" ? "create" : "index");
          return json(r.result === "created" ? 201 : 200, { _index: r.index, _id: r.id, _version: r.version, result: r.result, _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: r.seqNo, _primary_term: 1 }, pretty);
        }
        if (m === "DELETE" && third) {
          const found = indices.deleteDoc(target, third);
          return json(found ? 200 : 404, { _index: target, _id: third, result: found ? "deleted" : "not_found" }, pretty);
        }
      }
      if (target && !api) {
        if (m === "PUT") {
          if (indices.exists(target)) throw new EsError(400, "resource_already_exists_exception", `index [${target}/${indices.resolve(target)[0]!.uuid}] already exists`, { index: target });
          indices.create(target);
          return json(200, { acknowledged: true, shards_acknowledged: true, index: target }, pretty);
        }
        if (m === "DELETE") {
          indices.deleteIndex(target);
          return json(200, { acknowledged: true }, pretty);
        }
        if (m === "HEAD") return { status: indices.resolve(target, true).length ? 200 : 404, headers: { "Content-Type": JSON_TYPE } };
        if (m === "GET") return json(200, Object.fromEntries(indices.resolve(target).map((i) => [i.name, { aliases: {}, mappings: {}, settings: { index: { number_of_shards: "1", number_of_replicas: "1", uuid: i.uuid, provided_name: i.name, creation_date: String(i.created) } } }])), pretty);
      }
      return json(400, { error: `no handler found for uri [${path}] and method [${m}]` }, pretty);
    } catch (err) {
      if (err instanceof EsError) return json(err.status, err.body(), pretty);
      throw err;
    }
  };
}
