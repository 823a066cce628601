import { Gauge, type Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "../../metrics/hot-path-metrics.js";
import type { RegisteredType } from "../../api/resource-registry.js";
import { exposition, newMetricsRegistry, processMetricsRegistry } from "../../metrics/metrics-registry.js";

/** kube-apiserver's request latency buckets (`apiserver_request_duration_seconds`, `etcd_request_duration_seconds`). */
export const APISERVER_REQUEST_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]);

const REQUEST_LABELS = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"] as const;
type RequestLabel = (typeof REQUEST_LABELS)[number];

/** The request verbs as kube-apiserver labels them (`LIST`, `POST`, `APPLY`, ...). */
export function metricsVerb(verb: string, applyPatch: boolean): string {
  switch (verb) {
    case "get": return "GET";
    case "list": return "LIST";
    case "watch": return "WATCH";
    case "create": return "POST";
    case "update": return "PUT";
    case "patch": return applyPatch ? "APPLY" : "PATCH";
    case "delete":
    case "deletecollection": return "DELETE";
    default: return verb.toUpperCase();
  }
}

/** One request series (verb, resource, scope...) with its children resolved once. */
export class RequestSeries {
  private readonly byCode = new Map<number, { inc(): void }>();

  constructor(
    private readonly total: HotCounter<RequestLabel | "code">,
    private readonly labels: Readonly<Record<RequestLabel, string>>,
    private readonly duration: { observe(v: number): void },
    /** `apiserver_longrunning_requests`' child for this series (watches). */
    readonly longRunning: { inc(): void; dec(): void },
  ) {}

  /** Counts one finished request with its status code and observes its duration (seconds). */
  done(code: number, seconds: number): void {
    let counter = this.byCode.get(code);
    if (!counter) this.byCode.set(code, (counter = this.total.labels({ ...this.labels, code: String(code) })));
    counter.inc();
    this.duration.observe(seconds);
  }
}

/** What a watch reports while it is served: each event sent (`apiserver_watch_events_total`). */
export interface WatchObserver {
  event(): void;
}

/**
 * kube-apiserver's own metrics on its registry (with the process's `process_*` and `nodejs_*`
 * metrics): `apiserver_request_total`, `apiserver_request_duration_seconds`,
 * `apiserver_current_inflight_requests`, `apiserver_longrunning_requests`,
 * `apiserver_watch_events_total`, `apiserver_storage_objects` and the storage layer's
 * `etcd_request_duration_seconds`. Hot paths hold resolved label children: a request looks its
 * series up by the registered type and a short key, never building label strings.
 */
export class ApiServerMetrics {
  readonly registry: Registry;
  private readonly requestTotal: HotCounter<RequestLabel | "code">;
  private readonly requestDuration: HotHistogram<RequestLabel>;
  private readonly longRunning: HotGauge<RequestLabel>;
  private readonly watchEvents: HotCounter<"group" | "version" | "kind">;
  private readonly etcdDuration: HotHistogram<"operation" | "type">;
  private readonly series = new WeakMap<object, Map<string, Map<string, RequestSeries>>>();
  private readonly nonResource = new Map<string, RequestSeries>();
  private readonly watchChildren = new WeakMap<RegisteredType, WatchObserver>();
  private readonly etcdChildren = new Map<string, Map<string, { observe(v: number): void }>>();
  private readonly inflightSources = new Set<() => { readOnly: number; mutating: number }>();
  private storageCounts: (() => ReadonlyMap<string, number>) | undefined;
  private readonly processMetrics: boolean;

