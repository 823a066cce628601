import type { Clock } from "../clock/clock.js";
import { UnfinishedWorkRefresher, type UnfinishedWorkGauges } from "./unfinished-work-refresher.js";

/** A value that only goes up (`workqueue_adds_total`, `workqueue_retries_total`). */
export interface CounterMetric {
  inc(): void;
}

/** A value that goes up and down (`workqueue_depth`). */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

/** A gauge written as a whole (`workqueue_unfinished_work_seconds`). */
export interface SettableGaugeMetric {
  set(value: number): void;
}

/** A distribution of observations, in seconds (`workqueue_queue_duration_seconds`). */
export interface HistogramMetric {
  observe(value: number): void;
}

/**
 * Creates the metrics of one named queue, as client-go's `workqueue.MetricsProvider`. A
 * Prometheus adapter implements it with the real metric names (`workqueue_depth{name}`,
 * `workqueue_adds_total`, `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
 * `workqueue_unfinished_work_seconds`, `workqueue_longest_running_processor_seconds`,
 * `workqueue_retries_total`); {@link InMemoryMetricsProvider} keeps plain numbers.
 */
export interface MetricsProvider {
  newDepthMetric(name: string): GaugeMetric;
  newAddsMetric(name: string): CounterMetric;
  newLatencyMetric(name: string): HistogramMetric;
  newWorkDurationMetric(name: string): HistogramMetric;
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  newRetriesMetric(name: string): CounterMetric;
}

/** Buckets of the latency and work-duration histograms: 10 ns to 10 s by powers of ten (client-go's). */
export const QUEUE_DURATION_BUCKETS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i));

/**
 * Records one queue's metrics from its add/get/done calls, with time from the injected clock.
 * The unfinished-work gauges are refreshed on the clock's {@link UnfinishedWorkRefresher} while
 * something is being processed or another item waits for the worker that just finished, so an idle
 * or shut-down queue holds no timer and a busy one does not restart it between items.
 */
export class QueueMetrics<T> implements UnfinishedWorkGauges {
  private readonly depth: GaugeMetric;
  private readonly adds: CounterMetric;
  private readonly latency: HistogramMetric;
  private readonly workDuration: HistogramMetric;
  private readonly unfinishedWork: SettableGaugeMetric;
  private readonly longestRunning: SettableGaugeMetric;
  private readonly addTimes = new Map<T, number>();
  private readonly processingStartTimes = new Map<T, number>();
  private readonly refresher: UnfinishedWorkRefresher;
  private refreshing = false;

  constructor(name: string, provider: MetricsProvider, private readonly clock: Clock) {
    this.depth = provider.newDepthMetric(name);
    this.adds = provider.newAddsMetric(name);
    this.latency = provider.newLatencyMetric(name);
    this.workDuration = provider.newWorkDurationMetric(name);
    this.unfinishedWork = provider.newUnfinishedWorkSecondsMetric(name);
    this.longestRunning = provider.newLongestRunningProcessorSecondsMetric(name);
    this.refresher = UnfinishedWorkRefresher.of(clock);
  }

  add(item: T): void {
    this.adds.inc();
    this.depth.inc();
    if (!this.addTimes.has(item)) this.addTimes.set(item, this.clock.now());
  }

  get(item: T): void {
    const now = this.clock.now();
    this.depth.dec();
    this.processingStartTimes.set(item, now);
    const added = this.addTimes.get(item);
    if (added !== undefined) {
      this.latency.observe((now - added) / 1000);
      this.addTimes.delete(item);
    }
    if (!this.refreshing) {
      this.refreshing = true;
      this.refresher.start(this);
    }
  }

  /** `item` is finished; `more`: the queue holds items a worker takes next (it stays busy). */
  done(item: T, more = false): void {
    const started = this.processingStartTimes.get(item);
    if (started === undefined) return;
    this.workDuration.observe((this.clock.now() - started) / 1000);
    this.processingStartTimes.delete(item);
    if (this.processingStartTimes.size === 0 && !more) this.stop();
  }

  /** Sets the unfinished-work and longest-running gauges from the items now being processed. */
  updateUnfinishedWork(): void {
    const now = this.clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.processingStartTimes.values()) {
      const seconds = (now - started) / 1000;
      total += seconds;
      if (seconds > longest) longest = seconds;
    }
    this.unfinishedWork.set(total);
    this.longestRunning.set(longest);
  }

  /** Stops refreshing (the queue is idle or shut down), leaving the gauges at what is processing now. */
  stop(): void {
    this.updateUnfinishedWork();
    if (!this.refreshing) return;
    this.refreshing = false;
    this.refresher.stop(this);
  }
}
