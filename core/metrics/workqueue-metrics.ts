import type { Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "./hot-path-metrics.js";
import {
  QUEUE_DURATION_BUCKETS,
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  type MetricsProvider,
  type SettableGaugeMetric,
} from "../workqueue/metrics.js";

/**
 * client-go's work queue metrics (`k8s.io/component-base/metrics/prometheus/workqueue`) on a
 * component's registry: `workqueue_depth`, `workqueue_adds_total`,
 * `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
 * `workqueue_unfinished_work_seconds`, `workqueue_longest_running_processor_seconds` and
 * `workqueue_retries_total`, each labelled with the queue's `name`. Each queue gets its label
 * children once, so adds and gets touch no label strings.
 */
export class PrometheusWorkqueueMetrics implements MetricsProvider {
  private readonly depth: HotGauge<"name">;
  private readonly adds: HotCounter<"name">;
  private readonly latency: HotHistogram<"name">;
  private readonly workDuration: HotHistogram<"name">;
  private readonly unfinished: HotGauge<"name">;
  private readonly longest: HotGauge<"name">;
  private readonly retries: HotCounter<"name">;

  constructor(registry: Registry) {
    const registers = [registry];
    const buckets = [...QUEUE_DURATION_BUCKETS];
    this.depth = new HotGauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames: ["name"], registers });
    this.adds = new HotCounter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: ["name"], registers });
    this.latency = new HotHistogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested.", labelNames: ["name"], buckets, registers });
    this.workDuration = new HotHistogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.", labelNames: ["name"], buckets, registers });
    this.unfinished = new HotGauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      labelNames: ["name"],
      registers,
    });
    this.longest = new HotGauge({ name: "workqueue_longest_running_processor_seconds", help: "How many seconds has the longest running processor for workqueue been running.", labelNames: ["name"], registers });
    this.retries = new HotCounter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: ["name"], registers });
  }

  newDepthMetric(name: string): GaugeMetric {
    const child = this.depth.labels(name);
    child.set(0);
    return { inc: () => child.inc(), dec: () => child.dec() };
  }

  newAddsMetric(name: string): CounterMetric {
    const child = this.adds.labels(name);
    child.inc(0);
    return { inc: () => child.inc() };
  }

  newLatencyMetric(name: string): HistogramMetric {
    const child = this.latency.labels(name);
    return { observe: (v) => child.observe(v) };
  }

  newWorkDurationMetric(name: string): HistogramMetric {
    const child = this.workDuration.labels(name);
    return { observe: (v) => child.observe(v) };
  }

  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric {
    const child = this.unfinished.labels(name);
    child.set(0);
    return { set: (v) => child.set(v) };
  }

  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric {
    const child = this.longest.labels(name);
    child.set(0);
    return { set: (v) => child.set(v) };
  }

  newRetriesMetric(name: string): CounterMetric {
    const child = this.retries.labels(name);
    child.inc(0);
    return { inc: () => child.inc() };
  }
}
