import { Gauge, type Registry } from "prom-client";
import { HotCounter, HotHistogram } from "../../core/metrics/hot-path-metrics.js";
import { newMetricsRegistry } from "../../core/metrics/metrics-registry.js";

/** `metrics.ExponentialBuckets(start, factor, count)`. */
function exponential(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

export type AttemptResult = "scheduled" | "unschedulable" | "error";

/**
 * kube-scheduler's metrics (pkg/scheduler/metrics) on the scheduler's own registry:
 * `scheduler_schedule_attempts_total{result,profile}`,
 * `scheduler_scheduling_attempt_duration_seconds{result,profile}`, `scheduler_pending_pods{queue}`
 * and `scheduler_framework_extension_point_duration_seconds{extension_point,status,profile}`.
 * Label children are resolved once per profile and outcome.
 */
export class SchedulerMetrics {
  readonly registry: Registry = newMetricsRegistry();
  private readonly attempts: HotCounter<"result" | "profile">;
  private readonly attemptDuration: HotHistogram<"result" | "profile">;
  private readonly extensionPoint: HotHistogram<"extension_point" | "status" | "profile">;
  /** Label children by result then profile, and by extension point, status, profile: found with no key string built per call. */
  private readonly attemptChildren = new Map<string, Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>>();
  private readonly pointChildren = new Map<string, Map<string, Map<string, { observe(v: number): void }>>>();

  constructor(pending: () => { active: number; backoff: number; unschedulable: number; gated?: number }) {
    const registers = [this.registry];
    this.attempts = new HotCounter({ name: "scheduler_schedule_attempts_total", help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.", labelNames: ["result", "profile"], registers });
    this.attemptDuration = new HotHistogram({ name: "scheduler_scheduling_attempt_duration_seconds", help: "Scheduling attempt latency in seconds (scheduling algorithm + binding)", labelNames: ["result", "profile"], buckets: exponential(0.001, 2, 15), registers });
    this.extensionPoint = new HotHistogram({ name: "scheduler_framework_extension_point_duration_seconds", help: "Latency for running all plugins of a specific extension point.", labelNames: ["extension_point", "status", "profile"], buckets: exponential(0.0001, 2, 12), registers });
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ["queue"],
      registers,
      collect() {
        const s = pending();
        this.set({ queue: "active" }, s.active);
        this.set({ queue: "backoff" }, s.backoff);
        this.set({ queue: "unschedulable" }, s.unschedulable);
        this.set({ queue: "gated" }, s.gated ?? 0);
      },
    });
  }

  /** One finished attempt of `profile` with its outcome and latency (seconds). */
  attempt(profile: string, result: AttemptResult, seconds: number): void {
    let byProfile = this.attemptChildren.get(result);
    if (!byProfile) this.attemptChildren.set(result, (byProfile = new Map()));
    let c = byProfile.get(profile);
    if (!c) byProfile.set(profile, (c = { count: this.attempts.labels(result, profile), duration: this.attemptDuration.labels(result, profile) }));
    c.count.inc();
    c.duration.observe(seconds);
  }

  /** One run of an extension point's plugins (`Filter`, `Score`, `Bind`, ...), `status` as upstream names codes (`Success`, `Unschedulable`, ...). */
  extension(profile: string, point: string, status: string, seconds: number): void {
    let byStatus = this.pointChildren.get(point);
    if (!byStatus) this.pointChildren.set(point, (byStatus = new Map()));
    let byProfile = byStatus.get(status);
    if (!byProfile) byStatus.set(status, (byProfile = new Map()));
    let c = byProfile.get(profile);
    if (!c) byProfile.set(profile, (c = this.extensionPoint.labels(point, status, profile)));
    c.observe(seconds);
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
