import type { Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "../../../core/metrics/hot-path-metrics.js";
import { newMetricsRegistry } from "../../../core/metrics/metrics-registry.js";

/**
 * CoreDNS's Prometheus metrics (prom-client registry; hot-path series that count without hashing labels), kept by the server and its plugins and exposed in
 * the text exposition format by the `prometheus` plugin. Names, help texts, label names and
 * buckets are CoreDNS 1.11's (`coredns_dns_requests_total{server,zone,view,proto,family,type}`,
 * `coredns_dns_request_duration_seconds` on `plugin.TimeBuckets`, ...); labels are printed in
 * name order, as Go's client prints them.
 */

type Labels = Readonly<Record<string, string>>;

/** `plugin.TimeBuckets`: prometheus.ExponentialBuckets(0.00025, 2, 16). */
export const TIME_BUCKETS: readonly number[] = Array.from({ length: 16 }, (_v, i) => 0.00025 * 2 ** i);
/** `plugin.SizeBuckets`. */
export const SIZE_BUCKETS: readonly number[] = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

type Metric = HotCounter<string> | HotGauge<string> | HotHistogram<string>;

/** One series' handle, found once per label set. */
export interface MetricSeries {
  inc(by?: number): void;
  set(value: number): void;
  observe(value: number): void;
}

/** The metric registry of one CoreDNS process. */
export class DnsMetrics {
  readonly registry: Registry = newMetricsRegistry();
  private readonly metrics = new Map<string, { metric: Metric; labelNames: readonly string[] }>();
  private readonly children = new Map<string, MetricSeries>();

  constructor() {
    this.define("coredns_build_info", "gauge", "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.", ["version", "revision", "goversion"]);
    this.set("coredns_build_info", { version: "1.11.3", revision: "a6338e9", goversion: "go1.21.11" }, 1);
    this.define("coredns_dns_requests_total", "counter", "Counter of DNS requests made per zone, protocol and family.", ["server", "zone", "view", "proto", "family", "type"]);
    this.define("coredns_dns_responses_total", "counter", "Counter of response status codes.", ["server", "zone", "view", "rcode", "plugin"]);
    this.define("coredns_dns_request_duration_seconds", "histogram", "Histogram of the time (in seconds) each request took per zone.", ["server", "zone", "view", "type"], TIME_BUCKETS);
    this.define("coredns_dns_request_size_bytes", "histogram", "Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.", ["server", "zone", "view", "proto"], SIZE_BUCKETS);
    this.define("coredns_dns_response_size_bytes", "histogram", "Size of the returned response in bytes.", ["server", "zone", "view", "proto"], SIZE_BUCKETS);
    this.define("coredns_plugin_enabled", "gauge", "A metric that indicates whether a plugin is enabled on per server and zone basis.", ["server", "zone", "view", "name"]);
    this.define("coredns_panics_total", "counter", "A metrics that counts the number of panics.", []);
  }

  /** Declares a metric (idempotent: a plugin in several server blocks defines its metrics once). */
  define(name: string, type: "counter" | "gauge" | "histogram", help: string, labelNames: readonly string[], buckets?: readonly number[]): void {
    if (this.metrics.has(name)) return;
    // Label names in order: series print their labels so, as Go's client does.
    const options = { name, help, labelNames: [...labelNames].sort(), registers: [this.registry] };
    const metric = type === "counter" ? new HotCounter(options) : type === "gauge" ? new HotGauge(options) : new HotHistogram({ ...options, buckets: [...(buckets ?? TIME_BUCKETS)] });
    this.metrics.set(name, { metric, labelNames });
  }

  /** The series of `name` with `labels` (created on first use; labels must be the declared ones). A hot path keeps the handle. */
  series(name: string, labels: Labels): MetricSeries {
    let k = name;
    for (const n in labels) k += `\u0000${labels[n]}`;
    let c = this.children.get(k);
    if (c) return c;
    const m = this.metrics.get(name);
    if (!m) throw new Error(`metric ${name} is not defined`);
    // Label names in order (Go's client prints them so); the series exists, at 0, from here on.
    const sorted: Record<string, string> = {};
    for (const n of [...m.labelNames].sort()) {
      const v = labels[n];
      if (v === undefined) throw new Error(`metric ${name}: label ${n} missing`);
      sorted[n] = v;
    }
    const metric = m.metric;
    if (metric instanceof HotHistogram) {
      const h = metric.labels(sorted);
      c = { inc: () => undefined, set: () => undefined, observe: (v) => h.observe(v) };
    } else if (metric instanceof HotGauge) {
      const g = metric.labels(sorted);
      c = { inc: (by = 1) => g.inc(by), set: (v) => g.set(v), observe: () => undefined };
    } else {
      const cnt = metric.labels(sorted);
      c = { inc: (by = 1) => cnt.inc(by), set: () => undefined, observe: () => undefined };
      cnt.inc(0);
    }
    this.children.set(k, c);
    return c;
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    this.series(name, labels).inc(by);
  }

  set(name: string, labels: Labels, value: number): void {
    this.series(name, labels).set(value);
  }

  observe(name: string, labels: Labels, value: number): void {
    this.series(name, labels).observe(value);
  }

  /**
   * The registry in the Prometheus text exposition format (version 0.0.4). Families without a
   * series are left out, as Go's client leaves out a vector nothing has used.
   */
  async exposition(): Promise<string> {
    return withoutEmptyFamilies(await this.registry.metrics());
  }
}

/** Exposition text without the families that have no series. */
export function withoutEmptyFamilies(text: string): string {
  let out = "";
  for (const block of text.split(/(?=^# HELP )/m)) if (/^[^#]/m.test(block)) out += block.endsWith("\n") ? block : `${block}\n`;
  return out;
}
