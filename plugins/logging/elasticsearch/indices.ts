import { randomBytes } from "node:crypto";
import { fieldValues, type Source } from "./analysis.js";
import { EsError, indexNotFound, parsingError } from "./errors.js";
import { compile, parseQueryDsl, type Query } from "./query.js";
import { parseQueryString } from "./query-string.js";

interface Doc {
  id: string;
  source: Source;
  seqNo: number;
  version: number;
  bytes: number;
}

interface Index {
  name: string;
  uuid: string;
  created: number;
  docs: Map<string, Doc>;
  deleted: number;
  seqNo: number;
}

/** One hit of a search. */
export interface Hit {
  _index: string;
  _id: string;
  _score: number | null;
  _source?: Source;
  sort?: unknown[];
}

const shards = { total: 1, successful: 1, skipped: 0, failed: 0 };
const INVALID_INDEX_CHARS = /[\\/*?"<>| ,#:]/;

/** A base64url id of 20 characters, as Elasticsearch auto-generates them. */
function autoId(): string {
  return randomBytes(15).toString("base64url");
}

interface SortSpec {
  field: string;
  desc: boolean;
}

function parseSort(sort: unknown): SortSpec[] {
  const out: SortSpec[] = [];
  for (const s of sort === undefined ? [] : Array.isArray(sort) ? sort : [sort]) {
    if (typeof s === "string") {
      const [field, order] = s.split(":") as [string, string | undefined];
      out.push({ field, desc: order ? order === "desc" : field === "_score" });
    } else if (s && typeof s === "object") {
      for (const [field, v] of Object.entries(s as Record<string, unknown>)) {
        const order = typeof v === "string" ? v : (v as { order?: string })?.order;
        out.push({ field, desc: order ? order === "desc" : field === "_score" });
      }
    } else throw parsingError("[sort] malformed");
  }
  return out;
}

/** A sort key of a field value: dates as epoch millis (what ES returns in `sort`), else the value. */
function sortKey(source: Source, field: string): number | string | undefined {
  const v = fieldValues(source, field.replace(/\.keyword$/, ""))[0];
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  const s = String(v);
  if (/^\d{4}-\d\d-\d\dT/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  return s;
}

/**
 * The indices of a single-node Elasticsearch, in memory: documents by id per index (auto-created
 * on first write, as `action.auto_create_index` allows), bulk writes, searches with the query DSL,
 * counts and `_cat/indices`. Searches scan the matched indices' documents.
 */
export class Indices {
  private readonly indices = new Map<string, Index>();

  constructor(private readonly now: () => number) {}

  /** Index names `expr` (comma list, wildcards, `_all`) names; a missing concrete name is index_not_found. */
  resolve(expr: string | undefined, allowMissing = false): Index[] {
    if (!expr || expr === "_all" || expr === "*") return [...this.indices.values()];
    const out = new Map<string, Index>();
    for (const part of expr.split(",")) {
      if (part.includes("*")) {
        const re = new RegExp(`^${part.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
        for (const i of this.indices.values()) if (re.test(i.name)) out.set(i.name, i);
      } else {
        const i = this.indices.get(part);
        if (i) out.set(part, i);
        else if (!allowMissing) throw indexNotFound(part);
      }
    }
    return [...out.values()];
  }

  create(name: string): Index {
    if (name !== name.toLowerCase()) throw new EsError(400, "invalid_index_name_exception", `Invalid index name [${name}], must be lowercase`, { index: name, index_uuid: "_na_" });
    if (INVALID_INDEX_CHARS.test(name) || /^[-_+]/.test(name)) throw new EsError(400, "invalid_index_name_exception", `Invalid index name [${name}], must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]`, { index: name, index_uuid: "_na_" });
    const existing = this.indices.get(name);
    if (existing) return existing;
    const index: Index = { name, uuid: autoId().slice(0, 22), created: this.now(), docs: new Map(), deleted: 0, seqNo: 0 };
    this.indices.set(name, index);
    return index;
  }

  exists(name: string): boolean {
    return this.indices.has(name);
  }

  deleteIndex(expr: string): void {
    for (const i of this.resolve(expr)) this.indices.delete(i.name);
  }

  /** Writes one document; `create` refuses an existing id with a version conflict. */
  write(indexName: string, id: string | undefined, source: Source, op: "index" | "create"): { index: string; id: string; result: "created" | "updated"; version: number; seqNo: number } {
    const index = this.create(indexName);
    const docId = id ?? autoId();
    const old = index.docs.get(docId);
    if (old && op === "create") throw new EsError(409, "version_conflict_engine_exception", `[${docId}]: version conflict, document already exists (current version [${old.version}])`, { index_uuid: index.uuid, shard: "0", index: index.name });
    const doc: Doc = { id: docId, source, seqNo: index.seqNo++, version: (old?.version ?? 0) + 1, bytes: JSON.stringify(source).length };
    if (old) index.docs.delete(docId);
    index.docs.set(docId, doc);
    return { index: index.name, id: docId, result: old ? "updated" : "created", version: doc.version, seqNo: doc.seqNo };
  }

  get(indexName: string, id: string): Doc | undefined {
    return this.indices.get(indexName)?.docs.get(id);
  }

  deleteDoc(indexName: string, id: string): boolean {
    const index = this.indices.get(indexName);
    if (!index?.docs.delete(id)) return false;
    index.deleted++;
    return true;
  }

  /** `_bulk`: NDJSON action and source lines; each item answered as ES answers it. */
  bulk(body: string, defaultIndex?: string): Record<string, unknown> {
    const started = Date.now();
    const lines = body.split("\n").filter((l) => l.trim() !== "");
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i]!) as typeof action;
      } catch {
        throw new EsError(400, "illegal_argument_exception", `Malformed action/metadata line [${i + 1}], expected START_OBJECT but found [VALUE_STRING]`);
      }
      const op = Object.keys(action)[0] as "index" | "create" | "delete" | "update" | undefined;
      if (!op || !["index", "create", "delete", "update"].includes(op)) throw new EsError(400, "illegal_argument_exception", `Malformed action/metadata line [${i + 1}], expected field [create], [delete], [index] or [update] but found [${op}]`);
      const meta = action[op] ?? {};
      const indexName = meta._index ?? defaultIndex;
      if (!indexName) throw new EsError(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
      if (op === "delete") {
        const found = meta._id !== undefined && this.deleteDoc(indexName, meta._id);
        items.push({ delete: { _index: indexName, _id: meta._id, _version: 1, result: found ? "deleted" : "not_found", _shards: { total: 2, successful: 1, failed: 0 }, status: found ? 200 : 404 } });
        continue;
      }
      const sourceLine = lines[++i];
      let source: Source;
      try {
        source = JSON.parse(sourceLine ?? "") as Source;
      } catch {
        throw new EsError(400, "illegal_argument_exception", `The bulk request must be terminated by a newline [\\n]`);
      }
      if (op === "update") source = ((source as { doc?: Source }).doc ?? {}) as Source;
      try {
        const r = this.write(indexName, meta._id, source, op === "create" ? "create" : "index");
        items.push({ [op]: { _index: r.index, _id: r.id, _version: r.version, result: r.result, _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: r.seqNo, _primary_term: 1, status: r.result === "created" ? 201 : 200 } });
      } catch (err) {
        if (!(err instanceof EsError)) throw err;
        errors = true;
        items.push({ [op]: { _index: indexName, _id: meta._id, status: err.status, error: { type: err.type, reason: err.reason, ...err.extra } } });
      }
    }
    return { errors, took: Date.now() - started, items };
  }

  /** The query of a search body or `q` parameter. */
  private query(body: Record<string, unknown>, q: string | undefined): Query {
    if (q !== undefined) return parseQueryString({ query: q });
    return body["query"] === undefined ? { kind: "all" } : parseQueryDsl(body["query"], parseQueryString);
  }

  /** `_search` over `expr`. */
  search(expr: string | undefined, body: Record<string, unknown>, params: URLSearchParams): Record<string, unknown> {
    const started = Date.now();
    const size = Number(params.get("size") ?? body["size"] ?? 10);
    const from = Number(params.get("from") ?? body["from"] ?? 0);
    if (!Number.isInteger(size) || size < 0 || !Number.isInteger(from) || from < 0) throw new EsError(400, "illegal_argument_exception", `[from] parameter cannot be negative but was [${from}]`);
    if (from + size > 10_000) throw new EsError(400, "illegal_argument_exception", `Result window is too large, from + size must be less than or equal to: [10000] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
    const sort = parseSort(params.get("sort") ? params.get("sort")!.split(",") : body["sort"]);
    const indices = this.resolve(expr);
    const matcher = compile(this.query(body, params.get("q") ?? undefined), this.now());
    const matched: { index: Index; doc: Doc; score: number }[] = [];
    for (const index of indices) for (const doc of index.docs.values()) {
      const score = matcher(doc.source);
      if (score !== undefined) matched.push({ index, doc, score });
    }
    const byField = sort.length > 0 && !(sort.length === 1 && sort[0]!.field === "_score");
    const keys = byField ? matched.map((m) => sort.map((s) => (s.field === "_score" ? m.score : s.field === "_doc" ? m.doc.seqNo : sortKey(m.doc.source, s.field)))) : [];
    const order = matched.map((_, i) => i);
    if (byField) {
      order.sort((a, b) => {
        for (let k = 0; k < sort.length; k++) {
          const x = keys[a]![k];
          const y = keys[b]![k];
          if (x === y) continue;
          if (x === undefined) return 1; // missing values last
          if (y === undefined) return -1;
          const c = x < y ? -1 : 1;
          return sort[k]!.desc ? -c : c;
        }
        return a - b;
      });
    } else order.sort((a, b) => matched[b]!.score - matched[a]!.score || a - b);
    const withSource = params.get("_source") !== "false" && body["_source"] !== false;
    const hits: Hit[] = order.slice(from, from + size).map((i) => {
      const m = matched[i]!;
      return { _index: m.index.name, _id: m.doc.id, _score: byField ? null : m.score, ...(withSource ? { _source: m.doc.source } : {}), ...(byField ? { sort: keys[i]! } : {}) };
    });
    const maxScore = byField || matched.length === 0 ? null : Math.max(...matched.map((m) => m.score));
    return { took: Date.now() - started, timed_out: false, _shards: { ...shards, total: Math.max(1, indices.length) }, hits: { total: { value: matched.length, relation: "eq" }, max_score: maxScore, hits } };
  }

  /** `_count` over `expr`. */
  count(expr: string | undefined, body: Record<string, unknown>, params: URLSearchParams): Record<string, unknown> {
    const indices = this.resolve(expr);
    const matcher = compile(this.query(body, params.get("q") ?? undefined), this.now());
    let count = 0;
    for (const index of indices) for (const doc of index.docs.values()) if (matcher(doc.source) !== undefined) count++;
    return { count, _shards: { ...shards, total: Math.max(1, indices.length) } };
  }

  /** `_cat/indices`: rows of health, status, index, uuid, pri, rep, docs.count, docs.deleted, store.size, pri.store.size, dataset.size. */
  catIndices(expr: string | undefined): Record<string, string>[] {
    return this.resolve(expr, true)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((i) => {
        let bytes = 0;
        for (const d of i.docs.values()) bytes += d.bytes;
        const size = humanBytes(bytes);
        return { health: "yellow", status: "open", index: i.name, uuid: i.uuid, pri: "1", rep: "1", "docs.count": String(i.docs.size), "docs.deleted": String(i.deleted), "store.size": size, "pri.store.size": size, "dataset.size": size };
      });
  }

  /** How many indices exist. */
  get size(): number {
    return this.indices.size;
  }
}

/** Sizes as `_cat` prints them (`225b`, `12.5kb`, `3.1mb`). */
export function humanBytes(n: number): string {
  const units = ["b", "kb", "mb", "gb", "tb"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}${units[u]}` : `${Math.round(v * 10) / 10}${units[u]}`;
}
