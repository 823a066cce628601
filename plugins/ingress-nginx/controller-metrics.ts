import { Counter, Gauge, type Registry } from "prom-client";
import { HotCounter, HotHistogram } from "../../core/metrics/hot-path-metrics.js";
import { newMetricsRegistry } from "../../core/metrics/metrics-registry.js";
import type { Location } from "./routing-model.js";

const REQUEST_LABELS = ["canary", "controller_class", "controller_namespace", "controller_pod", "host", "ingress", "method", "namespace", "path", "service", "status"] as const;
/** One label set's request count, duration and size series. */
interface RequestSeries {
  readonly method: string;
  readonly status: number;
  readonly count: { inc(): void };
  readonly duration: { observe(v: number): void };
  readonly size: { observe(v: number): void };
}

const CONTROLLER_LABELS = ["controller_class", "controller_namespace", "controller_pod"] as const;

/**
 * One controller pod's metrics as ingress-nginx names them, served on :10254 `/metrics`:
 * `nginx_ingress_controller_requests`, `nginx_ingress_controller_request_duration_seconds`,
 * `nginx_ingress_controller_response_size` (labelled with the Ingress, Service, path, host,
 * method and status of each request), and the reload metrics
 * `nginx_ingress_controller_config_last_reload_successful`,
 * `nginx_ingress_controller_config_last_reload_successful_timestamp_seconds` and
 * `nginx_ingress_controller_success`. Each request finds its series by its location object, host,
 * method and status (no label key built) and then only adds numbers (hot-path series: no label
 * hashing or validation per request).
 */
export class IngressControllerMetrics {
  readonly registry: Registry = newMetricsRegistry();
  private readonly requests: HotCounter<(typeof REQUEST_LABELS)[number]>;
  private readonly duration: HotHistogram<(typeof REQUEST_LABELS)[number]>;
  private readonly size: HotHistogram<(typeof REQUEST_LABELS)[number]>;
  private readonly reloads: { inc(): void };
  private readonly lastReload: { set(v: number): void };
  /** Every request series by its full label key (the same series whichever routing model's location asks). */
  private readonly children = new Map<string, RequestSeries>();
  /** The series a location's requests used, by host then method and status: found without building the label key. */
  private readonly byLocation = new WeakMap<Location, Map<string, RequestSeries[]>>();
  /** As {@link byLocation}, for requests no location matched. */
  private readonly unmatched = new Map<string, RequestSeries[]>();
  private readonly controller: Record<(typeof CONTROLLER_LABELS)[number], string>;

  constructor(pod: string, namespace: string, controllerClass = "k8s.io/ingress-nginx") {
    const registers = [this.registry];
    this.controller = { controller_class: controllerClass, controller_namespace: namespace, controller_pod: pod };
    const labelNames = [...REQUEST_LABELS];
    this.requests = new HotCounter({ name: "nginx_ingress_controller_requests", help: "The total number of client requests", labelNames, registers });
    this.duration = new HotHistogram({ name: "nginx_ingress_controller_request_duration_seconds", help: "The request processing time in milliseconds", labelNames, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.size = new HotHistogram({ name: "nginx_ingress_controller_response_size", help: "The response length (including request line, header, and request body)", labelNames, buckets: [10, 100, 1000, 10000, 100000, 1e6, 1e7], registers });
    this.reloads = new Counter({ name: "nginx_ingress_controller_success", help: "Cumulative number of Ingress controller reload operations", labelNames: [...CONTROLLER_LABELS], registers }).labels(this.controller);
    const ok = new Gauge({ name: "nginx_ingress_controller_config_last_reload_successful", help: "Whether the last configuration reload attempt was successful", labelNames: [...CONTROLLER_LABELS], registers });
    ok.set(this.controller, 1);
    this.lastReload = new Gauge({ name: "nginx_ingress_controller_config_last_reload_successful_timestamp_seconds", help: "Timestamp of the last successful configuration reload.", labelNames: [...CONTROLLER_LABELS], registers }).labels(this.controller);
  }

  /** A successful configuration reload at `nowMs`. */
  reloaded(nowMs: number): void {
    this.reloads.inc();
    this.lastReload.set(nowMs / 1000);
  }

  /** One request served through `location` (undefined: none matched), with its status, latency and response bytes. */
  request(location: Location | undefined, host: string, method: string, status: number, seconds: number, bytes: number): void {
    let byHost = location ? this.byLocation.get(location) : this.unmatched;
    if (!byHost) this.byLocation.set(location!, (byHost = new Map()));
    let seen = byHost.get(host);
    if (!seen) byHost.set(host, (seen = []));
    let c: RequestSeries | undefined;
    for (const s of seen) {
      if (s.status === status && s.method === method) {
        c = s;
        break;
      }
    }
    if (!c) seen.push((c = this.series(location, host, method, status)));
    c.count.inc();
    c.duration.observe(seconds);
    c.size.observe(bytes);
  }

  /** The series of one label set, made on its first request. */
  private series(location: Location | undefined, host: string, method: string, status: number): RequestSeries {
    const key = `${status} ${method} ${host} ${location?.ingress.namespace ?? ""}/${location?.ingress.name ?? ""} ${location?.path ?? ""} ${location?.backend?.service ?? ""}`;
    let c = this.children.get(key);
    if (!c) {
      const labels = { ...this.controller, canary: "", host, ingress: location?.ingress.name ?? "", method, namespace: location?.ingress.namespace ?? "", path: location?.path ?? "", service: location?.backend?.service ?? "", status: String(status) };
      this.children.set(key, (c = { method, status, count: this.requests.labels(labels), duration: this.duration.labels(labels), size: this.size.labels(labels) }));
    }
    return c;
  }
}
