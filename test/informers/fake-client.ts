/**
 * A faithful in-test API server for one process: per resource an event log with revisions,
 * resourceVersion-consistent paged lists, watches that replay history after a resourceVersion,
 * 410 "too old resource version" after compaction (thrown, or sent as an ERROR event as the real
 * apiserver does), bookmarks and server-side watch ends. Objects are frozen, as the real store's.
 */
import type { Status } from "kubernetes-types/meta/v1.js";
import { objectKey, type KubeList, type KubeObject } from "../../core/api/object.js";
import { StatusError, resourceExpired } from "../../core/api/status.js";
import type { Client, ListOptions, ResourceClient, ResourceRef, Watch, WatchEvent, WatchOptions } from "../../core/client/client.js";

interface LoggedEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  revision: number;
}

interface FakeWatch {
  options: WatchOptions;
  onEvent: (e: WatchEvent) => void;
  end: (error?: unknown) => void;
}

function freeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
}

function expiredStatus(message: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Expired", code: 410 };
}

/** Equality-only label selectors (`a=b,c=d`), enough for these tests. */
function matchesLabels(obj: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return labels[k!.trim()] === v?.trim();
  });
}

export class FakeResource implements ResourceClient<KubeObject> {
  revision = 100;
  private compactedTo = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: LoggedEvent[] = [];
  private readonly watches = new Set<FakeWatch>();
  private readonly snapshots = new Map<string, { revision: number; items: KubeObject[] }>();
  private tokenSeq = 0;
  /** Every list and watch call, for assertions. */
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  /** How a watch from a compacted resourceVersion fails: thrown StatusError (default) or an ERROR event. */
  expiredWatch: "throw" | "event" = "throw";
  /** Errors the next list/watch calls throw, in order. */
  readonly listFailures: unknown[] = [];
  readonly watchFailures: unknown[] = [];
  /** While false, changes are logged but not sent to open watches (events lost in a gap). */
  deliver = true;

  constructor(readonly kind: string) {}

  // Server-side changes.

  create(obj: KubeObject): Promise<KubeObject> {
    return Promise.resolve(this.write("ADDED", obj));
  }

  update(obj: KubeObject): Promise<KubeObject> {
    return Promise.resolve(this.write("MODIFIED", obj));
  }

  /** Synchronous create-or-update. */
  put(obj: KubeObject): KubeObject {
    return this.write(this.objects.has(objectKey(obj)) ? "MODIFIED" : "ADDED", obj);
  }

  remove(namespace: string | undefined, name: string): KubeObject {
    const key = namespace ? `${namespace}/${name}` : name;
    const old = this.objects.get(key);
    if (!old) throw new Error(`fake: ${key} not found`);
    this.objects.delete(key);
    const revision = ++this.revision;
    const last = freeze({ ...old, metadata: { ...old.metadata, resourceVersion: String(revision) } });
    this.append({ type: "DELETED", object: last, revision });
    return last;
  }

  /** Drops history: watches from before the current revision get 410. */
  compact(): void {
    this.compactedTo = this.revision;
    this.log.length = 0;
    this.snapshots.clear();
  }

  /** Ends every open watch as a server timeout does (done resolves). */
  endWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /** Breaks every open watch (done rejects). */
  breakWatches(error: unknown = new Error("connection reset")): void {
    for (const w of [...this.watches]) w.end(error);
  }

  /** Sends an ERROR 410 Expired event to every open watch, then ends it. */
  expireWatches(): void {
    for (const w of [...this.watches]) {
      w.onEvent({ type: "ERROR", object: expiredStatus("The resourceVersion for the provided watch is too old.") as KubeObject });
      w.end();
    }
  }

  /** Sends a BOOKMARK at the current revision to watches that allow bookmarks. */
  bookmark(): void {
    for (const w of this.watches) {
      if (w.options.allowWatchBookmarks) w.onEvent({ type: "BOOKMARK", object: { kind: this.kind, apiVersion: "v1", metadata: { resourceVersion: String(this.revision) } } });
    }
  }

  openWatches(): number {
    return this.watches.size;
  }

  // ResourceClient.

