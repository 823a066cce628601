import type { KubeObject } from "../../api/object.js";
import type { Clock } from "../../clock/clock.js";
import { REGISTRY_ROOT } from "../../store/keys.js";
import type { Store, StoreEvent, StoreListOptions, StoreListResult, StorePreconditions, StoreWatch, StoreWatchOptions } from "../../store/store.js";
import type { ApiServerMetrics } from "./api-server-metrics.js";

/** The storage resource of a key: `pods` for `/registry/pods/ns/x`, `widgets.example.com` for a CRD's `/registry/example.com/widgets/...`. */
function storageResourceOf(key: string): string {
  const start = REGISTRY_ROOT.length;
  const end = key.indexOf("/", start);
  const first = end < 0 ? key.slice(start) : key.slice(start, end);
  if (!first.includes(".") || end < 0) return first;
  const second = key.indexOf("/", end + 1);
  return `${second < 0 ? key.slice(end + 1) : key.slice(end + 1, second)}.${first}`;
}

type Operation = "get" | "list" | "create" | "update" | "delete";

/**
 * One storage resource's meters: its `etcd_request_duration_seconds` child per operation,
 * resolved on first use, and its object count once a create or delete has moved it.
 */
class ResourceMeter {
  /** Created minus deleted objects since wrap; undefined until the first create or delete. */
  objects: number | undefined;
  private readonly children = new Map<Operation, { observe(seconds: number): void }>();

  constructor(
    private readonly metrics: ApiServerMetrics,
    readonly resource: string,
  ) {}

  observe(operation: Operation, seconds: number): void {
    let child = this.children.get(operation);
    if (!child) this.children.set(operation, (child = this.metrics.storageOperation(operation, this.resource)));
    child.observe(seconds);
  }
}

/**
 * The API server's view of its storage, metered as kube-apiserver meters etcd: every operation
 * observed in `etcd_request_duration_seconds{operation,type}` and the objects counted per resource
 * for `apiserver_storage_objects` (kept up to date on create and delete, so a scrape costs no list).
 * Everything else is the wrapped store's.
 *
 * Per operation: two clock readings, one map lookup by the key's resource segment and a side
 * reaction on the inner promise (no named closure: under tsx's keep-names transform each named
 * function expression costs an `Object.defineProperty` per creation).
 */
export class MeteredStore implements Store {
  private readonly meters = new Map<string, ResourceMeter>();
  /** The meters with an object count, in the order their counts started (the gauge's series order). */
  private readonly counted: ResourceMeter[] = [];
  /** Objects found at wrap time, by `<group>/<kind>` (a listed object carries no key). */
  private readonly initial = new Map<string, number>();

  private constructor(
    private readonly inner: Store,
    private readonly metrics: ApiServerMetrics,
    private readonly clock: Clock,
  ) {}

  /** Wraps `inner`, counting what it already holds (a durable store's objects). */
  static async wrap(inner: Store, metrics: ApiServerMetrics, clock: Clock): Promise<MeteredStore> {
    const store = new MeteredStore(inner, metrics, clock);
    let page: StoreListResult | undefined;
    do {
      page = await inner.list(REGISTRY_ROOT, { limit: 5000, ...(page?.continue ? { continue: page.continue } : {}) });
      for (const obj of page.items) {
        const gk = groupKindOf(obj);
        store.initial.set(gk, (store.initial.get(gk) ?? 0) + 1);
      }
    } while (page.continue);
    return store;
  }

  /**
   * Stored objects per resource as kube-apiserver labels them (`pods`, `deployments.apps`), with
   * `resourceOf` naming a storage segment (`deployments`) or a `<group>/<kind>` (`apps/Deployment`).
   */
  objectCounts(resourceOf: (storage: string | { group: string; kind: string }) => string): Map<string, number> {
    const out = new Map<string, number>();
    const add = (resource: string, n: number): void => void out.set(resource, (out.get(resource) ?? 0) + n);
    for (const [gk, n] of this.initial) {
      const i = gk.indexOf("/");
      add(resourceOf({ group: gk.slice(0, i), kind: gk.slice(i + 1) }), n);
    }
    for (const m of this.counted) add(resourceOf(m.resource), m.objects!);
    return out;
  }

  currentRevision(): number {
    return this.inner.currentRevision();
  }

  get(key: string): Promise<KubeObject | undefined> {
    const started = this.clock.now();
    return this.timed(this.inner.get(key), "get", key, started);
  }

  list(prefix: string, options?: StoreListOptions): Promise<StoreListResult> {
    const started = this.clock.now();
    return this.timed(this.inner.list(prefix, options), "list", prefix, started);
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    const started = this.clock.now();
    const created = this.inner.create(key, obj);
    created.then(
      () => this.observe("create", key, started, 1),
      () => this.observe("create", key, started, 0),
    );
    return created;
  }

  update(key: string, obj: KubeObject, preconditions?: StorePreconditions): Promise<KubeObject> {
    const started = this.clock.now();
    return this.timed(this.inner.update(key, obj, preconditions), "update", key, started);
  }

  delete(key: string, preconditions?: StorePreconditions): Promise<KubeObject> {
    const started = this.clock.now();
    const removed = this.inner.delete(key, preconditions);
    removed.then(
      () => this.observe("delete", key, started, -1),
      () => this.observe("delete", key, started, 0),
    );
    return removed;
  }

  watch(prefix: string, options: StoreWatchOptions, listener: (event: StoreEvent) => void): StoreWatch {
    return this.inner.watch(prefix, options, listener);
  }

  compact(revision: number): void {
    this.inner.compact(revision);
  }

  oldestWatchableRevision(): number {
    return this.inner.oldestWatchableRevision();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Observes `op` when it settles and hands the caller the inner promise itself: metering adds a
   * side reaction, not a promise hop on the caller's path (the caller still sees the rejection).
   */
  private timed<T>(op: Promise<T>, operation: Operation, key: string, started: number): Promise<T> {
    const done = this.settled(operation, key, started);
    op.then(done, done);
    return op;
  }

  /** The reaction observing an operation (returned, not assigned, so no keep-names wrapper runs per call). */
  private settled(operation: Operation, key: string, started: number): () => void {
    return () => this.observe(operation, key, started, 0);
  }

  /** Observes one finished operation and moves the resource's object count by `objects`. */
  private observe(operation: Operation, key: string, started: number, objects: number): void {
    const resource = storageResourceOf(key);
    let meter = this.meters.get(resource);
    if (!meter) this.meters.set(resource, (meter = new ResourceMeter(this.metrics, resource)));
    if (objects !== 0) {
      if (meter.objects === undefined) this.counted.push(meter);
      meter.objects = (meter.objects ?? 0) + objects;
    }
    meter.observe(operation, (this.clock.now() - started) / 1000);
  }
}

function groupKindOf(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? "";
  const slash = apiVersion.indexOf("/");
  return `${slash < 0 ? "" : apiVersion.slice(0, slash)}/${obj.kind ?? ""}`;
}
