/**
 * CoreDNS's Prometheus metrics, kept by the server and its plugins and exposed in the text
 * exposition format by the `prometheus` plugin. Names, help texts and labels are CoreDNS's
 * (`coredns_dns_requests_total{server,zone,view,proto,family,type}`, ...).
 */

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly series: Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number }>;
  readonly buckets?: readonly number[];
}

const DURATION_BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

function key(labels: Labels): string {
  let k = "";
  for (const n in labels) k += `${n}\u0000${labels[n]}\u0001`;
  return k;
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The metric registry of one CoreDNS process. */
export class DnsMetrics {
  private readonly families = new Map<string, Family>();

  constructor() {
    this.define("coredns_build_info", "gauge", "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.");
    this.set("coredns_build_info", { version: "1.11.3", revision: "a6338e9", goversion: "go1.21.11" }, 1);
    this.define("coredns_dns_requests_total", "counter", "Counter of DNS requests made per zone, protocol and family.");
    this.define("coredns_dns_responses_total", "counter", "Counter of response status codes.");
    this.define("coredns_dns_request_duration_seconds", "histogram", "Histogram of the time (in seconds) each request took per zone.", DURATION_BUCKETS);
    this.define("coredns_dns_request_size_bytes", "histogram", "Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.", SIZE_BUCKETS);
    this.define("coredns_dns_response_size_bytes", "histogram", "Size of the returned response in bytes.", SIZE_BUCKETS);
    this.define("coredns_plugin_enabled", "gauge", "A metric that indicates whether a plugin is enabled on per server and zone basis.");
    this.define("coredns_panics_total", "counter", "A metrics that counts the number of panics.");
  }

  /** Declares a metric family (idempotent). */
  define(name: string, type: Family["type"], help: string, buckets?: readonly number[]): void {
    if (!this.families.has(name)) this.families.set(name, { name, type, help, series: new Map(), ...(buckets ? { buckets } : {}) });
  }

  private series(name: string, labels: Labels): { labels: Labels; value: number; buckets?: number[]; sum?: number } {
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} is not defined`);
    const k = key(labels);
    let s = family.series.get(k);
    if (!s) family.series.set(k, (s = { labels, value: 0, ...(family.buckets ? { buckets: family.buckets.map(() => 0), sum: 0 } : {}) }));
    return s;
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    this.series(name, labels).value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.series(name, labels).value = value;
  }

  observe(name: string, labels: Labels, value: number): void {
    const s = this.series(name, labels);
    const bounds = this.families.get(name)!.buckets!;
    s.value++;
    s.sum! += value;
    for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) s.buckets![i]!++;
  }

  /** The current value of a counter or gauge series (0 when never set). */
  value(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.series.get(key(labels))?.value ?? 0;
  }

  /** The registry in the Prometheus text exposition format (version 0.0.4). */
  exposition(): string {
    let out = "";
    for (const f of this.families.values()) {
      if (f.series.size === 0) continue;
      out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.series.values()) {
        if (f.type !== "histogram") {
          out += `${f.name}${formatLabels(s.labels)} ${s.value}\n`;
          continue;
        }
        f.buckets!.forEach((b, i) => (out += `${f.name}_bucket${formatLabels(s.labels, ["le", String(b)])} ${s.buckets![i]}\n`));
        out += `${f.name}_bucket${formatLabels(s.labels, ["le", "+Inf"])} ${s.value}\n${f.name}_sum${formatLabels(s.labels)} ${s.sum}\n${f.name}_count${formatLabels(s.labels)} ${s.value}\n`;
      }
    }
    return out;
  }
}
