import type { Registry } from "prom-client";

/**
 * Counters, gauges and histograms for hot paths, registered on (and exposed by) a prom-client
 * `Registry` exactly as prom-client's own classes print.
 *
 * prom-client hashes and validates the label set on every `inc`/`observe`, even through a child
 * from `labels()` (about 5–10 µs with kube-apiserver's nine request labels). Here `labels()`
 * resolves a child once and the child's `inc`/`observe` only touches numbers, so a component
 * can count every request, queue add or DNS query. Scrapes build the same values prom-client's
 * `get()` does: the registry formats them (HELP, TYPE, escaping, `le` first on buckets).
 *
 * Use prom-client's classes for everything else (collect callbacks, summaries, exemplars).
 */

/** What prom-client's Registry reads from a metric (`getForPromString`, else `get`). */
interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  metricName?: string;
}

interface ExportedMetric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  values: ExportedValue[];
  aggregator: "sum";
}

interface HotMetricConfig<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: readonly Registry[];
}

type LabelArgs<T extends string> = [Partial<Record<T, string | number>>] | (string | number)[];

/** The children of one metric, one per label set, created on first use. */
abstract class HotMetric<T extends string, C extends { readonly labels: Record<string, string> }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = "sum" as const;
  abstract readonly type: ExportedMetric["type"];
  protected readonly labelNames: readonly T[];
  protected children = new Map<string, C>();

  constructor(config: HotMetricConfig<T>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    // prom-client's Registry serialises any metric with name/help/type/get(); its typings list only its own classes.
    for (const r of config.registers ?? []) r.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  protected abstract newChild(labels: Record<string, string>): C;

  /** The child for a label set, given as values in `labelNames` order or as an object; resolve it once and keep it. */
  labels(...args: LabelArgs<T>): C {
    const values: string[] = [];
    const first = args[0];
    if (args.length === 1 && typeof first === "object" && first !== null) {
      const obj = first as Record<string, string | number | undefined>;
      for (const n of Object.keys(obj)) if (!this.labelNames.includes(n as T)) throw new Error(`Added label "${n}" is not included in initial labelset: ${JSON.stringify(this.labelNames)}`);
      for (const n of this.labelNames) values.push(obj[n] === undefined ? "" : String(obj[n]));
    } else {
      if (args.length !== this.labelNames.length) throw new Error(`Invalid number of arguments (${args.length}): "${args.join(", ")}" for label names: "${this.labelNames.join(", ")}".`);
      for (const v of args as (string | number)[]) values.push(String(v));
    }
    const key = values.join("\u0000");
    let child = this.children.get(key);
    if (!child) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]!));
      this.children.set(key, (child = this.newChild(labels)));
    }
    return child;
  }

  /** The unlabelled series (a metric without label names). */
  protected root(): C {
    return this.labels();
  }

  /** Drops every series (prom-client's `reset`); a metric without labels starts again at zero. */
  reset(): void {
    this.children = new Map();
    if (this.labelNames.length === 0) this.root();
  }

  protected abstract exportChild(child: C, out: ExportedValue[]): void;

  /** The series as prom-client's Registry formats them. */
  async getForPromString(): Promise<ExportedMetric> {
    const values: ExportedValue[] = [];
    for (const child of this.children.values()) this.exportChild(child, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The series as prom-client's `get()` returns them (labels merged). */
  async get(): Promise<ExportedMetric> {
    const m = await this.getForPromString();
    m.values = m.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return m;
  }
}

/** One counter series. */
export class CounterChild {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new Error("It is not possible to decrease a counter");
    this.value += by;
  }
}

/** A monotonic counter whose children count without hashing labels. */
export class HotCounter<T extends string = string> extends HotMetric<T, CounterChild> {
  readonly type = "counter" as const;
  constructor(config: HotMetricConfig<T>) {
    super(config);
    if (this.labelNames.length === 0) this.root();
  }
  protected newChild(labels: Record<string, string>): CounterChild {
    return new CounterChild(labels);
  }
  inc(by = 1): void {
    this.root().inc(by);
  }
  protected exportChild(c: CounterChild, out: ExportedValue[]): void {
    out.push({ value: c.value, labels: c.labels });
  }
}

/** One gauge series. */
export class GaugeChild {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
  set(value: number): void {
    this.value = value;
  }
}

/** A gauge whose children move without hashing labels. */
export class HotGauge<T extends string = string> extends HotMetric<T, GaugeChild> {
  readonly type = "gauge" as const;
  constructor(config: HotMetricConfig<T>) {
    super(config);
    if (this.labelNames.length === 0) this.root();
  }
  protected newChild(labels: Record<string, string>): GaugeChild {
    return new GaugeChild(labels);
  }
  set(value: number): void {
    this.root().set(value);
  }
  protected exportChild(c: GaugeChild, out: ExportedValue[]): void {
    out.push({ value: c.value, labels: c.labels });
  }
}

/** One histogram series: per-bucket (non-cumulative) counts, sum and count. */
export class HistogramChild {
  sum = 0;
  count = 0;
  readonly counts: Float64Array;
  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

/** A histogram (prom-client's default buckets unless given) whose children observe without hashing labels. */
export class HotHistogram<T extends string = string> extends HotMetric<T, HistogramChild> {
  readonly type = "histogram" as const;
  private readonly bounds: readonly number[];
  constructor(config: HotMetricConfig<T> & { buckets?: readonly number[] }) {
    super(config);
    this.bounds = [...(config.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])].sort((a, b) => a - b);
    if (this.labelNames.length === 0) this.root();
  }
  protected newChild(labels: Record<string, string>): HistogramChild {
    return new HistogramChild(labels, this.bounds);
  }
  observe(value: number): void {
    this.root().observe(value);
  }
  protected exportChild(c: HistogramChild, out: ExportedValue[]): void {
    const bucket = `${this.name}_bucket`;
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += c.counts[i]!;
      out.push({ value: acc, labels: { le: this.bounds[i]! }, sharedLabels: c.labels, metricName: bucket });
    }
    out.push({ value: c.count, labels: { le: "+Inf" }, sharedLabels: c.labels, metricName: bucket });
    out.push({ value: c.sum, labels: {}, sharedLabels: c.labels, metricName: `${this.name}_sum` });
    out.push({ value: c.count, labels: {}, sharedLabels: c.labels, metricName: `${this.name}_count` });
  }
}
