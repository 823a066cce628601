import type { KubeObject } from "../api/object.js";
import { b64, EtcdClient, EtcdError, unb64, type EtcdConnection, type EtcdHeader, type EtcdKeyValue, type WatchResponse } from "./etcd/etcd-client.js";
import { REGISTRY_ROOT } from "./keys.js";
import { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
import { StoreError, type Store, type StoreEvent, type StoreListOptions, type StoreListResult, type StorePreconditions, type StoreWatch, type StoreWatchOptions } from "./store.js";

export interface EtcdStoreOptions extends EtcdConnection, Omit<MemoryStoreOptions, "journal"> {
  /** Where the objects live in etcd (`--etcd-prefix`, default `/registry`): `/registry/pods/default/web`. */
  prefix?: string;
  /** Warnings (watch reconnects); default stderr. */
  warn?: (message: string) => void;
}

const MODIFIED_CONFLICT = "the object has been modified; please apply your changes to the latest version and try again";
/** `"\0"` as key and range end: the whole keyspace. */
const ALL_KEYS = "AA==";

interface Current {
  obj: KubeObject;
  revision: number;
}

interface TxnResponse {
  header?: EtcdHeader;
  succeeded?: boolean;
  responses?: { response_range?: { kvs?: EtcdKeyValue[] }; response_delete_range?: { prev_kvs?: EtcdKeyValue[] } }[];
}

/**
 * The {@link Store} contract over an etcd v3 cluster, laid out as kube-apiserver lays it out: each
 * object is a key under `--etcd-prefix` (`/registry/<resource>/<namespace>/<name>`), its
 * `resourceVersion` is the key's `mod_revision`, creates are transactions on `create_revision = 0`
 * and updates and deletes compare `mod_revision` (compare-and-swap), so several API servers may
 * share one etcd.
 *
 * Like kube-apiserver's watch cache, a {@link MemoryStore} follows etcd through one watch from the
 * revision it listed at and serves watches (with their history window: older revisions are 410
 * Gone), lists and gets. Reads are consistent: each first asks etcd for its current revision (a
 * quorum read) and waits until the cache has caught up to it, as kube-apiserver's consistent reads
 * from cache do; each write returns once the cache holds it, so a client reads its own writes.
 */
export class EtcdStore implements Store {
  private readonly waiters: { revision: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private stream: { cancel(): void } | undefined;
  private closed = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly etcdPrefix: string;
  private readonly warn: (message: string) => void;
  private readonly timeout: number;

  private constructor(
    readonly client: EtcdClient,
    private readonly cache: MemoryStore,
    options: EtcdStoreOptions,
  ) {
    this.etcdPrefix = (options.prefix ?? "/registry").replace(/\/+$/, "");
    this.warn = options.warn ?? ((m) => process.stderr.write(`kubesim etcd store: ${m}\n`));
    this.timeout = options.requestTimeoutMs ?? 10_000;
  }

  /** Connects, lists every object under the prefix and starts following etcd from there. */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const client = new EtcdClient(options);
    const { prefix: _p, warn: _w, endpoints: _e, ca: _ca, cert: _c, key: _k, requestTimeoutMs: _t, ...memoryOptions } = options;
    const cache = new MemoryStore(memoryOptions);
    const store = new EtcdStore(client, cache, options);
    try {
      await store.load();
    } catch (err) {
      client.close();
      throw err;
    }
    return store;
  }

  currentRevision(): number {
    return this.cache.currentRevision();
  }

  async get(key: string): Promise<KubeObject | undefined> {
    await this.sync();
    return this.cache.get(key);
  }

  async list(prefix: string, options?: StoreListOptions): Promise<StoreListResult> {
    // An exact revision or a continued list reads the state it names; otherwise the latest.
    if (options?.continue === undefined && options?.revision === undefined) await this.sync();
    return this.cache.list(prefix, options);
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.open();
    const k = this.etcdKey(key);
    const r = await this.client.call<TxnResponse>("/v3/kv/txn", {
      compare: [{ key: k, target: "CREATE", result: "EQUAL", create_revision: "0" }],
      success: [{ request_put: { key: k, value: b64(encode(obj)) } }],
    });
    if (!r.succeeded) throw new StoreError("AlreadyExists", key, `key ${key} already exists`);
    return this.committed(key, obj, revisionOf(r.header));
  }

  async update(key: string, obj: KubeObject, preconditions?: StorePreconditions): Promise<KubeObject> {
    this.open();
    const k = this.etcdKey(key);
    let current = await this.current(key, preconditions);
    for (;;) {
      if (!current) throw new StoreError("NotFound", key, `key ${key} not found`);
      checkUid(key, current, preconditions);
      if (preconditions?.revision !== undefined && preconditions.revision !== current.revision) throw new StoreError("Conflict", key, MODIFIED_CONFLICT);
      const r = await this.client.call<TxnResponse>("/v3/kv/txn", {
        compare: [{ key: k, target: "MOD", result: "EQUAL", mod_revision: String(current.revision) }],
        success: [{ request_put: { key: k, value: b64(encode(obj)) } }],
        failure: [{ request_range: { key: k } }],
      });
      if (r.succeeded) return this.committed(key, obj, revisionOf(r.header));
      // Changed under us: decide again on what etcd holds now (GuaranteedUpdate's retry).
      current = this.decodeCurrent(r.responses?.[0]?.response_range?.kvs?.[0]);
    }
  }

  async delete(key: string, preconditions?: StorePreconditions): Promise<KubeObject> {
    this.open();
    const k = this.etcdKey(key);
    let current = await this.current(key, preconditions);
    for (;;) {
      if (!current) throw new StoreError("NotFound", key, `key ${key} not found`);
      checkUid(key, current, preconditions);
      if (preconditions?.revision !== undefined && preconditions.revision !== current.revision) {
        throw new StoreError("Conflict", key, `Precondition failed: ResourceVersion in precondition: ${preconditions.revision}, ResourceVersion in object meta: ${current.revision}`);
      }
      const r = await this.client.call<TxnResponse>("/v3/kv/txn", {
        compare: [{ key: k, target: "MOD", result: "EQUAL", mod_revision: String(current.revision) }],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (r.succeeded) {
        await this.caughtUp(revisionOf(r.header));
        return current.obj;
      }
      current = this.decodeCurrent(r.responses?.[0]?.response_range?.kvs?.[0]);
    }
  }

  watch(prefix: string, options: StoreWatchOptions, listener: (event: StoreEvent) => void): StoreWatch {
    return this.cache.watch(prefix, options, listener);
  }

  /** Drops the cache's history up to `revision` and compacts etcd there too (as kube-apiserver's compactor does). */
  compact(revision: number): void {
    const at = Math.min(revision, this.cache.currentRevision());
    this.cache.compact(at);
    if (this.closed || at <= 0) return;
    this.client.call("/v3/kv/compaction", { revision: String(at) }).catch((err: unknown) => {
      if (!(err instanceof EtcdError && /compacted/.test(err.message))) this.warn(`compaction at revision ${at} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  oldestWatchableRevision(): number {
    return this.cache.oldestWatchableRevision();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    for (const w of this.waiters.splice(0)) w.reject(new Error("store is closed"));
    await this.cache.close();
    this.client.close();
  }

  private open(): void {
    if (this.closed) throw new Error("store is closed");
  }

  /** Lists the prefix (paged, pinned to the first page's revision) into the cache and starts the watch after it. */
  private async load(): Promise<void> {
    const start = this.etcdPrefix + "/";
    const end = b64(rangeEnd(start));
    let key = b64(start);
    let revision: number | undefined;
    const objects: (readonly [string, KubeObject])[] = [];
    for (;;) {
      const r = await this.client.call<{ header?: EtcdHeader; kvs?: EtcdKeyValue[]; more?: boolean }>("/v3/kv/range", { key, range_end: end, limit: "1000", ...(revision ? { revision: String(revision) } : {}) });
      revision ??= revisionOf(r.header);
      for (const kv of r.kvs ?? []) {
        const obj = this.decodeCurrent(kv);
        if (obj) objects.push([this.storeKey(unb64(kv.key))!, obj.obj]);
      }
      if (!r.more || !r.kvs?.length) break;
      key = b64(unb64(r.kvs[r.kvs.length - 1]!.key) + "\0");
    }
    this.cache.restore({ revision, compactedThrough: revision, objects, events: [] });
    await new Promise<void>((resolve, reject) => this.follow(revision! + 1, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Watches the whole keyspace from `from`: changes under the prefix go to the cache, others only
   * move its revision (so a consistent read can wait for etcd's current revision). `onOpen` hears
   * whether the first stream opened; a stream that breaks later is re-opened on the next member
   * from the cache's next revision.
   */
  private follow(from: number, onOpen?: (err?: Error) => void): void {
    let opened = false;
    this.stream = this.client.watch(
      { create_request: { key: ALL_KEYS, range_end: ALL_KEYS, start_revision: String(from) } },
      (message) => {
        const result = message.result;
        if (!result) {
          if (message.error) this.warn(`watch error: ${message.error.message ?? ""}`);
          return;
        }
        if (result.created && !opened) {
          opened = true;
          onOpen?.();
        }
        if (result.compact_revision && result.compact_revision !== "0") {
          this.warn(`the watch cache fell behind etcd's compaction (revision ${result.compact_revision}): restart to relist`);
          return;
        }
        this.apply(result);
      },
      (err) => {
        if (this.closed || !err) return;
        if (!opened && onOpen) {
          onOpen(err);
          return;
        }
        if (opened) this.warn(`watch broken (${err.message}); reconnecting from revision ${this.cache.currentRevision() + 1}`);
        this.reconnectTimer = setTimeout(() => {
          if (!this.closed) this.follow(this.cache.currentRevision() + 1);
        }, opened ? 100 : 500);
      },
    );
  }

  private apply(result: WatchResponse): void {
    for (const event of result.events ?? []) {
      const revision = Number(event.kv.mod_revision ?? result.header?.revision ?? 0);
      const key = this.storeKey(unb64(event.kv.key));
      if (key === undefined) this.cache.advanceTo(revision);
      else if (event.type === "DELETE") this.cache.applyChange(key, undefined, revision);
      else this.cache.applyChange(key, decode(event.kv), revision);
    }
    const now = this.cache.currentRevision();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.revision <= now) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** Resolves once the cache holds every change up to `revision`. */
  private caughtUp(revision: number): Promise<void> {
    if (this.cache.currentRevision() >= revision) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new EtcdError(`etcdserver: request timed out (the watch cache is at revision ${this.cache.currentRevision()}, waiting for ${revision})`));
      }, this.timeout);
      this.waiters.push(waiter);
    });
  }

  /** A consistent read's barrier: etcd's current revision (a quorum read), then the cache caught up to it. */
  private async sync(): Promise<void> {
    this.open();
    const r = await this.client.call<{ header?: EtcdHeader }>("/v3/kv/range", { key: b64(this.etcdPrefix), keys_only: true, limit: "1" });
    await this.caughtUp(revisionOf(r.header));
  }

  /** The object a write decides on: the cache's when it is the one preconditions name, else etcd's. */
  private async current(key: string, preconditions: StorePreconditions | undefined): Promise<Current | undefined> {
    const cached = await this.cache.get(key);
    const revision = cached ? Number(cached.metadata?.resourceVersion) : undefined;
    if (cached && (preconditions?.revision === undefined || preconditions.revision === revision)) return { obj: cached, revision: revision! };
    const r = await this.client.call<{ kvs?: EtcdKeyValue[] }>("/v3/kv/range", { key: this.etcdKey(key) });
    return this.decodeCurrent(r.kvs?.[0]);
  }

  /** Waits for the cache to hold the write and returns the stored object. */
  private async committed(key: string, obj: KubeObject, revision: number): Promise<KubeObject> {
    await this.caughtUp(revision);
    const cached = await this.cache.get(key);
    if (cached && cached.metadata?.resourceVersion === String(revision)) return cached;
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
  }

  private decodeCurrent(kv: EtcdKeyValue | undefined): Current | undefined {
    if (!kv) return undefined;
    return { obj: decode(kv), revision: Number(kv.mod_revision) };
  }

  private etcdKey(key: string): string {
    if (!key.startsWith(REGISTRY_ROOT)) throw new Error(`store key ${key} is not under ${REGISTRY_ROOT}`);
    return b64(this.etcdPrefix + key.slice(REGISTRY_ROOT.length - 1));
  }

  /** The store key of an etcd key, or undefined when it is not under the prefix. */
  private storeKey(etcdKey: string): string | undefined {
    if (!etcdKey.startsWith(this.etcdPrefix + "/")) return undefined;
    return REGISTRY_ROOT.slice(0, -1) + etcdKey.slice(this.etcdPrefix.length);
  }
}

/** The stored form: the object without its resourceVersion (etcd's mod_revision is it). */
function encode(obj: KubeObject): string {
  if (obj.metadata?.resourceVersion === undefined) return JSON.stringify(obj);
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

function decode(kv: EtcdKeyValue): KubeObject {
  const obj = JSON.parse(unb64(kv.value)) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(Number(kv.mod_revision)) };
  return obj;
}

function revisionOf(header: EtcdHeader | undefined): number {
  const r = Number(header?.revision);
  if (!Number.isFinite(r) || r <= 0) throw new EtcdError("etcd answered without a revision");
  return r;
}

function checkUid(key: string, current: Current, preconditions: StorePreconditions | undefined): void {
  if (preconditions?.uid !== undefined && preconditions.uid !== current.obj.metadata?.uid) {
    throw new StoreError("Conflict", key, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.obj.metadata?.uid ?? ""}`);
  }
}

/** etcd's GetPrefixRangeEnd on a string key. */
function rangeEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
