/** Work queues: basic, delaying and rate-limited queues, rate limiters and queue metrics (after client-go's util/workqueue). */
export { BasicQueue, type WorkQueue, type QueueOptions } from "./queue.js";
export { DelayingQueue, type DelayingWorkQueue, type DelayingQueueOptions } from "./delaying-queue.js";
export { RateLimitingQueue, type RateLimitingWorkQueue, type RateLimitingQueueOptions } from "./rate-limiting-queue.js";
export { ForwardingQueue } from "./forwarding-queue.js";
export { MaxOfRateLimiter, defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";
export { ItemExponentialFailureRateLimiter } from "./item-exponential-rate-limiter.js";
export { BucketRateLimiter, type BucketRateLimiterOptions } from "./bucket-rate-limiter.js";
export {
  QueueMetrics,
  QUEUE_DURATION_BUCKETS,
  type MetricsProvider,
  type CounterMetric,
  type GaugeMetric,
  type SettableGaugeMetric,
  type HistogramMetric,
} from "./metrics.js";
export { UNFINISHED_WORK_UPDATE_PERIOD_MS, UnfinishedWorkRefresher, type UnfinishedWorkGauges } from "./unfinished-work-refresher.js";
export { InMemoryMetricsProvider, PlainHistogram, type PlainQueueMetrics } from "./in-memory-metrics.js";
export { Fifo } from "./fifo.js";