  /** `processMetrics` (default true): the scrape includes the process's `process_*` and `nodejs_*` metrics. */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = newMetricsRegistry();
    this.processMetrics = options.processMetrics ?? true;
    const registers = [this.registry];
    const labelNames = [...REQUEST_LABELS];
    const buckets = [...APISERVER_REQUEST_DURATION_BUCKETS];
    this.requestTotal = new HotCounter({ name: "apiserver_request_total", help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.", labelNames: [...labelNames, "code"], registers });
    this.requestDuration = new HotHistogram({ name: "apiserver_request_duration_seconds", help: "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.", labelNames, buckets, registers });
    this.longRunning = new HotGauge({ name: "apiserver_longrunning_requests", help: "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.", labelNames, registers });
    this.watchEvents = new HotCounter({ name: "apiserver_watch_events_total", help: "Number of events sent in watch clients", labelNames: ["group", "version", "kind"], registers });
    this.etcdDuration = new HotHistogram({ name: "etcd_request_duration_seconds", help: "Etcd request latency in seconds for each operation and object type.", labelNames: ["operation", "type"], buckets, registers });
    const sources = this.inflightSources;
    new Gauge({
      name: "apiserver_current_inflight_requests",
      help: "Maximal number of currently used inflight request limit of this apiserver per request kind in last second.",
      labelNames: ["request_kind"],
      registers,
      collect() {
        let readOnly = 0;
        let mutating = 0;
        for (const s of sources) {
          const n = s();
          readOnly += n.readOnly;
          mutating += n.mutating;
        }
        this.set({ request_kind: "readOnly" }, readOnly);
        this.set({ request_kind: "mutating" }, mutating);
      },
    });
    const counts = (): ReadonlyMap<string, number> | undefined => this.storageCounts?.();
    new Gauge({
      name: "apiserver_storage_objects",
      help: "Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.",
      labelNames: ["resource"],
      registers,
      collect() {
        this.reset();
        for (const [resource, n] of counts() ?? []) this.set({ resource }, n);
      },
    });
  }

  /** Where `apiserver_current_inflight_requests` reads from (each HTTP server's limiter); returns the removal. */
  addInflightSource(source: () => { readOnly: number; mutating: number }): () => void {
    this.inflightSources.add(source);
    return () => this.inflightSources.delete(source);
  }

  /** Where `apiserver_storage_objects` reads the stored objects per resource (`pods`, `deployments.apps`). */
  setStorageCounts(source: () => ReadonlyMap<string, number>): void {
    this.storageCounts = source;
  }

  /** The series of a resource request; `scope` is `resource` (named), `namespace` or `cluster`. */
  resourceRequest(type: RegisteredType, verb: string, subresource: string | undefined, scope: "resource" | "namespace" | "cluster", dryRun: boolean): RequestSeries {
    let byVerb = this.series.get(type);
    if (!byVerb) this.series.set(type, (byVerb = new Map()));
    let byKey = byVerb.get(verb);
    if (!byKey) byVerb.set(verb, (byKey = new Map()));
    // The common request (no subresource, no dry run) is keyed by its constant scope string: no
    // string is built per request.
    const key = subresource || dryRun ? `${scope} ${dryRun ? 1 : 0} ${subresource ?? ""}` : scope;
    let s = byKey.get(key);
    if (!s) {
      const d = type.descriptor;
      byKey.set(key, (s = this.newSeries({ verb, dry_run: dryRun ? "All" : "", group: d.group, version: d.version, resource: d.plural, subresource: subresource ?? "", scope, component: "apiserver" })));
    }
    return s;
  }

  /** The series of a non-resource request (discovery, health, OpenAPI, /metrics): no group, resource or scope. */
  nonResourceRequest(verb: string): RequestSeries {
    let s = this.nonResource.get(verb);
    if (!s) this.nonResource.set(verb, (s = this.newSeries({ verb, dry_run: "", group: "", version: "", resource: "", subresource: "", scope: "", component: "apiserver" })));
    return s;
  }

  /** Counts the events one watch of `type` sends. */
  watchObserver(type: RegisteredType): WatchObserver {
    let o = this.watchChildren.get(type);
    if (!o) {
      const d = type.descriptor;
      const child = this.watchEvents.labels(d.group, d.version, d.kind);
      this.watchChildren.set(type, (o = { event: () => child.inc() }));
    }
    return o;
  }

  /** The `etcd_request_duration_seconds` child of a storage operation (`get`, `list`, `create`, ...) on a resource. */
  storageOperation(operation: string, resource: string): { observe(seconds: number): void } {
    let byResource = this.etcdChildren.get(operation);
    if (!byResource) this.etcdChildren.set(operation, (byResource = new Map()));
    let child = byResource.get(resource);
    if (!child) byResource.set(resource, (child = this.etcdDuration.labels(operation, resource)));
    return child;
  }

  /** The exposition text (what `GET /metrics` answers). */
  scrape(): Promise<string> {
    return this.processMetrics ? exposition(this.registry, processMetricsRegistry()) : this.registry.metrics();
  }

  private newSeries(labels: Record<RequestLabel, string>): RequestSeries {
    return new RequestSeries(this.requestTotal, labels, this.requestDuration.labels(labels), this.longRunning.labels(labels));
  }
}