  list(options: ListOptions = {}): Promise<KubeList<KubeObject>> {
    this.listCalls.push(options);
    const failure = this.listFailures.shift();
    if (failure) return Promise.reject(failure);
    let snapshot: { revision: number; items: KubeObject[] };
    let offset = 0;
    if (options.continue) {
      const [id, start] = options.continue.split(":");
      const found = this.snapshots.get(id!);
      if (!found) return Promise.reject(resourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."));
      snapshot = found;
      offset = Number(start);
    } else {
      const items = [...this.objects.values()].filter((o) => (!options.namespace || o.metadata?.namespace === options.namespace) && matchesLabels(o, options.labelSelector));
      snapshot = { revision: this.revision, items };
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const page = snapshot.items.slice(offset, offset + limit);
    const next = offset + page.length;
    const metadata: KubeList["metadata"] = { resourceVersion: String(snapshot.revision) };
    if (next < snapshot.items.length) {
      const id = String(++this.tokenSeq);
      this.snapshots.set(id, snapshot);
      metadata.continue = `${id}:${next}`;
    }
    return Promise.resolve({ apiVersion: "v1", kind: `${this.kind}List`, metadata, items: page });
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent<KubeObject>) => void): Promise<Watch> {
    this.watchCalls.push(options);
    const failure = this.watchFailures.shift();
    if (failure) return Promise.reject(failure);
    const from = Number(options.resourceVersion || this.revision);
    if (from < this.compactedTo) {
      const message = `too old resource version: ${from} (${this.compactedTo})`;
      if (this.expiredWatch === "throw") return Promise.reject(resourceExpired(message));
    }
    let resolveDone!: () => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    done.catch(() => undefined);
    const w: FakeWatch = {
      options,
      onEvent: (e) => {
        if (this.watches.has(w)) onEvent(e);
      },
      end: (error) => {
        if (!this.watches.delete(w)) return;
        if (error) rejectDone(error);
        else resolveDone();
      },
    };
    this.watches.add(w);
    if (from < this.compactedTo) {
      w.onEvent({ type: "ERROR", object: expiredStatus(`too old resource version: ${from} (${this.compactedTo})`) as KubeObject });
      w.end();
    } else {
      for (const e of this.log) if (e.revision > from && this.matches(w, e.object)) w.onEvent({ type: e.type, object: e.object });
    }
    return Promise.resolve({ stop: () => w.end(), done });
  }

  get(): Promise<KubeObject> {
    return Promise.reject(new Error("fake: get not implemented"));
  }
  updateStatus(): Promise<KubeObject> {
    return Promise.reject(new Error("fake: updateStatus not implemented"));
  }
  patch(): Promise<KubeObject> {
    return Promise.reject(new Error("fake: patch not implemented"));
  }
  delete(): Promise<KubeObject> {
    return Promise.reject(new Error("fake: delete not implemented"));
  }
  deleteCollection(): Promise<KubeList<KubeObject>> {
    return Promise.reject(new Error("fake: deleteCollection not implemented"));
  }
  // Typed through the contract itself so the fake follows its generic constraints.
  getSubresource: ResourceClient["getSubresource"] = () => Promise.reject(new Error("fake: subresources not implemented"));
  updateSubresource: ResourceClient["updateSubresource"] = () => Promise.reject(new Error("fake: subresources not implemented"));
  createSubresource: ResourceClient["createSubresource"] = () => Promise.reject(new Error("fake: subresources not implemented"));

  private write(type: "ADDED" | "MODIFIED", obj: KubeObject): KubeObject {
    const key = objectKey(obj);
    if (type === "ADDED" && this.objects.has(key)) throw new StatusError({ code: 409, reason: "AlreadyExists", message: `${key} already exists` });
    const revision = ++this.revision;
    const stored = freeze({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } });
    this.objects.set(key, stored);
    this.append({ type, object: stored, revision });
    return stored;
  }

  private append(e: LoggedEvent): void {
    this.log.push(e);
    if (!this.deliver) return;
    for (const w of [...this.watches]) if (this.matches(w, e.object)) w.onEvent({ type: e.type, object: e.object });
  }

  private matches(w: FakeWatch, obj: KubeObject): boolean {
    return (!w.options.namespace || obj.metadata?.namespace === w.options.namespace) && matchesLabels(obj, w.options.labelSelector);
  }
}

/** A Client whose resources are {@link FakeResource}s, one per ref string. */
export class FakeClient implements Client {
  private readonly resources = new Map<string, FakeResource>();

  resource: Client["resource"] = (ref) => this.fake(ref) as never;

  fake(ref: ResourceRef): FakeResource {
    const key = typeof ref === "string" ? ref : JSON.stringify(ref);
    let r = this.resources.get(key);
    if (!r) this.resources.set(key, (r = new FakeResource(typeof ref === "string" ? ref : "Object")));
    return r;
  }
}

export function pod(namespace: string, name: string, extra: { labels?: Record<string, string>; nodeName?: string; phase?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers: [{ name: "c", image: "nginx" }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  };
}
