import {
  QUEUE_DURATION_BUCKETS,
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  type MetricsProvider,
  type SettableGaugeMetric,
} from "./metrics.js";

/** A histogram kept as plain numbers: cumulative-ready bucket counts, sum and count (seconds). */
export class PlainHistogram implements HistogramMetric {
  /** `counts[i]` = observations ≤ `bounds[i]` and > `bounds[i-1]`; the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[] = QUEUE_DURATION_BUCKETS) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** One queue's metrics as plain numbers. */
export interface PlainQueueMetrics {
  depth: number;
  adds: number;
  retries: number;
  unfinishedWorkSeconds: number;
  longestRunningProcessorSeconds: number;
  readonly queueLatency: PlainHistogram;
  readonly workDuration: PlainHistogram;
}

/** Keeps every queue's metrics as plain numbers, readable with {@link get}. */
export class InMemoryMetricsProvider implements MetricsProvider {
  private readonly queues = new Map<string, PlainQueueMetrics>();

  /** The metrics of the queue named `name` (created empty on first use). */
  get(name: string): PlainQueueMetrics {
    let m = this.queues.get(name);
    if (!m) {
      m = { depth: 0, adds: 0, retries: 0, unfinishedWorkSeconds: 0, longestRunningProcessorSeconds: 0, queueLatency: new PlainHistogram(), workDuration: new PlainHistogram() };
      this.queues.set(name, m);
    }
    return m;
  }

  /** Names of the queues seen so far. */
  names(): string[] {
    return [...this.queues.keys()];
  }

  newDepthMetric(name: string): GaugeMetric {
    const m = this.get(name);
    return { inc: () => void m.depth++, dec: () => void m.depth-- };
  }

  newAddsMetric(name: string): CounterMetric {
    const m = this.get(name);
    return { inc: () => void m.adds++ };
  }

  newRetriesMetric(name: string): CounterMetric {
    const m = this.get(name);
    return { inc: () => void m.retries++ };
  }

  newLatencyMetric(name: string): HistogramMetric {
    return this.get(name).queueLatency;
  }

  newWorkDurationMetric(name: string): HistogramMetric {
    return this.get(name).workDuration;
  }

  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric {
    const m = this.get(name);
    return { set: (v) => void (m.unfinishedWorkSeconds = v) };
  }

  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric {
    const m = this.get(name);
    return { set: (v) => void (m.longestRunningProcessorSeconds = v) };
  }
}
