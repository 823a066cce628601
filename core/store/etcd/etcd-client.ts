import * as http from "node:http";
import * as https from "node:https";

/** Where the etcd cluster is and how to authenticate to it (kube-apiserver's `--etcd-*` flags). */
export interface EtcdConnection {
  /** Client URLs of the members, e.g. `http://127.0.0.1:2379` (`--etcd-servers`). */
  endpoints: readonly string[];
  /** PEM CA bundle verifying the members' serving certificates (`--etcd-cafile`). */
  ca?: string | Buffer;
  /** PEM client certificate and key (`--etcd-certfile`, `--etcd-keyfile`). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Per-request timeout in ms (default 10 000), after which the next member is tried. */
  requestTimeoutMs?: number;
}

/** etcd's answer header; int64 fields arrive as strings through the JSON gateway. */
export interface EtcdHeader {
  cluster_id?: string;
  member_id?: string;
  revision?: string;
  raft_term?: string;
}

/** A key-value as the JSON gateway returns it: key and value base64, revisions as strings. */
export interface EtcdKeyValue {
  key: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

/** A failure etcd reported (its gRPC message, e.g. `etcdserver: request timed out`) or no member could be reached. */
export class EtcdError extends Error {
  override readonly name = "EtcdError";
  constructor(message: string, readonly grpcCode?: number) {
    super(message);
  }
}

/** Transient: another member may answer (connection refused, timeout, leader lost). */
function retriable(err: unknown): boolean {
  if (err instanceof EtcdError) return err.grpcCode === 14 || /leader changed|no leader|request timed out|too many requests/.test(err.message);
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "EPIPE" || code === "ETIMEDOUT_ETCD";
}

/**
 * etcd's v3 API through its JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`, `/v3/watch`, ...), which
 * every etcd 3.4+ member serves on its client URLs — no gRPC stack needed. Requests go to one member
 * at a time and move on to the next when it cannot be reached or has lost its leader, so losing a
 * minority of a cluster only costs a retry. Keys and values are base64 on the wire.
 */
/** The error of a call made on, or retrying across, a closed client (clientv3's wording). */
export const CLIENT_CLOSED = "grpc: the client connection is closing";

export class EtcdClient {
  private readonly agents: http.Agent[];
  private preferred = 0;
  private readonly timeout: number;
  private closed = false;

  constructor(readonly connection: EtcdConnection) {
    if (connection.endpoints.length === 0) throw new Error("no etcd endpoints given");
    this.timeout = connection.requestTimeoutMs ?? 10_000;
    this.agents = connection.endpoints.map((e) =>
      new URL(e).protocol === "https:"
        ? new https.Agent({ keepAlive: true, ...(connection.ca ? { ca: connection.ca } : {}), ...(connection.cert ? { cert: connection.cert } : {}), ...(connection.key ? { key: connection.key } : {}) })
        : new http.Agent({ keepAlive: true }),
    );
  }

  /**
   * One unary call (`/v3/kv/range` etc.) with failover: a member that cannot be reached or has no
   * leader is passed over for the next, round after round with a short backoff, until one answers
   * or `requestTimeoutMs` has passed (then the last error etcd gave, e.g. `etcdserver: request timed out`).
   * A call on a closed client, or one still retrying when the client is closed, fails at once with
   * {@link CLIENT_CLOSED} (clientv3's "the client connection is closing"), so nothing outlives `close`.
   */
  async call<T>(path: string, body: unknown): Promise<T> {
    const payload = JSON.stringify(body);
    const deadline = Date.now() + this.timeout;
    let last: unknown;
    let etcdSaid: EtcdError | undefined;
    for (let round = 0; ; round++) {
      if (this.closed) throw new EtcdError(CLIENT_CLOSED);
      for (let i = 0; i < this.agents.length; i++) {
        const index = (this.preferred + i) % this.agents.length;
        try {
          const result = await this.post<T>(index, path, payload);
          this.preferred = index;
          return result;
        } catch (err) {
          last = err;
          if (err instanceof EtcdError) etcdSaid = err;
          if (!retriable(err)) throw err;
        }
      }
      if (Date.now() + 100 * (round + 1) >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(100 * (round + 1), 500)));
    }
    if (etcdSaid) throw etcdSaid;
    throw new EtcdError(`etcd unreachable: ${this.connection.endpoints.join(", ")}: ${last instanceof Error ? last.message : String(last)}`);
  }

  /**
   * Opens a watch stream (`POST /v3/watch` with one create request) on the preferred member;
   * `onMessage` gets each response object, `onEnd` the reason the stream ended (undefined after
   * `cancel`). The caller re-opens it, from its next revision, on another member if it breaks.
   */
  watch(request: unknown, onMessage: (message: { result?: WatchResponse; error?: { message?: string; grpc_code?: number } }) => void, onEnd: (err: Error | undefined) => void): { cancel(): void } {
    const index = this.preferred;
    this.preferred = (this.preferred + 1) % this.agents.length; // a reconnect after a break tries the next member
    const url = new URL("/v3/watch", this.connection.endpoints[index]);
    const mod = url.protocol === "https:" ? https : http;
    let cancelled = false;
    let ended = false;
    const end = (err: Error | undefined): void => {
      if (ended) return;
      ended = true;
      onEnd(cancelled ? undefined : err);
    };
    const req = mod.request(url, { method: "POST", agent: this.agents[index], headers: { "content-type": "application/json" } }, (res) => {
      if (res.statusCode !== 200) {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => end(new EtcdError(`etcd watch: HTTP ${res.statusCode}: ${text.trim()}`)));
        return;
      }
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line && !cancelled) onMessage(JSON.parse(line) as { result?: WatchResponse });
        }
      });
      res.on("end", () => end(new EtcdError("etcd watch stream ended")));
      res.on("error", (err) => end(err));
    });
    req.on("error", (err) => end(err));
    req.end(JSON.stringify(request));
    return {
      cancel() {
        cancelled = true;
        req.destroy();
        end(undefined);
      },
    };
  }

  /** Ends the client: its connections close and calls under way stop retrying. */
  close(): void {
    this.closed = true;
    for (const a of this.agents) a.destroy();
  }

  private post<T>(index: number, path: string, payload: string): Promise<T> {
    const url = new URL(path, this.connection.endpoints[index]);
    const mod = url.protocol === "https:" ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(url, { method: "POST", agent: this.agents[index], headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(new EtcdError(`etcd ${path}: HTTP ${res.statusCode}: ${text.trim()}`));
            return;
          }
          const error = parsed as { error?: string; message?: string; code?: number };
          if (res.statusCode !== 200 || error.error !== undefined) reject(new EtcdError(error.message ?? error.error ?? `etcd ${path}: HTTP ${res.statusCode}`, error.code));
          else resolve(parsed as T);
        });
      });
      req.setTimeout(this.timeout, () => req.destroy(Object.assign(new Error(`etcd ${url.origin}${path}: no answer within ${this.timeout} ms`), { code: "ETIMEDOUT_ETCD" })));
      req.on("error", reject);
      req.end(payload);
    });
  }
}

/** One watch response: events, or the watch's creation, cancellation or compaction. */
export interface WatchResponse {
  header?: EtcdHeader;
  watch_id?: string;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: { type?: "PUT" | "DELETE"; kv: EtcdKeyValue; prev_kv?: EtcdKeyValue }[];
}

/** base64 of a key or value. */
export function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** A key or value back from base64. */
export function unb64(data: string | undefined): string {
  return data ? Buffer.from(data, "base64").toString("utf8") : "";
}
